package dev.pier.features;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An online row's values held positionally read as the hash map of name → value they replace. */
class FeatureRowTest {
  @Test
  void readsAsTheMapOfNameToValue() {
    FeatureRow.Columns columns = new FeatureRow.Columns(List.of("conv_rate", "trips", "tier", "trips"));
    FeatureRow row = new FeatureRow(columns, new Object[] {0.5, 7L, null, 7L});
    Map<String, Object> expected = new HashMap<>();
    expected.put("conv_rate", 0.5);
    expected.put("trips", 7L);
    expected.put("tier", null);
    assertThat(row).isEqualTo(expected);
    assertThat(expected).isEqualTo(row);
    assertThat(row.hashCode()).isEqualTo(expected.hashCode());
    assertThat(row.get("trips")).isEqualTo(7L);
    assertThat(row.get("tier")).isNull();
    assertThat(row.containsKey("tier")).isTrue();
    assertThat(row.get("absent")).isNull();
    assertThat(row.containsKey("absent")).isFalse();
    assertThat(row.size()).isEqualTo(3);
    assertThat(row.keySet()).containsExactly("conv_rate", "trips", "tier");
  }
}
