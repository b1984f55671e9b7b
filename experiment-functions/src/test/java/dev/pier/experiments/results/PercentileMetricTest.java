package dev.pier.experiments.results;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.tdunning.math.stats.TDigest;
import dev.pier.experiments.Analysis;
import dev.pier.experiments.Arm;
import dev.pier.experiments.Correction;
import dev.pier.experiments.DefinitionParser;
import dev.pier.experiments.ExperimentDefinition;
import dev.pier.experiments.Metric;
import dev.pier.experiments.metrics.ExperimentLedger;
import dev.pier.experiments.metrics.Exposure;
import dev.pier.experiments.metrics.MetricEvent;
import dev.pier.experiments.metrics.MetricType;
import dev.pier.experiments.metrics.PercentileSketches;
import dev.pier.kernel.PierException;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@code latency_p95_ms} as a real percentile per arm: a t-digest of every latency event after exposure, checked
 * against the exact percentile of the same values computed as numpy's default ({@code np.percentile}, linear
 * interpolation between order statistics), and the guardrail evaluated on it.
 */
class PercentileMetricTest {

  private static final long T0 = Instant.parse("2026-12-01T00:00:00Z").toEpochMilli();
  private static final long DAY = 86_400_000L;
  private static final List<Arm> ARMS = List.of(new Arm("control", 1, null, 0.5), new Arm("treatment", 2, null, 0.5));
  private static final Metric CONVERSION = Metric.goal("conversion", MetricType.BINARY);
  private static final Metric P95 = new Metric("latency_p95_ms", MetricType.PERCENTILE, false, 0.1, "latency_ms", 0.95);

  /** numpy.percentile(values, 100 * q) with its default method ("linear"): sorted values, index q·(n−1). */
  static double numpyPercentile(double[] sorted, double q) {
    double h = q * (sorted.length - 1);
    int lo = (int) Math.floor(h);
    int hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
  }

  /**
   * 2,000 units per arm, 100 predictions each over 4 days, latency log-normal (median 40 ms, a heavy tail) times
   * {@code slowdown} in treatment; returns the ledger and fills {@code values} with each arm's latencies.
   */
  private static ExperimentLedger ledger(double slowdown, long seed, double[][] values) {
    Map<String, MetricType> types = new LinkedHashMap<>();
    types.put("conversion", MetricType.BINARY);
    var ledger = new ExperimentLedger(List.of("control", "treatment"), types,
        Map.of("latency_p95_ms", "latency_ms"), ExperimentLedger.DEFAULT_LOOKBACK);
    var rng = new SplittableRandom(seed);
    int[] filled = new int[2];
    for (int i = 0; i < 4_000; i++) {
      String unit = "u" + i;
      int arm = i % 2;
      long exposed = T0 + (i % 4) * DAY;
      ledger.expose(new Exposure(unit, arm == 0 ? "control" : "treatment", exposed));
      ledger.record(new MetricEvent(unit, "latency_ms", 1e6, exposed - 1)); // before exposure: never ranked
      for (int k = 0; k < 100; k++) {
        double latency = 40 * Math.exp(0.6 * gaussian(rng)) * (arm == 1 ? slowdown : 1);
        values[arm][filled[arm]++] = latency;
        ledger.record(new MetricEvent(unit, "latency_ms", latency, exposed + k * 60_000L));
      }
    }
    return ledger;
  }

  private static double gaussian(SplittableRandom rng) {
    return Math.sqrt(-2 * Math.log(1 - rng.nextDouble())) * Math.cos(2 * Math.PI * rng.nextDouble());
  }

  private static AnalysisPlan plan() {
    return new AnalysisPlan(ARMS, CONVERSION, List.of(), List.of(P95), Analysis.FREQUENTIST, 0.05, Correction.HOLM,
        false);
  }

  @Test
  void eachArmsP95IsTheExactPercentileWithinTheDigestsRankError() {
    double[][] values = new double[2][200_000];
    ExperimentLedger ledger = ledger(1.3, 11, values);
    for (int arm = 0; arm < 2; arm++) {
      double[] sorted = values[arm].clone();
      Arrays.sort(sorted);
      TDigest digest = ledger.percentiles().total("latency_p95_ms", arm);
      assertThat(digest.size()).isEqualTo(200_000); // every event after exposure, none from before
      double estimate = digest.quantile(0.95);
      double exact = numpyPercentile(sorted, 0.95);
      // the estimate's rank among the exact values lies within the allowed rank error of 0.95
      double rank = (double) upperRank(sorted, estimate) / sorted.length;
      assertThat(rank).as("rank of the estimate %s (exact %s)", estimate, exact)
          .isBetween(0.95 - PercentileSketches.RANK_ERROR, 0.95 + PercentileSketches.RANK_ERROR);
      assertThat(estimate).isBetween(numpyPercentile(sorted, 0.95 - PercentileSketches.RANK_ERROR),
          numpyPercentile(sorted, 0.95 + PercentileSketches.RANK_ERROR));
      assertThat(Math.abs(estimate / exact - 1)).as("relative error").isLessThan(0.01);
    }
    // a window is the merge of its days: all four days give the total
    TDigest window = ledger.percentiles().window("latency_p95_ms", 0, T0 / DAY, T0 / DAY + 3);
    assertThat(window.size()).isEqualTo(200_000);
    assertThat(window.quantile(0.95)).isCloseTo(ledger.percentiles().total("latency_p95_ms", 0).quantile(0.95),
        org.assertj.core.data.Offset.offset(0.5));
    // control's units (even i) were exposed on days 0 and 2 (i % 4): half of its events fall on the first day
    assertThat(ledger.percentiles().window("latency_p95_ms", 0, T0 / DAY, T0 / DAY).size()).isEqualTo(100_000);
    assertThat(ledger.percentiles().window("latency_p95_ms", 0, T0 / DAY + 1, T0 / DAY + 1).size()).isZero();
  }

  @Test
  void aTreatment30PercentSlowerAtP95BreachesTheGuardrailAndAnEqualOneDoesNot() {
    double[][] slow = new double[2][200_000];
    ExperimentResults breached = new ResultsCalculator().compute(plan(), ledger(1.3, 5, slow));
    var guard = breached.metrics().stream().filter(m -> m.metric().equals("latency_p95_ms")).findFirst().orElseThrow();
    assertThat(guard.type()).isEqualTo("percentile");
    double[] control = slow[0].clone(), treated = slow[1].clone();
    Arrays.sort(control);
    Arrays.sort(treated);
    double exactRelative = numpyPercentile(treated, 0.95) / numpyPercentile(control, 0.95) - 1;
    assertThat(guard.arms().get(0).percentile()).isCloseTo(numpyPercentile(control, 0.95),
        org.assertj.core.data.Percentage.withPercentage(1));
    assertThat(guard.arms().get(1).n()).isEqualTo(200_000);
    var c = guard.comparisons().get(0);
    assertThat(c.relativeLift()).isCloseTo(exactRelative, org.assertj.core.data.Offset.offset(0.02));
    assertThat(c.relativeCi().get(0)).isLessThan(exactRelative);
    assertThat(c.relativeCi().get(1)).isGreaterThan(exactRelative);
    assertThat(c.breached()).isTrue();

    ExperimentResults same = new ResultsCalculator().compute(plan(), ledger(1.0, 6, new double[2][200_000]));
    var fine = same.metrics().stream().filter(m -> m.metric().equals("latency_p95_ms")).findFirst().orElseThrow();
    assertThat(fine.comparisons().get(0).breached()).isFalse();
    assertThat(fine.comparisons().get(0).relativeCi().get(0)).isLessThan(0);
    assertThat(fine.comparisons().get(0).relativeCi().get(1)).isGreaterThan(0);
  }

  @Test
  void aPercentileMetricIsNamedOrSaysWhatItRanks() throws Exception {
    ObjectMapper json = new ObjectMapper();
    String design = """
        {"name": "p95", "model": "m", "arms": [{"name": "control", "version": 1, "weight": 0.5},
          {"name": "treatment", "version": 2, "weight": 0.5}],
         "metrics": {"primary": {"name": "conversion", "type": "binary"}, "guardrails": [GUARDS]},
         "design": {"alpha": 0.05, "power": 0.8, "mde": 0.05, "baseline": 0.1}}""";
    ExperimentDefinition def = DefinitionParser.parse(json.readTree(design.replace("GUARDS",
        "{\"name\": \"latency_p95_ms\", \"type\": \"percentile\", \"max_relative_harm\": 0.1},"
            + " {\"name\": \"slow_tail\", \"type\": \"percentile\", \"of\": \"latency_ms\", \"quantile\": 0.99}")));
    assertThat(def.guardrails().get(0)).extracting(Metric::of, Metric::quantile).containsExactly("latency_ms", 0.95);
    assertThat(def.guardrails().get(1)).extracting(Metric::of, Metric::quantile).containsExactly("latency_ms", 0.99);
    assertThat(def.measures("latency_ms")).isTrue(); // the model metric's events reach the experiment

    PierException unnamed = org.junit.jupiter.api.Assertions.assertThrows(PierException.class, () ->
        DefinitionParser.parse(json.readTree(design.replace("GUARDS", "{\"name\": \"slow\", \"type\": \"percentile\"}"))));
    assertThat(unnamed.getMessage()).contains("metrics.guardrails[0]: a percentile metric needs \"of\"");
    PierException primary = org.junit.jupiter.api.Assertions.assertThrows(PierException.class, () ->
        DefinitionParser.parse(json.readTree(design.replace("GUARDS", "")
            .replace("{\"name\": \"conversion\", \"type\": \"binary\"}",
                "{\"name\": \"latency_p95_ms\", \"type\": \"percentile\"}"))));
    assertThat(primary.getMessage()).contains("metrics.primary.type: a percentile is a guardrail or secondary metric");
  }

  /** How many sorted values are at most {@code x}. */
  private static int upperRank(double[] sorted, double x) {
    int lo = 0, hi = sorted.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (sorted[mid] <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
