package dev.pier.monitoring.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Drift numbers against SciPy's on fixed data: src/test/resources/fixtures/drift-reference.json, written by
 * src/test/python/make_drift_reference.py with Debian's python3-scipy.
 */
class ScipyReferenceTest {
  private static final double TOLERANCE = 1e-4;
  private static JsonNode cases;

  @BeforeAll
  static void load() throws IOException {
    try (InputStream in = ScipyReferenceTest.class.getResourceAsStream("/fixtures/drift-reference.json")) {
      cases = new ObjectMapper().readTree(in).get("cases");
    }
  }

  private static RawColumn column(String name, String side) {
    List<Object> values = new ArrayList<>();
    for (JsonNode v : cases.get(name).get(side)) {
      values.add(v.isNumber() ? (Object) v.doubleValue() : v.textValue());
    }
    return RawColumn.of(values);
  }

  private static ColumnDrift drift(String name, DriftMethod method) {
    return ColumnDriftCalculator.exact(column(name, "reference"), column(name, "current"), new DriftSpec(method, null));
  }

  @Test
  void ksStatisticAndPValueEqualScipysKs2samp() {
    for (String name : List.of("shifted_normal", "same_normal", "integers_with_ties")) {
      ColumnDrift d = drift(name, DriftMethod.KS);
      JsonNode expected = cases.get(name).get("ks");
      assertThat(d.statistic()).as(name).isCloseTo(expected.get("statistic").doubleValue(), within(TOLERANCE));
      assertThat(d.pValue()).as(name).isCloseTo(expected.get("p_value").doubleValue(), within(TOLERANCE));
      assertThat(d.drifted()).as(name).isEqualTo(expected.get("p_value").doubleValue() < 0.05);
    }
  }

  @Test
  void ksOnSamplesAboveTenThousandValuesEqualsScipysAsymptoticPValue() {
    double[] ref = new double[12_000];
    for (int i = 0; i < ref.length; i++) {
      ref[i] = ((i * 7919L) % 10007) / 10007.0;
    }
    double[] cur = new double[11_000];
    for (int j = 0; j < cur.length; j++) {
      cur[j] = ((j * 104729L) % 10009) / 10009.0 * 0.98 + 0.03;
    }
    ColumnDrift d = ColumnDriftCalculator.exact(RawColumn.of(ref), RawColumn.of(cur), new DriftSpec(DriftMethod.KS,
        null));
    JsonNode expected = cases.get("large_generated").get("ks");
    double p = expected.get("p_value").doubleValue();
    assertThat(d.statistic()).isCloseTo(expected.get("statistic").doubleValue(), within(1e-12));
    assertThat(d.pValue()).as("a p-value this small is compared relatively").isCloseTo(p, within(p * 1e-4));
  }

  @Test
  void chiSquaredStatisticAndPValueEqualScipysChi2Contingency() {
    for (String name : List.of("colours", "yes_no", "new_category")) {
      ColumnDrift d = drift(name, DriftMethod.CHI_SQUARE);
      JsonNode expected = cases.get(name).get("chisquare");
      assertThat(d.statistic()).as(name).isCloseTo(expected.get("statistic").doubleValue(), within(TOLERANCE));
      assertThat(d.pValue()).as(name).isCloseTo(expected.get("p_value").doubleValue(), within(TOLERANCE));
    }
  }

  @Test
  void zTestEqualsTheTwoProportionTestOnScipysNormal() {
    ColumnDrift d = drift("yes_no", DriftMethod.Z);
    JsonNode expected = cases.get("yes_no").get("z");
    assertThat(Math.abs(d.statistic())).isCloseTo(Math.abs(expected.get("statistic").doubleValue()), within(TOLERANCE));
    assertThat(d.pValue()).isCloseTo(expected.get("p_value").doubleValue(), within(TOLERANCE));
  }

  @Test
  void wassersteinNormedByTheReferenceStdEqualsScipysWassersteinDistance() {
    for (String name : List.of("shifted_normal", "same_normal", "integers_with_ties")) {
      ColumnDrift d = drift(name, DriftMethod.WASSERSTEIN);
      assertThat(d.statistic()).as(name)
          .isCloseTo(cases.get(name).get("wasserstein").get("normed").doubleValue(), within(TOLERANCE));
      RawColumn ref = column(name, "reference");
      assertThat(Distances.wasserstein(ref.sortedNumbers(), column(name, "current").sortedNumbers())).as(name)
          .isCloseTo(cases.get(name).get("wasserstein").get("distance").doubleValue(), within(TOLERANCE));
    }
  }

  @Test
  void jensenShannonPsiAndKlEqualScipyOnEvidentlysBins() {
    for (String name : List.of("shifted_normal", "same_normal", "integers_with_ties", "colours", "yes_no",
        "new_category")) {
      JsonNode expected = cases.get(name);
      assertThat(drift(name, DriftMethod.JENSEN_SHANNON).statistic()).as(name + " js")
          .isCloseTo(expected.get("jensenshannon").doubleValue(), within(TOLERANCE));
      assertThat(drift(name, DriftMethod.PSI).statistic()).as(name + " psi")
          .isCloseTo(expected.get("psi").doubleValue(), within(TOLERANCE));
      assertThat(drift(name, DriftMethod.KL).statistic()).as(name + " kl")
          .isCloseTo(expected.get("kl_div").doubleValue(), within(TOLERANCE));
    }
  }
}
