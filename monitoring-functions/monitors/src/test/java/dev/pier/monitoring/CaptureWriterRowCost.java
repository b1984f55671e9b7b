package dev.pier.monitoring;

import com.sun.management.ThreadMXBean;
import dev.pier.monitoring.capture.CaptureBatch;
import dev.pier.monitoring.capture.CaptureEncoding;
import dev.pier.monitoring.capture.CapturedCall;
import dev.pier.monitoring.capture.TensorColumns;
import dev.pier.monitoring.profile.HeldProfiles;
import dev.pier.security.privacy.PiiFields;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * Not a test: what the plain server's capture writer thread spends per row, end to end, as {@code CaptureBuffer} and
 * {@code CaptureWiring} run it — lay the rows out from the requests' {@link CapturedCall}s, store the batch
 * ({@code CaptureStore.write}: encode + PUT), and hand it to {@link HeldProfiles} (profile sketches; a profile stored
 * every minute, here every {@code batches} batches) — with the thread's own CPU time and allocated bytes
 * ({@link ThreadMXBean}: robust on a shared, loaded machine, unlike wall-clock rates), against the local stand-ins (whose
 * threads are not counted; in {@code ./pier up} they run in the server's JVM). Prints each part's CPU ns and bytes per
 * row and the whole as rows per CPU-second: how many rows one core keeps at full rate. Encoding is also timed apart (on
 * a second encoding of the batch) to split {@code write} into encoding and the PUT, and the process's CPU time per row
 * (every thread: the writer, the S3 stand-in's side of each PUT, the collector, the JIT; the second encoding taken
 * out) is what capture costs a {@code ./pier up} server all-in.
 *
 * <pre>java -cp monitors/target/test-classes:monitors/target/classes:$(cat cp.txt) dev.pier.monitoring.CaptureWriterRowCost [batches] [rounds] [rows per batch]</pre>
 */
public final class CaptureWriterRowCost {
  private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();
  private static final com.sun.management.OperatingSystemMXBean PROCESS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private record Runtime(String name, long[] shape, Object data) {}

  public static void main(String[] args) throws Exception {
    int batches = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int batchRows = args.length > 2 ? Integer.parseInt(args[2]) : 5_000;
    List<CapturedCall<Runtime>> calls = calls(batchRows);
    Path dir = Files.createTempDirectory("pier-writer-row-cost");
    try (MonitoringStandIns s = MonitoringStandIns.start(dir, "captures")) {
      HeldProfiles held = new HeldProfiles(s.profiles, Duration.ofDays(1));
      String[] names = {"lay out (CapturedCall -> columns)", "CaptureStore.write (encode + PUT)",
          "HeldProfiles.written (sketches)", "profile stored (per batch share)"};
      double[][] ns = new double[names.length][rounds];
      double[][] bytes = new double[names.length][rounds];
      double[] encodeNs = new double[rounds];
      double[] processNs = new double[rounds];
      double[] standInNs = new double[rounds];
      double objectBytes = 0;
      for (int r = -3; r < rounds; r++) {
        long[] cpu = new long[names.length];
        long[] alloc = new long[names.length];
        long encodeCpu = 0;
        long encoded = 0;
        long p0 = PROCESS.getProcessCpuTime();
        long s0 = standInCpu();
        java.util.Map<String, Long> t0 = nativeThreads();
        for (int b = 0; b < batches; b++) {
          long c0 = THREADS.getCurrentThreadCpuTime();
          long a0 = THREADS.getCurrentThreadAllocatedBytes();
          CaptureBatch pending = new CaptureBatch();
          for (CapturedCall<Runtime> call : calls) {
            call.addTo(pending);
          }
          long c1 = THREADS.getCurrentThreadCpuTime();
          long a1 = THREADS.getCurrentThreadAllocatedBytes();
          encoded += CaptureEncoding.encode(pending); // apart, to split write's CPU into encoding and the PUT
          long e1 = THREADS.getCurrentThreadCpuTime();
          long ea1 = THREADS.getCurrentThreadAllocatedBytes();
          encodeCpu += e1 - c1;
          s.captures.write(pending);
          long c2 = THREADS.getCurrentThreadCpuTime();
          long a2 = THREADS.getCurrentThreadAllocatedBytes();
          held.written(pending);
          long c3 = THREADS.getCurrentThreadCpuTime();
          long a3 = THREADS.getCurrentThreadAllocatedBytes();
          cpu[0] += c1 - c0;
          cpu[1] += c2 - e1;
          cpu[2] += c3 - c2;
          alloc[0] += a1 - a0;
          alloc[1] += a2 - ea1;
          alloc[2] += a3 - a2;
        }
        long c4 = THREADS.getCurrentThreadCpuTime();
        long a4 = THREADS.getCurrentThreadAllocatedBytes();
        held.flush();
        cpu[3] += THREADS.getCurrentThreadCpuTime() - c4;
        alloc[3] += THREADS.getCurrentThreadAllocatedBytes() - a4;
        long processCpu = PROCESS.getProcessCpuTime() - p0 - encodeCpu;
        long standIn = standInCpu() - s0;
        if (r >= 0 && Boolean.getBoolean("threads")) {
          java.util.Map<String, Long> t1 = nativeThreads();
          StringBuilder line = new StringBuilder("threads (ms):");
          t1.forEach((k, v) -> {
            long d = v - t0.getOrDefault(k, 0L);
            if (d > 0) {
              line.append(' ').append(k).append('=').append(d * 10);
            }
          });
          System.out.println(line);
        }
        if (r >= 0) {
          double rows = batches * (double) batchRows;
          encodeNs[r] = encodeCpu / rows;
          processNs[r] = processCpu / rows;
          standInNs[r] = standIn / rows;
          objectBytes = encoded / rows;
          for (int i = 0; i < names.length; i++) {
            ns[i][r] = cpu[i] / rows;
            bytes[i][r] = alloc[i] / rows;
          }
        }
      }
      double[] total = new double[rounds];
      double[] totalBytes = new double[rounds];
      for (int i = 0; i < names.length; i++) {
        System.out.printf("%-36s cpu ns/row %s; bytes/row median %.0f%n", names[i], summary(ns[i]),
            median(bytes[i]));
        for (int r = 0; r < rounds; r++) {
          total[r] += ns[i][r];
          totalBytes[r] += bytes[i][r];
        }
      }
      double[] put = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        put[r] = ns[1][r] - encodeNs[r];
      }
      System.out.printf("  of which encode (timed apart)       cpu ns/row %s; %.1f object bytes/row%n",
          summary(encodeNs), objectBytes);
      System.out.printf("  of which the PUT (write - encode)   cpu ns/row %s%n", summary(put));
      double median = median(total);
      System.out.printf("capture writer, whole: cpu ns/row %s; %.0f bytes/row; %,.0f rows per CPU-second"
          + " (batches of %,d rows)%n", summary(total), median(totalBytes), 1e9 / median, batchRows);
      double[] others = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        others[r] = processNs[r] - total[r];
      }
      System.out.printf("process, all threads (writer + S3 stand-in + GC + JIT): cpu ns/row %s; of which not the"
          + " writer %s, the S3 stand-in's threads %s%n", summary(processNs), summary(others), summary(standInNs));
    }
  }

  /** CPU time so far of the S3 stand-in's threads (s3proxy's Jetty pool; threads that ended are not counted). */
  private static long standInCpu() {
    long sum = 0;
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("S3Proxy")) {
        long cpu = THREADS.getThreadCpuTime(t.threadId());
        sum += Math.max(0, cpu);
      }
    }
    return sum;
  }

  /** Linux: CPU ticks of each thread of this process by name (digits folded), from /proc. */
  private static java.util.Map<String, Long> nativeThreads() {
    java.util.Map<String, Long> out = new java.util.TreeMap<>();
    try (var tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        try {
          String name = Files.readString(task.resolve("comm")).strip().replaceAll("[0-9]+", "#");
          String stat = Files.readString(task.resolve("stat"));
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          out.merge(name, Long.parseLong(f[11]) + Long.parseLong(f[12]), Long::sum);
        } catch (java.io.IOException e) {
          // the thread ended
        }
      }
    } catch (java.io.IOException e) {
      return out;
    }
    return out;
  }

  /** One single-row OIP request per row, as the CAPTURE stage offers the demo's (4 FP32 inputs, 3 FP32 outputs). */
  static List<CapturedCall<Runtime>> calls(int n) {
    List<CapturedCall<Runtime>> calls = new ArrayList<>(n);
    long t0 = Instant.parse("2026-12-07T15:00:00Z").toEpochMilli();
    Random random = new Random(n);
    for (int i = 0; i < n; i++) {
      float f = (float) random.nextGaussian() * 0.3f;
      float p = random.nextFloat();
      calls.add(new CapturedCall<>("demo", 1, new UUID(random.nextLong(), random.nextLong()).toString(), t0 + i / 20,
          "oip-rest", 0.3 + random.nextDouble(), PiiFields.NONE, null,
          List.of(new Runtime("input", new long[] {1, 4}, new float[] {5.1f + f, 3.5f - f, 1.4f + 2 * f, 0.2f + f})),
          List.of(new Runtime("output", new long[] {1, 3}, new float[] {p, (1 - p) / 2, (1 - p) / 2})),
          (Runtime t) -> new TensorColumns.Tensor(t.name(), t.shape(), t.data()), 1));
    }
    return calls;
  }

  private static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    return v[v.length / 2];
  }

  private static String summary(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    return String.format("min %.0f median %.0f max %.0f", v[0], v[v.length / 2], v[v.length - 1]);
  }
}
