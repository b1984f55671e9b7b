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
 * <p>Run: {@code ./pier bench experiments}. Arguments: {@code [exposures]} (default 10,000,000, the size;
 * events are five times that). The generated data and the ledger hold about 400 bytes per unit together, so 10 M
 * exposures want a heap of about 6 GB ({@code PIER_BENCH_HEAP}, default 6g).
 */
public final class ExperimentRefresh {

  private static final long T0 = 1_764_547_200_000L; // 2025-12-01T00:00:00Z
  private static final long DAY = 86_400_000L;

  public static void main(String[] args) {
    int exposures = args.length > 0 ? Integer.parseInt(args[0]) : 10_000_000;
    int extra = exposures / 100;
    long g0 = System.nanoTime();
    Data data = Data.generate(exposures + extra, 5, 20261206L);
    System.out.printf("Refresh: generated %,d units and %,d events in %.1f s%n", exposures + extra,
        (long) (exposures + extra) * data.eventsPerUnit, (System.nanoTime() - g0) / 1e9);

    Map<String, MetricType> types = new LinkedHashMap<>();
    types.put("conversion", MetricType.BINARY);
    types.put("revenue", MetricType.CONTINUOUS);
    AnalysisPlan plan = new AnalysisPlan(List.of(new Arm("control", 1, null, 0.5), new Arm("treatment", 2, null, 0.5)),
        Metric.goal("conversion", MetricType.BINARY), List.of(Metric.goal("revenue", MetricType.CONTINUOUS)),
        List.of(), Analysis.SEQUENTIAL, 0.05, Correction.HOLM, true);
    var calculator = new ResultsCalculator();

    // warm the JIT on a tenth of the data (at most 1 M units), twice, so the measured round runs compiled code
    // without paying for two more rounds at full size (each holds the whole ledger: ~250 bytes a unit)
    int warm = Math.min(exposures / 10, 1_000_000);
    for (int round = 0; round < 2; round++) {
      var ledger = new ExperimentLedger(List.of("control", "treatment"), types, ExperimentLedger.DEFAULT_LOOKBACK);
      data.fold(ledger, 0, warm);
      calculator.compute(plan, ledger);
      data.fold(ledger, warm, warm + warm / 100);
      calculator.compute(plan, ledger);
    }
    System.gc();

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
    ExperimentResults again = calculator.compute(plan, ledger);
    long t3 = System.nanoTime();
    long c3 = cpu.getCurrentThreadCpuTime();

    double fullS = (t1 - t0) / 1e9, incS = (t2 - t1) / 1e9;
    System.out.printf("Refresh, %,d exposures and %,d events (2 arms, 2 metrics, sequential, CUPED):%n", exposures,
        (long) exposures * data.eventsPerUnit);
    System.out.printf("  full recomputation (fold all, compute)          %.2f s wall, %.2f s CPU%n", fullS,
        (c1 - c0) / 1e9);
    System.out.printf("  refresh after 1%% more data (fold new, compute)  %.3f s wall, %.3f s CPU = %.1f%% of full"
        + " CPU, %.1f%% of full wall (target <= 10%%; <= 5 s)%n", incS, (c2 - c1) / 1e9,
        100.0 * (c2 - c1) / (c1 - c0), 100.0 * incS / fullS);
    System.out.printf("  refresh with no new data (compute)              %.4f s wall, %.4f s CPU%n", (t3 - t2) / 1e9,
        (c3 - c2) / 1e9);
    System.out.printf("  units counted: %,d then %,d (and %,d); primary p-value %.4f%n", sum(full), sum(incremental),
        sum(again), incremental.metrics().get(0).comparisons().get(0).pValue());
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
