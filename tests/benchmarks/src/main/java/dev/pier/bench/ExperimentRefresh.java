package dev.pier.bench;

import dev.pier.experiments.Analysis;
import dev.pier.experiments.Arm;
import dev.pier.experiments.Correction;
import dev.pier.experiments.Metric;
import dev.pier.experiments.metrics.ExperimentLedger;
import dev.pier.experiments.metrics.Exposure;
import dev.pier.experiments.metrics.MetricEvent;
import dev.pier.experiments.metrics.MetricType;
import dev.pier.experiments.results.AnalysisPlan;
import dev.pier.experiments.results.ExperimentResults;
import dev.pier.experiments.results.ResultsCalculator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Cost of a results refresh: folding every exposure and event into a fresh {@link ExperimentLedger} and computing the
 * results (what a full recomputation costs), against folding 1% more data into the warm ledger and computing again
 * (what Pier's incremental refresh costs). Units are exposed over 14 days, each with five events on a binary and a
 * continuous metric, half of them before exposure (CUPED covariates or dropped) and half after.
 *
 * <p>Run: {@code ./pier bench experiments}. Arguments: {@code [exposures]} (default 1,000,000; events are five times
 * that). The in-memory ledger holds about 250 bytes per unit, so 10 M exposures want a heap of about 6 GB.
 */
public final class ExperimentRefresh {

  private static final long T0 = 1_764_547_200_000L; // 2025-12-01T00:00:00Z
  private static final long DAY = 86_400_000L;

  public static void main(String[] args) {
    int exposures = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int extra = exposures / 100;
    Data data = Data.generate(exposures + extra, 5, 20261206L);

    Map<String, MetricType> types = new LinkedHashMap<>();
    types.put("conversion", MetricType.BINARY);
    types.put("revenue", MetricType.CONTINUOUS);
    AnalysisPlan plan = new AnalysisPlan(List.of(new Arm("control", 1, null, 0.5), new Arm("treatment", 2, null, 0.5)),
        Metric.goal("conversion", MetricType.BINARY), List.of(Metric.goal("revenue", MetricType.CONTINUOUS)),
        List.of(), Analysis.SEQUENTIAL, 0.05, Correction.HOLM, true);
    var calculator = new ResultsCalculator();

    for (int round = 1; round <= 3; round++) { // the first round warms the JIT; report the last
      var cpu = java.lang.management.ManagementFactory.getThreadMXBean();
      long c0 = cpu.getCurrentThreadCpuTime();
      long t0 = System.nanoTime();
      var ledger = new ExperimentLedger(List.of("control", "treatment"), types, ExperimentLedger.DEFAULT_LOOKBACK);
      data.fold(ledger, 0, exposures);
      ExperimentResults full = calculator.compute(plan, ledger);
      long t1 = System.nanoTime();
      long c1 = cpu.getCurrentThreadCpuTime();
      data.fold(ledger, exposures, exposures + extra);
      ExperimentResults incremental = calculator.compute(plan, ledger);
      long t2 = System.nanoTime();
      long c2 = cpu.getCurrentThreadCpuTime();
      if (round == 3) {
        double fullS = (t1 - t0) / 1e9, incS = (t2 - t1) / 1e9;
        System.out.printf("Refresh, %,d exposures and %,d events (2 arms, 2 metrics, sequential, CUPED):%n", exposures,
            (long) exposures * data.eventsPerUnit);
        System.out.printf("  full recomputation (fold all, compute)          %.2f s wall, %.2f s CPU%n", fullS,
            (c1 - c0) / 1e9);
        System.out.printf("  refresh after 1%% more data (fold new, compute)  %.3f s wall, %.3f s CPU = %.1f%% of full"
            + " (target <= 10%%)%n", incS, (c2 - c1) / 1e9, 100.0 * (c2 - c1) / (c1 - c0));
        System.out.printf("  units counted: %,d then %,d; primary p-value %.4f%n", sum(full), sum(incremental),
            incremental.metrics().get(0).comparisons().get(0).pValue());
      }
    }
  }

  private static long sum(ExperimentResults r) {
    return r.arms().stream().mapToLong(ExperimentResults.ArmUnits::units).sum();
  }

  /** Pre-generated exposures and events as primitive arrays, so the timing covers folding, not generating. */
  private record Data(String[] units, boolean[] treated, long[] exposedAt, int eventsPerUnit, boolean[] binary,
                      double[] value, long[] eventAt) {

    static Data generate(int n, int perUnit, long seed) {
      var rng = new SplittableRandom(seed);
      String[] units = new String[n];
      boolean[] treated = new boolean[n];
      long[] exposedAt = new long[n];
      boolean[] binary = new boolean[n * perUnit];
      double[] value = new double[n * perUnit];
      long[] eventAt = new long[n * perUnit];
      for (int i = 0; i < n; i++) {
        units[i] = "user-" + i;
        treated[i] = rng.nextBoolean();
        exposedAt[i] = T0 + rng.nextLong(14 * DAY);
        for (int k = 0; k < perUnit; k++) {
          int e = i * perUnit + k;
          binary[e] = rng.nextDouble() < 0.2;
          value[e] = binary[e] ? 1 : 5 + 20 * rng.nextDouble();
          eventAt[e] = exposedAt[i] + (rng.nextBoolean() ? 1 : -1) * rng.nextLong(10 * DAY);
        }
      }
      return new Data(units, treated, exposedAt, perUnit, binary, value, eventAt);
    }

    void fold(ExperimentLedger ledger, int from, int to) {
      for (int i = from; i < to; i++) {
        ledger.expose(new Exposure(units[i], treated[i] ? "treatment" : "control", exposedAt[i]));
        for (int k = 0; k < eventsPerUnit; k++) {
          int e = i * eventsPerUnit + k;
          ledger.record(new MetricEvent(units[i], binary[e] ? "conversion" : "revenue", value[e], eventAt[e]));
        }
      }
    }
  }

  private ExperimentRefresh() {}
}
