package dev.pier.monitoring.bench;

import dev.pier.monitoring.drift.ColumnDrift;
import dev.pier.monitoring.drift.ColumnDriftCalculator;
import dev.pier.monitoring.drift.DatasetDrift;
import dev.pier.monitoring.drift.DriftMethod;
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
    if (args.length > 0 && args[0].equals("memory")) { // the capture buffer's memory alone
      captureBufferMemory();
      return;
    }
    if (args.length > 0 && args[0].equals("merge")) { // the merge alone, e.g. under JFR: merge [rounds]
      int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
      boolean folded = args.length > 2 && args[2].equals("fold"); // merge 10 fold: the former one-by-one fold
      byte[][] hours = new byte[1_000][];
      for (int h = 0; h < hours.length; h++) {
        hours[h] = profile(200, 100, 100 + h, 0).toBytes();
      }
      for (int round = 0; round < rounds; round++) {
        long cpu0 = allThreadsCpuNanos();
        long process0 = processCpuNanos();
        long m0 = System.nanoTime();
        DataProfile merged = folded ? fold(hours) : merge(hours);
        long wall = System.nanoTime() - m0;
        System.out.printf("merge%s: 1,000 hourly profiles x 100 columns (from bytes) in %.2f s; %,d rows; CPU %.2f s"
            + " (all threads), %.2f s (process, with GC and JIT)%n", folded ? " (fold)" : "", wall / 1e9, merged.rows(),
            (allThreadsCpuNanos() - cpu0) / 1e9, (processCpuNanos() - process0) / 1e9);
      }
      return;
    }
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
    ksFromSketches();
    captureBufferMemory();
  }

  /**
   * KS statistics from merged profiles against the exact ones (Hipparchus' two-sample statistic on the raw values):
   * 1,000,000 reference values against 1,000,000 current ones, each profile merged from 1,000 hourly profiles of
   * 1,000 values read from bytes, as runs get them; four shifts of a log-normal column.
   */
  private static void ksFromSketches() {
    double[][] shifts = {{0, 1}, {0.02, 1}, {0.1, 1.05}, {0, 1.3}};
    int hours = 1_000;
    int perHour = 1_000;
    double worst = 0;
    double worstBound = 0;
    StringBuilder each = new StringBuilder();
    double[] ref = values(hours * perHour, 21, 0, 1);
    dev.pier.monitoring.profile.ColumnProfile refProfile = mergedHours(ref, perHour);
    for (double[] s : shifts) {
      double[] cur = values(hours * perHour, 22, s[0], s[1]);
      ColumnDrift fromSketch = ColumnDriftCalculator.fromProfiles(refProfile, mergedHours(cur, perHour),
          new DriftSpec(DriftMethod.KS, null));
      double exact = new org.hipparchus.stat.inference.KolmogorovSmirnovTest().kolmogorovSmirnovStatistic(ref, cur);
      double error = Math.abs(fromSketch.statistic() - exact);
      worst = Math.max(worst, error);
      worstBound = Math.max(worstBound, fromSketch.errorBound());
      each.append(String.format(" D=%.4f (sketch %.4f)", exact, fromSketch.statistic()));
    }
    System.out.printf("ks: 1,000,000 vs 1,000,000 values, each profile merged from 1,000 hourly ones; largest"
        + " |D_sketch - D_exact| %.4f (target 0.01; stated bound %.4f);%s%n", worst, worstBound, each);
  }

  private static double[] values(int n, long seed, double shift, double scale) {
    SplittableRandom random = new SplittableRandom(seed);
    double[] xs = new double[n];
    for (int i = 0; i < n; i++) {
      xs[i] = Math.exp(gaussian(random) * 0.5) * scale + shift;
    }
    return xs;
  }

  private static dev.pier.monitoring.profile.ColumnProfile mergedHours(double[] xs, int perHour) {
    DataProfile merged = new DataProfile();
    for (int from = 0; from < xs.length; from += perHour) {
      DataProfile hour = new DataProfile();
      var column = hour.column("x");
      for (int i = from; i < from + perHour; i++) {
        column.update(xs[i]);
      }
      merged.merge(DataProfile.fromBytes(hour.toBytes()));
    }
    return merged.column("x");
  }

  /**
   * What a full capture buffer holds: the defaults before 2026-12-08 (pier.capture.buffer-rows 10,000 queued,
   * pier.capture.batch-rows 5,000 in the batch being written, so 15,000 rows at most; now 20,000 and 20,000) of single-row OIP captures of the demo model (4 FP32
   * inputs, an INT64 label), each its own request, while the writer is stalled (S3 unreachable);
   * measured as the heap retained, after GC, before and after filling it. The buffer is bounded in rows, not bytes: a
   * row holds views over its request's tensors, so the figure scales with the row width of the model served.
   */
  private static void captureBufferMemory() {
    int capacity = 10_000;
    java.util.concurrent.CountDownLatch stalled = new java.util.concurrent.CountDownLatch(1);
    Runtime rt = Runtime.getRuntime();
    long before = usedAfterGc(rt);
    dev.pier.monitoring.capture.CaptureBuffer buffer = new dev.pier.monitoring.capture.CaptureBuffer(capacity, 5_000,
        java.time.Duration.ofHours(1), rows -> {
          try {
            stalled.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    java.time.Instant now = java.time.Instant.now();
    int offered = capacity + 10_000;
    for (int i = 0; i < offered; i++) {
      float[] in = {5.1f + i % 7, 3.5f, 1.4f, 0.2f};
      long[] out = {i % 3};
      // as the CAPTURE stage offers a request: one CapturedCall over its tensors (here already capture's own view)
      buffer.offer(new dev.pier.monitoring.capture.CapturedCall<dev.pier.monitoring.capture.TensorColumns.Tensor>(
          "demo", 1, java.util.UUID.randomUUID().toString(), now.toEpochMilli(), "oip-rest", 0.5,
          dev.pier.security.privacy.PiiFields.NONE, null,
          java.util.List.of(new dev.pier.monitoring.capture.TensorColumns.Tensor("input", new long[] {1, 4}, in)),
          java.util.List.of(new dev.pier.monitoring.capture.TensorColumns.Tensor("label", new long[] {1}, out)),
          t -> t, 1));
    }
    try {
      Thread.sleep(300); // the writer takes its batch, then stalls on it
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    long held = usedAfterGc(rt) - before;
    long heldRows = buffer.accepted();
    System.out.printf("capture buffer: %,d rows offered, writer stalled: %,d held (%,d queued + %,d in the stalled"
        + " batch), %,d dropped; %,d bytes retained = %,d per row (demo's single-row OIP capture)%n", offered,
        heldRows, buffer.queued(), heldRows - buffer.queued(), buffer.dropped(), held, held / Math.max(1, heldRows));
    stalled.countDown();
    buffer.close();
  }

  private static long usedAfterGc(Runtime rt) {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return rt.totalMemory() - rt.freeMemory();
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
      java.util.List<dev.pier.monitoring.profile.CaptureProfile> hours = new java.util.ArrayList<>();
      for (int h = 0; h < 24; h++) {
        hours.add(dev.pier.monitoring.profile.CaptureProfile.fromBytes(hour));
      }
      dev.pier.monitoring.profile.ProfileStore.mergeAll(window, hours); // as ProfileStore.merged does
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

  /** As a run merges its window ({@code ProfileStore.merged}): every hour read, then merged column by column. */
  private static DataProfile merge(byte[][] hours) {
    int batch = Integer.getInteger("batch", 64);
    DataProfile merged = new DataProfile();
    for (int from = 0; from < hours.length; from += batch) {
      java.util.List<DataProfile> read = new java.util.ArrayList<>(batch);
      for (int h = from; h < Math.min(hours.length, from + batch); h++) {
        read.add(DataProfile.fromBytes(hours[h]));
      }
      merged.mergeAll(read);
    }
    return merged;
  }

  /** The fold runs made before {@link DataProfile#mergeAll}: each hour read and merged into the whole in turn. */
  private static DataProfile fold(byte[][] hours) {
    DataProfile merged = new DataProfile();
    for (byte[] h : hours) {
      merged.merge(DataProfile.fromBytes(h));
    }
    return merged;
  }

  /**
   * CPU time of every live thread (the merge's and the pool's it forks into): on a shared machine the wall time of a
   * merge measures the neighbours as much as the merge.
   */
  private static long allThreadsCpuNanos() {
    java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
    long sum = 0;
    for (long id : threads.getAllThreadIds()) {
      long t = threads.getThreadCpuTime(id);
      sum += Math.max(0, t);
    }
    return sum;
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
        .getOperatingSystemMXBean()).getProcessCpuTime();
  }

  private static double gaussian(SplittableRandom random) {
    double u = 1 - random.nextDouble();
    double v = random.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
