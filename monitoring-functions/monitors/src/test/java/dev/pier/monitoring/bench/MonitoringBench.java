package dev.pier.monitoring.bench;

import dev.pier.monitoring.drift.DatasetDrift;
import dev.pier.monitoring.drift.DriftSpec;
import dev.pier.monitoring.profile.DataProfile;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Profile and drift costs, outside the tests (a plain main; see monitoring-functions/monitors/BENCH.md for how to run
 * it and the figures measured). Workloads: numeric columns of skewed random values.
 *
 * <ol>
 *   <li>building a profile: rows × columns updates per second;
 *   <li>merging 1,000 hourly profiles (read from bytes) of 10 and of 100 columns;
 *   <li>a drift report from two profiles of 1,000,000 rows × 100 columns (all columns, Wasserstein, with bounds).
 * </ol>
 */
public final class MonitoringBench {
  private MonitoringBench() {
  }

  public static void main(String[] args) {
    int columns = 100;
    // warm up the JIT on a small workload first
    profile(20_000, columns, 1, 0);
    long t0 = System.nanoTime();
    int rows = 200_000;
    DataProfile built = profile(rows, columns, 2, 0);
    double s = (System.nanoTime() - t0) / 1e9;
    System.out.printf("build: %,d rows x %d columns in %.2f s = %,.0f updates/s; %,d bytes (%,d per column)%n",
        rows, columns, s, rows * (double) columns / s, built.toBytes().length, built.toBytes().length / columns);

    for (int width : new int[] {10, 100}) {
      byte[][] hours = new byte[1_000][];
      for (int h = 0; h < hours.length; h++) {
        hours[h] = profile(200, width, 100 + h, 0).toBytes();
      }
      merge(hours); // warm-up
      long m0 = System.nanoTime();
      DataProfile merged = merge(hours);
      System.out.printf("merge: 1,000 hourly profiles x %d columns (from bytes) in %.2f s; %,d rows%n", width,
          (System.nanoTime() - m0) / 1e9, merged.rows());
    }

    DataProfile reference = big(1_000_000, columns, 7, 0);
    DataProfile current = big(1_000_000, columns, 8, 0.05);
    DatasetDrift.fromProfiles(reference, current, Map.of(), 0.5); // warm-up
    long d0 = System.nanoTime();
    DatasetDrift drift = DatasetDrift.fromProfiles(reference, current, Map.<String, DriftSpec>of(), 0.5);
    System.out.printf("drift: %d columns of 1,000,000 vs 1,000,000 rows from profiles in %.3f s; share drifted %.2f;"
        + " largest error bound %.4f%n", columns, (System.nanoTime() - d0) / 1e9, drift.shareDrifted(),
        drift.columns().values().stream().mapToDouble(c -> c.errorBound()).max().orElse(0));

    run(columns);
  }

  /**
   * A monitor run from profiles as {@code Monitors} makes it once the window is over the exact limit: 24 hourly
   * capture profiles (1,000,000 rows in all) and the stored 1,000,000-row reference profile read from their bytes,
   * merged, and drift, data quality and the run's record over 100 columns. S3 reads are not in the figure (one GET per
   * hourly object and one for the reference, about 2.3 MB each at 100 columns).
   */
  private static void run(int columns) {
    int hourRows = 1_000_000 / 24;
    DataProfile hourInputs = profile(hourRows, columns, 11, 0.05);
    DataProfile hourOutputs = profile(hourRows, 0, 12, 0); // rows only: the drift of inputs is measured
    byte[] hour = new dev.pier.monitoring.profile.CaptureProfile(hourInputs, hourOutputs).toBytes();
    byte[] reference = big(1_000_000, columns, 7, 0).toBytes();
    dev.pier.monitoring.MonitorDefinition monitor = new dev.pier.monitoring.MonitorDefinition("bench", "m", 1, "1",
        java.time.Duration.ofDays(1), null, null, null, java.util.List.of(), Map.of(), 0.5, null, null,
        java.time.Instant.EPOCH, Map.of(), null);
    dev.pier.monitoring.MonitorRunner runner = new dev.pier.monitoring.MonitorRunner();
    for (int round = 0; round < 2; round++) { // the first is the warm-up
      long r0 = System.nanoTime();
      dev.pier.monitoring.profile.CaptureProfile window = new dev.pier.monitoring.profile.CaptureProfile();
      for (int h = 0; h < 24; h++) {
        window.merge(dev.pier.monitoring.profile.CaptureProfile.fromBytes(hour));
      }
      dev.pier.monitoring.MonitorRun result = runner.runFromProfiles(monitor, "r", DataProfile.fromBytes(reference),
          window, java.time.Instant.EPOCH, java.time.Instant.EPOCH, java.time.Instant.EPOCH);
      if (round == 1) {
        System.out.printf("run: %,d captured rows (24 hourly profiles) x %d columns vs a 1,000,000-row reference"
            + " profile in %.2f s; %d columns compared, share drifted %.2f; hourly profile %,d bytes%n",
            result.rows(), columns, (System.nanoTime() - r0) / 1e9, result.dataDrift().columns().size(),
            result.dataDrift().shareDrifted(), hour.length);
      }
    }
  }

  /** A profile of 1,000,000 rows built as 10 merged parts of 100,000, as servers would. */
  private static DataProfile big(int rows, int columns, long seed, double shift) {
    DataProfile out = new DataProfile();
    for (int part = 0; part < 10; part++) {
      out.merge(profile(rows / 10, columns, seed * 100 + part, shift));
    }
    return out;
  }

  private static DataProfile profile(int rows, int columns, long seed, double shift) {
    SplittableRandom random = new SplittableRandom(seed);
    DataProfile p = new DataProfile();
    p.addRows(rows);
    for (int c = 0; c < columns; c++) {
      var column = p.column("c" + c);
      for (int r = 0; r < rows; r++) {
        column.update(Math.exp(gaussian(random) * 0.5) + shift);
      }
    }
    return p;
  }

  private static DataProfile merge(byte[][] hours) {
    DataProfile merged = new DataProfile();
    for (byte[] h : hours) {
      merged.merge(DataProfile.fromBytes(h));
    }
    return merged;
  }

  private static double gaussian(SplittableRandom random) {
    double u = 1 - random.nextDouble();
    double v = random.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
