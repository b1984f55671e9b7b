package dev.pier.experiments.assignment;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class UnitHashTest {

  @Test
  void hashesPositionsAndArmsEqualThePythonReferenceImplementation() throws IOException {
    JsonNode cases;
    try (InputStream in = getClass().getResourceAsStream("/assignment/unit_hash.json")) {
      cases = new ObjectMapper().readTree(in);
    }
    assertThat(cases.size()).isGreaterThanOrEqualTo(8);
    for (JsonNode c : cases) {
      String seed = c.get("seed").asText(), unit = c.get("unit").asText();
      assertThat(Long.toUnsignedString(UnitHash.hash(seed, unit))).as(unit).isEqualTo(c.get("hash").asText());
      assertThat(UnitHash.position(seed, unit)).as(unit).isEqualTo(c.get("position").asDouble());
      var allocation = new Allocation(seed, List.of("control", "treatment"), List.of(0.5, 0.5));
      assertThat(allocation.arm(unit)).as(unit).isEqualTo(c.get("arm").asText());
    }
  }

  @Test
  void theSeedChangesTheHash() {
    assertThat(UnitHash.hash("exp-1", "user-1")).isNotEqualTo(UnitHash.hash("exp-2", "user-1"));
  }

  @Test
  void theSeparatorKeepsSeedAndUnitApart() {
    assertThat(UnitHash.hash("ab", "c")).isNotEqualTo(UnitHash.hash("a", "bc"));
  }
}
