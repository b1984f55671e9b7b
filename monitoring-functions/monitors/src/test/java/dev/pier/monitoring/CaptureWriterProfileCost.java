package dev.pier.monitoring;

import com.sun.management.ThreadMXBean;
import dev.pier.monitoring.capture.CapturedCall;
import dev.pier.monitoring.capture.CapturedPrediction;
import dev.pier.monitoring.capture.TensorColumns;
import dev.pier.monitoring.profile.CaptureProfile;
import dev.pier.security.privacy.PiiFields;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * Not a test: the capture writer thread's CPU per row for what the plain server's writer does with each 1,000-row batch
 * of the demo's single-row OIP captures — store it ({@code CaptureStore.write}) and profile it ({@code
 * ProfileStore.write}: build the batch's profile, serialise, PUT) — with {@link ThreadMXBean} thread CPU time, against
 * the local stand-ins (whose own threads are not counted). Prints each part and the profile object's size.
 *
 * <pre>java -cp monitors/target/test-classes:monitors/target/classes:$(cat cp.txt) dev.pier.monitoring.CaptureWriterProfileCost</pre>
 */
public final class CaptureWriterProfileCost {
  private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();

  public static void main(String[] args) throws Exception {
    int batches = args.length > 0 ? Integer.parseInt(args[0]) : 40;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    List<CapturedPrediction> batch = batch(1_000);
    Path dir = Files.createTempDirectory("pier-writer-cost");
    try (MonitoringStandIns s = MonitoringStandIns.start(dir, "captures")) {
      double[][] ns = new double[3][rounds];
      for (int r = -2; r < rounds; r++) {
        long c0 = THREADS.getCurrentThreadCpuTime();
        for (int b = 0; b < batches; b++) {
          s.captures.write(batch);
        }
        long c1 = THREADS.getCurrentThreadCpuTime();
        for (int b = 0; b < batches; b++) {
          CaptureProfile p = new CaptureProfile();
          batch.forEach(p::add);
          sink += p.toBytes().length;
        }
        long c2 = THREADS.getCurrentThreadCpuTime();
        for (int b = 0; b < batches; b++) {
          s.profiles.write(batch);
        }
        long c3 = THREADS.getCurrentThreadCpuTime();
        if (r >= 0) {
          double rows = batches * (double) batch.size();
          ns[0][r] = (c1 - c0) / rows;
          ns[1][r] = (c2 - c1) / rows;
          ns[2][r] = (c3 - c2) / rows;
        }
      }
      CaptureProfile p = new CaptureProfile();
      batch.forEach(p::add);
      String[] names = {"CaptureStore.write (encode + PUT)", "profile build + toBytes", "ProfileStore.write (+ PUT)"};
      for (int i = 0; i < names.length; i++) {
        System.out.printf("%-36s cpu ns/row %s%n", names[i], summary(ns[i]));
      }
      System.out.printf("profile object: %,d bytes per 1,000-row batch%n", p.toBytes().length);
    }
  }

  private static long sink;

  private record Runtime(String name, long[] shape, Object data) {}

  static List<CapturedPrediction> batch(int n) {
    List<CapturedPrediction> rows = new ArrayList<>(n);
    long t0 = Instant.parse("2026-12-07T15:00:00Z").toEpochMilli();
    Random random = new Random(n);
    for (int i = 0; i < n; i++) {
      float f = (float) random.nextGaussian() * 0.3f;
      float p = random.nextFloat();
      new CapturedCall<>("demo", 1, new UUID(random.nextLong(), random.nextLong()).toString(), t0 + i / 20,
          "oip-rest", 0.3 + random.nextDouble(), PiiFields.NONE, null,
          List.of(new Runtime("input", new long[] {1, 4}, new float[] {5.1f + f, 3.5f - f, 1.4f + 2 * f, 0.2f + f})),
          List.of(new Runtime("output", new long[] {1, 3}, new float[] {p, (1 - p) / 2, (1 - p) / 2})),
          (Runtime t) -> new TensorColumns.Tensor(t.name(), t.shape(), t.data()), 1).addRowsTo(rows);
    }
    return rows;
  }

  private static String summary(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    return String.format("min %.0f median %.0f max %.0f", v[0], v[v.length / 2], v[v.length - 1]);
  }
}
