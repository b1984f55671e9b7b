package dev.pier.monitoring.capture;

import com.sun.management.ThreadMXBean;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.security.privacy.PiiFields;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Not a test: the capture writer thread's CPU time per row, measured with {@link ThreadMXBean} (thread CPU time is
 * robust on a shared, loaded machine, unlike wall-clock throughput). Batches of 1,000 rows of the demo's single-row
 * OIP capture (4 FP32 inputs, 3 FP32 outputs, one request each) are laid out from their requests, encoded, and
 * written to an s3proxy stand-in in this JVM (its own threads' CPU is not counted); alternated, several rounds.
 *
 * <pre>
 *   java -cp target/test-classes:target/classes:$(cat cp.txt) dev.pier.monitoring.capture.CaptureWriterCost [batches] [rounds] [rows per batch]
 * </pre>
 */
public final class CaptureWriterCost {
  private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();

  private record Runtime(String name, long[] shape, Object data) {}

  public static void main(String[] args) throws Exception {
    int batches = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int rowsPerBatch = args.length > 2 ? Integer.parseInt(args[2]) : 1_000;
    List<CapturedPrediction> batch = batch(rowsPerBatch);
    try (S3StandIn s3 = new S3StandIn()) {
      AwsClients clients = s3.clients();
      clients.s3().createBucket(b -> b.bucket("cost"));
      CaptureStore store = new CaptureStore(clients.s3(), "cost");
      double[][] ns = new double[7][rounds];
      for (int warm = 0; warm < 2; warm++) {
        layout(batches);
        encode(batch, batches, Encoding.JSON_LINES_GZIP);
        encode(batch, batches, Encoding.BINARY);
        encode(batch, batches, Encoding.BINARY_DEFLATE);
        write(store, batch, batches / 4);
        put(clients, batch, batches / 4, Encoding.JSON_LINES_GZIP);
      }
      for (int r = 0; r < rounds; r++) {
        ns[0][r] = layout(batches);
        ns[1][r] = encode(batch, batches, Encoding.JSON_LINES_GZIP);
        ns[2][r] = encode(batch, batches, Encoding.BINARY);
        ns[3][r] = encode(batch, batches, Encoding.BINARY_DEFLATE);
        ns[4][r] = write(store, batch, batches / 4);
        ns[5][r] = put(clients, batch, batches / 4, Encoding.JSON_LINES_GZIP);
        ns[6][r] = put(clients, batch, batches / 4, Encoding.BINARY);
      }
      String[] names = {"lay out (CapturedCall -> rows)", "encode: gzip JSON Lines (before)", "encode: binary (.cap)",
          "encode: binary + deflate fastest", "write: as stored + PUT (SDK side)",
          "encode + PUT: gzip JSON Lines", "encode + PUT: binary, uncompressed"};
      for (int i = 0; i < names.length; i++) {
        System.out.printf("%-36s cpu ns/row %s%n", names[i], summary(ns[i]));
      }
      for (Encoding e : Encoding.values()) {
        System.out.printf("%-36s %,d bytes per %,d rows%n", e, e.encode(batch).length, batch.size());
      }
    }
  }

  private static double layout(int batches) {
    long cpu0 = THREADS.getCurrentThreadCpuTime();
    long rows = 0;
    for (int b = 0; b < batches; b++) {
      rows += batch(1_000).size();
    }
    return (THREADS.getCurrentThreadCpuTime() - cpu0) / (double) rows;
  }

  private static long sink;

  private enum Encoding {
    JSON_LINES_GZIP, BINARY, BINARY_DEFLATE;

    byte[] encode(List<CapturedPrediction> batch) {
      return switch (this) {
        case JSON_LINES_GZIP -> CaptureStore.encodeJsonLines(batch);
        case BINARY -> CaptureCodec.encodeRows(batch);
        case BINARY_DEFLATE -> {
          byte[] raw = CaptureCodec.encodeRows(batch);
          java.util.zip.Deflater deflater = new java.util.zip.Deflater(java.util.zip.Deflater.BEST_SPEED, true);
          deflater.setInput(raw);
          deflater.finish();
          byte[] out = new byte[raw.length + 64];
          int n = deflater.deflate(out);
          deflater.end();
          yield java.util.Arrays.copyOf(out, n);
        }
      };
    }
  }

  private static double encode(List<CapturedPrediction> batch, int batches, Encoding encoding) {
    long cpu0 = THREADS.getCurrentThreadCpuTime();
    for (int b = 0; b < batches; b++) {
      sink += encoding.encode(batch).length;
    }
    return (THREADS.getCurrentThreadCpuTime() - cpu0) / (double) (batches * batch.size());
  }

  private static double write(CaptureStore store, List<CapturedPrediction> batch, int batches) {
    long cpu0 = THREADS.getCurrentThreadCpuTime();
    for (int b = 0; b < batches; b++) {
      sink += store.write(batch).size();
    }
    return (THREADS.getCurrentThreadCpuTime() - cpu0) / (double) (batches * batch.size());
  }

  private static double put(AwsClients clients, List<CapturedPrediction> batch, int batches, Encoding encoding) {
    long cpu0 = THREADS.getCurrentThreadCpuTime();
    for (int b = 0; b < batches; b++) {
      String key = "cost/" + encoding + "/" + (++sink);
      dev.pier.kernel.aws.S3Create.once(clients.s3(), r -> r.bucket("cost").key(key),
          software.amazon.awssdk.core.sync.RequestBody.fromBytes(encoding.encode(batch)));
    }
    return (THREADS.getCurrentThreadCpuTime() - cpu0) / (double) (batches * batch.size());
  }

  /** Rows as the writer sees them: laid out from one single-row request each. */
  static List<CapturedPrediction> batch(int n) {
    List<CapturedPrediction> rows = new ArrayList<>(n);
    long t0 = Instant.parse("2026-12-07T15:00:00Z").toEpochMilli();
    java.util.Random random = new java.util.Random(n);
    for (int i = 0; i < n; i++) {
      float f = (float) random.nextGaussian() * 0.3f;
      float p = random.nextFloat();
      new CapturedCall<>("demo", 1, new java.util.UUID(random.nextLong(), random.nextLong()).toString(), t0 + i / 20,
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
