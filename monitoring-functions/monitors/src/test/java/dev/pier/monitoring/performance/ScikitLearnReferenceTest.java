package dev.pier.monitoring.performance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Performance and bias metrics against scikit-learn's on fixed data: src/test/resources/fixtures/
 * performance-reference.json, written by src/test/python/make_performance_reference.py with Debian's python3-sklearn.
 */
class ScikitLearnReferenceTest {
  private static final double TOLERANCE = 1e-9;
  private static JsonNode reference;

  @BeforeAll
  static void load() throws IOException {
    try (InputStream in = ScikitLearnReferenceTest.class.getResourceAsStream("/fixtures/performance-reference.json")) {
      reference = new ObjectMapper().readTree(in);
    }
  }

  private static int[] ints(JsonNode array) {
    return StreamSupport.stream(array.spliterator(), false).mapToInt(JsonNode::intValue).toArray();
  }

  private static double[] doubles(JsonNode array) {
    return StreamSupport.stream(array.spliterator(), false).mapToDouble(JsonNode::doubleValue).toArray();
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(v -> out.add(v.textValue()));
    return out;
  }

  private static double number(String section, String name) {
    return reference.get(section).get(name).doubleValue();
  }

  @Test
  void cbpeEstimatesEqualNannyMlsFormulasWithScikitLearnsAuc() {
    JsonNode c = reference.get("cbpe");
    double[] p = doubles(c.get("probabilities"));
    EstimatedPerformance e = EstimatedPerformance.cbpe(p, BinaryMetrics.DEFAULT_THRESHOLD);
    assertThat(e.accuracy()).isCloseTo(number("cbpe", "accuracy"), within(TOLERANCE));
    assertThat(e.precision()).isCloseTo(number("cbpe", "precision"), within(TOLERANCE));
    assertThat(e.recall()).isCloseTo(number("cbpe", "recall"), within(TOLERANCE));
    assertThat(e.f1()).isCloseTo(number("cbpe", "f1"), within(TOLERANCE));
    assertThat(e.rocAuc()).isCloseTo(number("cbpe", "roc_auc"), within(TOLERANCE));
    // labels drawn from the calibrated probabilities: the realized AUC (scikit-learn's and Pier's) is near the estimate
    BinaryMetrics realized = BinaryMetrics.of(ints(c.get("sampled_labels")), p, BinaryMetrics.DEFAULT_THRESHOLD);
    assertThat(realized.rocAuc()).isCloseTo(number("cbpe", "sampled_roc_auc"), within(TOLERANCE));
    assertThat(e.rocAuc()).isCloseTo(realized.rocAuc(), within(0.03));
  }

  @Test
  void binaryMetricsEqualScikitLearns() {
    JsonNode b = reference.get("binary");
    BinaryMetrics m = BinaryMetrics.of(ints(b.get("labels")), doubles(b.get("probabilities")),
        BinaryMetrics.DEFAULT_THRESHOLD);
    assertThat(m.accuracy()).isCloseTo(number("binary", "accuracy"), within(TOLERANCE));
    assertThat(m.precision()).isCloseTo(number("binary", "precision"), within(TOLERANCE));
    assertThat(m.recall()).isCloseTo(number("binary", "recall"), within(TOLERANCE));
    assertThat(m.f1()).isCloseTo(number("binary", "f1"), within(TOLERANCE));
    assertThat(m.rocAuc()).isCloseTo(number("binary", "roc_auc"), within(TOLERANCE));
    assertThat(m.logLoss()).isCloseTo(number("binary", "log_loss"), within(TOLERANCE));
  }

  @Test
  void multiclassMetricsEqualScikitLearns() {
    JsonNode c = reference.get("multiclass");
    MulticlassMetrics m = MulticlassMetrics.of(strings(c.get("labels")), strings(c.get("predictions")));
    assertThat(m.accuracy()).isCloseTo(number("multiclass", "accuracy"), within(TOLERANCE));
    assertThat(m.macroF1()).isCloseTo(number("multiclass", "macro_f1"), within(TOLERANCE));
    assertThat(m.classes()).isEqualTo(strings(c.get("classes")));
    JsonNode expected = c.get("confusion_matrix");
    for (int row = 0; row < m.classes().size(); row++) {
      for (int col = 0; col < m.classes().size(); col++) {
        assertThat(m.confusionMatrix()[row][col]).as("[%d][%d]", row, col)
            .isEqualTo(expected.get(row).get(col).longValue());
      }
    }
  }

  @Test
  void regressionMetricsEqualScikitLearns() {
    JsonNode r = reference.get("regression");
    RegressionMetrics m = RegressionMetrics.of(doubles(r.get("labels")), doubles(r.get("predictions")));
    assertThat(m.mae()).isCloseTo(number("regression", "mae"), within(TOLERANCE));
    assertThat(m.rmse()).isCloseTo(number("regression", "rmse"), within(TOLERANCE));
    assertThat(m.mape()).isCloseTo(number("regression", "mape"), within(TOLERANCE));
    assertThat(m.r2()).isCloseTo(number("regression", "r2"), within(TOLERANCE));
    assertThat(RegressionMetrics.of(new double[] {0, 2}, new double[] {1, 3}).mape())
        .isEqualTo(number("regression", "mape_with_zero_label"));
  }

  @Test
  void biasMetricsEqualThoseFromScikitLearnsPerGroupRates() {
    JsonNode b = reference.get("binary");
    JsonNode bias = reference.get("bias");
    BiasMetrics m = BiasMetrics.of(strings(bias.get("groups")), ints(b.get("labels")),
        doubles(b.get("probabilities")), BinaryMetrics.DEFAULT_THRESHOLD);
    assertThat(m.groups()).containsOnlyKeys("a", "b", "c");
    bias.get("groups_rates").properties().forEach(e -> {
      assertThat(m.groups().get(e.getKey()).selectionRate())
          .isCloseTo(e.getValue().get("selection_rate").doubleValue(), within(TOLERANCE));
      assertThat(m.groups().get(e.getKey()).truePositiveRate())
          .isCloseTo(e.getValue().get("true_positive_rate").doubleValue(), within(TOLERANCE));
    });
    assertThat(m.demographicParityDifference())
        .isCloseTo(number("bias", "demographic_parity_difference"), within(TOLERANCE));
    assertThat(m.equalOpportunityDifference())
        .isCloseTo(number("bias", "equal_opportunity_difference"), within(TOLERANCE));
    assertThat(m.disparateImpactRatio()).isCloseTo(number("bias", "disparate_impact_ratio"), within(TOLERANCE));
  }

  @Test
  void rocAucIsUndefinedWithOneClassOnly() {
    assertThat(BinaryMetrics.of(new int[] {1, 1}, new double[] {0.2, 0.9}, 0.5).rocAuc()).isNaN();
  }

  @Test
  void aLabelThatIsNotZeroOrOneIsRejectedNamingItsRow() {
    assertThatThrownBy(() -> BinaryMetrics.of(new int[] {0, 2}, new double[] {0.1, 0.9}, 0.5))
        .hasMessage("label at row 1 is 2, not 0 or 1");
  }
}
