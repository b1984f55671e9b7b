package dev.pier.monitoring.performance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** CBPE: the expected confusion matrix of calibrated probabilities. */
class EstimatedPerformanceTest {

  @Test
  void theEstimateIsTheExpectedConfusionMatrixsMetrics() {
    // tp = 0.9 + 0.6, fp = 0.1 + 0.4, fn = 0.2, tn = 0.8
    EstimatedPerformance e = EstimatedPerformance.cbpe(new double[] {0.9, 0.2, 0.6}, 0.5);
    assertThat(e.accuracy()).isCloseTo(2.3 / 3, within(1e-12));
    assertThat(e.precision()).isCloseTo(1.5 / 2.0, within(1e-12));
    assertThat(e.recall()).isCloseTo(1.5 / 1.7, within(1e-12));
    assertThat(e.f1()).isCloseTo(3.0 / 3.7, within(1e-12));
  }

  @Test
  void forACalibratedModelTheEstimateMatchesTheMetricsTheLabelsGive() {
    SplittableRandom random = new SplittableRandom(5);
    int n = 50_000;
    double[] p = new double[n];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = Math.pow(random.nextDouble(), 2); // skewed towards the negative class, and calibrated:
      y[i] = random.nextDouble() < p[i] ? 1 : 0; // each row is positive with its probability
    }
    EstimatedPerformance estimated = EstimatedPerformance.cbpe(p, 0.5);
    BinaryMetrics realized = BinaryMetrics.of(y, p, 0.5);
    // sampling error of a proportion over 50,000 rows is about 0.002; 0.01 is five of them
    assertThat(estimated.accuracy()).isCloseTo(realized.accuracy(), within(0.01));
    assertThat(estimated.precision()).isCloseTo(realized.precision(), within(0.02));
    assertThat(estimated.recall()).isCloseTo(realized.recall(), within(0.02));
    assertThat(estimated.f1()).isCloseTo(realized.f1(), within(0.02));
    assertThat(estimated.rocAuc()).isCloseTo(realized.rocAuc(), within(0.01));
  }

  @Test
  void theEstimatedAucIsTheAreaUnderTheExpectedRocCurveAndUndefinedWithoutBothClasses() {
    // descending 0.9, 0.2: expected (fp, tp) points (0, 0), (0.1, 0.9), (0.9, 1.1); area 0.5 * (0.1 * 0.9)
    // + 0.5 * 0.8 * (0.9 + 1.1), over 0.9 negatives and 1.1 positives
    double area = (0.1 * 0.9 / 2 + 0.8 * (0.9 + 1.1) / 2) / (0.9 * 1.1);
    assertThat(EstimatedPerformance.cbpe(new double[] {0.2, 0.9}, 0.5).rocAuc()).isCloseTo(area, within(1e-12));
    assertThat(EstimatedPerformance.cbpe(new double[] {0.0, 0.0}, 0.5).rocAuc()).isNaN();
    assertThat(EstimatedPerformance.cbpe(new double[] {1.0}, 0.5).rocAuc()).isNaN();
  }
}
