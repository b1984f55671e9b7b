package dev.pier.experiments.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every number here is checked against reference.json, written by SciPy (see resources/stats/README.md). */
class StatisticsAgreeWithSciPyTest {

  private static final double TOLERANCE = 1e-6;
  private static JsonNode ref;

  @BeforeAll
  static void load() throws IOException {
    try (InputStream in = StatisticsAgreeWithSciPyTest.class.getResourceAsStream("/stats/reference.json")) {
      ref = new ObjectMapper().readTree(in);
    }
  }

  @Test
  void twoProportionZTestMatchesSciPyNorm() {
    var test = new TwoProportionZTest(0.05);
    for (JsonNode c : ref.get("ztests")) {
      Lift lift = test.compare(c.get("nA").asLong(), c.get("xA").asLong(), c.get("nB").asLong(), c.get("xB").asLong());
      assertThat(lift.pValue()).isCloseTo(c.get("p_value").asDouble(), within(TOLERANCE));
      assertInterval(lift.absoluteInterval(), c.get("ci"));
      assertThat(lift.relative()).isCloseTo(c.get("relative").asDouble(), within(TOLERANCE));
      assertInterval(lift.relativeInterval(), c.get("relative_ci"));
    }
  }

  @Test
  void welchTTestMatchesSciPyTtestIndWithUnequalVariances() {
    var test = new WelchTTest(0.05);
    for (JsonNode c : ref.get("welch")) {
      Lift lift = test.compare(sums(c.get("a")).estimate(), sums(c.get("b")).estimate());
      assertThat(lift.pValue()).isCloseTo(c.get("p_value").asDouble(), within(TOLERANCE));
      assertInterval(lift.absoluteInterval(), c.get("ci"));
      assertThat(lift.relative()).isCloseTo(c.get("relative").asDouble(), within(TOLERANCE));
      assertInterval(lift.relativeInterval(), c.get("relative_ci"));
    }
  }

  @Test
  void cupedFromSumsMatchesWelchOnUnitsAdjustedOneByOne() {
    JsonNode c = ref.get("cuped");
    MetricSums a = MetricSums.over(doubles(c.get("ya")), doubles(c.get("xa")));
    MetricSums b = MetricSums.over(doubles(c.get("yb")), doubles(c.get("xb")));
    Cuped.Adjusted adjusted = Cuped.adjust(a, b);
    assertThat(adjusted.theta()).isCloseTo(c.get("theta").asDouble(), within(TOLERANCE));
    assertThat(adjusted.control().mean()).isCloseTo(c.get("mean_a").asDouble(), within(TOLERANCE));
    assertThat(adjusted.treatment().variance()).isCloseTo(c.get("var_b").asDouble(), within(TOLERANCE));
    Lift lift = new WelchTTest(0.05).compare(adjusted.control(), adjusted.treatment());
    assertThat(lift.pValue()).isCloseTo(c.get("p_value").asDouble(), within(TOLERANCE));
    assertInterval(lift.absoluteInterval(), c.get("ci"));
    assertInterval(lift.relativeInterval(), c.get("relative_ci"));
  }

  @Test
  void cupedDetectsWhatTheUnadjustedTestMisses() {
    JsonNode c = ref.get("cuped");
    MetricSums a = MetricSums.over(doubles(c.get("ya")), doubles(c.get("xa")));
    MetricSums b = MetricSums.over(doubles(c.get("yb")), doubles(c.get("xb")));
    Cuped.Adjusted adjusted = Cuped.adjust(a, b);
    var welch = new WelchTTest(0.05);
    assertThat(welch.compare(a.estimate(), b.estimate()).pValue()).isGreaterThan(0.05);
    assertThat(welch.compare(adjusted.control(), adjusted.treatment()).pValue()).isLessThan(0.05);
  }

  @Test
  void sampleRatioMismatchMatchesSciPyChisquareAndFlagsBelowOnePerMille() {
    for (JsonNode c : ref.get("srm")) {
      long[] units = new long[c.get("units").size()];
      for (int i = 0; i < units.length; i++) units[i] = c.get("units").get(i).asLong();
      SampleRatioMismatch srm = SampleRatioMismatch.test(units, doubles(c.get("weights")));
      double expected = c.get("p_value").asDouble();
      assertThat(srm.chiSquared()).isCloseTo(c.get("chi2").asDouble(), within(TOLERANCE));
      assertThat(srm.pValue()).isCloseTo(expected, within(TOLERANCE));
      assertThat(srm.flagged()).isEqualTo(expected < 0.001);
    }
  }

  @Test
  void sequentialTestMatchesTheMixtureFormulasWithTuningConstant5000() {
    var test = new SequentialTest(0.05);
    for (JsonNode c : ref.get("sequential")) {
      Estimate a, b;
      if (c.get("kind").asText().equals("binary")) {
        a = Estimate.binary(c.get("nA").asLong(), c.get("xA").asLong());
        b = Estimate.binary(c.get("nB").asLong(), c.get("xB").asLong());
      } else {
        JsonNode w = ref.get("welch").get(c.get("welch_case").asInt());
        a = sums(w.get("a")).estimate();
        b = sums(w.get("b")).estimate();
      }
      assertThat(test.rho()).isCloseTo(c.get("rho").asDouble(), within(1e-12));
      Lift lift = test.compare(a, b);
      assertThat(lift.pValue()).isCloseTo(c.get("p_value").asDouble(), within(TOLERANCE));
      assertInterval(lift.absoluteInterval(), c.get("ci"));
      assertInterval(lift.relativeInterval(), c.get("relative_ci"));
    }
  }

  @Test
  void betaBinomialChanceToWinAndExpectedLossMatchTheExactBetaIntegrals() {
    for (JsonNode c : ref.get("bayes_binary")) {
      Bayesian r = BetaBinomialModel.DEFAULT.compare(c.get("nA").asLong(), c.get("xA").asLong(), c.get("nB").asLong(),
          c.get("xB").asLong());
      assertThat(r.chanceToWin()).isCloseTo(c.get("chance_to_win").asDouble(), within(TOLERANCE));
      assertThat(r.expectedLossTreatment()).isCloseTo(c.get("expected_loss_treatment").asDouble(), within(TOLERANCE));
      assertThat(r.expectedLossControl()).isCloseTo(c.get("expected_loss_control").asDouble(), within(TOLERANCE));
    }
  }

  @Test
  void normalModelChanceToWinExpectedLossAndCredibleIntervalMatchSciPy() {
    for (JsonNode c : ref.get("bayes_normal")) {
      JsonNode w = ref.get("welch").get(c.get("welch_case").asInt());
      Bayesian r = NormalModel.DEFAULT.compare(sums(w.get("a")).estimate(), sums(w.get("b")).estimate());
      assertThat(r.chanceToWin()).isCloseTo(c.get("chance_to_win").asDouble(), within(TOLERANCE));
      assertThat(r.expectedLossTreatment()).isCloseTo(c.get("expected_loss_treatment").asDouble(), within(TOLERANCE));
      assertThat(r.expectedLossControl()).isCloseTo(c.get("expected_loss_control").asDouble(), within(TOLERANCE));
      assertInterval(r.credibleInterval(), c.get("credible"));
    }
  }

  @Test
  void sampleSizesEqualTheClosedFormsCheckedAgainstTheirPowerInSciPy() {
    for (JsonNode c : ref.get("sample_sizes")) {
      double alpha = c.get("alpha").asDouble(), power = c.get("power").asDouble(), mde = c.get("mde").asDouble();
      long n = c.get("kind").asText().equals("binary")
          ? SampleSize.binary(alpha, power, mde, c.get("baseline").asDouble())
          : SampleSize.continuous(alpha, power, mde, c.get("mean").asDouble(), c.get("sd").asDouble());
      assertThat(n).as(c.toString()).isEqualTo(c.get("n").asLong());
    }
  }

  private static void assertInterval(Interval actual, JsonNode expected) {
    assertThat(actual.lower()).isCloseTo(expected.get(0).asDouble(), within(TOLERANCE));
    assertThat(actual.upper()).isCloseTo(expected.get(1).asDouble(), within(TOLERANCE));
  }

  private static MetricSums sums(JsonNode values) {
    return MetricSums.over(doubles(values));
  }

  private static double[] doubles(JsonNode values) {
    double[] out = new double[values.size()];
    for (int i = 0; i < out.length; i++) out[i] = values.get(i).asDouble();
    return out;
  }
}
