package dev.pier.monitoring.performance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * CBPE's confidence bands against a NumPy Monte Carlo (src/test/python/make_cbpe_bands_reference.py, 20,000 draws of
 * labels ~ Bernoulli(p) per case): each sampling error must be the standard deviation of the metric the labels of a
 * calibrated model give, within a tolerance that covers the simulation's own noise (about 0.5 %), the delta method's
 * approximation (recall, f1) and Pier's 500-draw bootstrap (ROC AUC, about 3 %).
 */
class CbpeBandsReferenceTest {
  /** Relative tolerance per metric: exact formulas, delta method, bootstrap. */
  private static final Map<String, Double> TOLERANCE = Map.of("accuracy", 0.02, "precision", 0.02, "recall", 0.05,
      "f1", 0.05, "roc_auc", 0.12);

  @Test
  void samplingErrorsMatchTheSpreadOfRealizedMetricsUnderCalibration() throws Exception {
    JsonNode reference;
    try (InputStream in = getClass().getResourceAsStream("/fixtures/cbpe-bands-reference.json")) {
      reference = new ObjectMapper().readTree(in);
    }
    assertThat(reference.get("cases")).hasSize(3);
    for (JsonNode c : reference.get("cases")) {
      double[] p = new double[c.get("probabilities").size()];
      for (int i = 0; i < p.length; i++) {
        p[i] = c.get("probabilities").get(i).asDouble();
      }
      EstimatedPerformance e = EstimatedPerformance.cbpe(p, reference.get("threshold").asDouble());
      Map<String, Double> estimates = Map.of("accuracy", e.accuracy(), "precision", e.precision(), "recall",
          e.recall(), "f1", e.f1(), "roc_auc", e.rocAuc());
      assertThat(e.confidence()).containsOnlyKeys(TOLERANCE.keySet());
      TOLERANCE.forEach((metric, tolerance) -> {
        double expected = c.get("sampling_error").get(metric).asDouble();
        EstimatedPerformance.Band band = e.confidence().get(metric);
        assertThat(band.samplingError()).as(c.get("name").asText() + " " + metric)
            .isCloseTo(expected, within(tolerance * expected));
        double estimate = estimates.get(metric);
        assertThat(band.lower()).isCloseTo(Math.max(0, estimate - 3 * band.samplingError()), within(1e-12));
        assertThat(band.upper()).isCloseTo(Math.min(1, estimate + 3 * band.samplingError()), within(1e-12));
      });
    }
  }

  @Test
  void bandsAreUndefinedWhereTheMetricIs() {
    EstimatedPerformance e = EstimatedPerformance.cbpe(new double[] {0.1, 0.2, 0.3}, 0.5);
    assertThat(e.confidence().get("precision").samplingError()).isNaN(); // nothing predicted positive
    assertThat(e.confidence().get("accuracy").samplingError())
        .isCloseTo(Math.sqrt(0.09 + 0.16 + 0.21) / 3, within(1e-12));
    EstimatedPerformance certain = EstimatedPerformance.cbpe(new double[] {1.0, 1.0}, 0.5);
    assertThat(certain.confidence().get("roc_auc").lower()).isNaN(); // no expected negatives: no AUC
    assertThat(certain.confidence().get("accuracy").samplingError()).isZero();
  }
}
