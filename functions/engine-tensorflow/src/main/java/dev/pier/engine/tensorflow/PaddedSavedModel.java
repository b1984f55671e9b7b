package dev.pier.engine.tensorflow;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.zip.Zip64Mode;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.random.RandomUniform;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Writes a TensorFlow SavedModel of a chosen size, for load tests of multi-GB SavedModels (a checked-in fixture cannot
 * be several GB, and TensorFlow for Python is not installable here). The model is the iris fixture's computation,
 * {@code probabilities = softmax(input @ W + b)} and {@code label = argmax}, with W and b as given (the fixture's
 * iris-tf.weights.json), plus padding variables of pseudo-random FP32 (1 GB each, the last smaller) that the graph
 * reads: {@code 0 × pad[0,0]} of each is added to the logits, so TensorFlow restores every padding byte into memory
 * when it loads the model (costing the memory and load time of a real model of that size) while the answers stay
 * exactly the fixture's. The variables live in {@code variables/variables.data-*}, outside the graph's protobuf, as a
 * SavedModel's weights do. The directory is packed flat in a .zip, stored uncompressed (ZIP64 where needed).
 *
 * <p>{@code java -cp … dev.pier.engine.tensorflow.PaddedSavedModel WEIGHTS.json OUT.zip BYTES}
 */
public final class PaddedSavedModel {
  private static final long CHUNK_FLOATS = 250_000_000L; // 1 GB per padding variable
  private static final long ROW = 1000;

  private PaddedSavedModel() {}

  public static void main(String[] args) throws IOException {
    var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(Path.of(args[0]).toFile());
    float[][] w = new float[4][3];
    float[] b = new float[3];
    for (int j = 0; j < 3; j++) {
      for (int i = 0; i < 4; i++) {
        w[i][j] = (float) json.get("weights").get(i).get(j).asDouble();
      }
      b[j] = (float) json.get("bias").get(j).asDouble();
    }
    write(w, b, Path.of(args[1]), Long.parseLong(args[2]));
  }

  /** Writes the padded SavedModel, about {@code bytes} in all, as a .zip at {@code out}. */
  public static void write(float[][] w, float[] b, Path out, long bytes) throws IOException {
    TensorFlowEngine.allowNativeMemoryBeyondTheHeap();
    Path dir = Files.createTempDirectory(out.toAbsolutePath().getParent(), "padded-savedmodel");
    try {
      try (Graph g = new Graph(); Session s = new Session(g)) {
        Ops tf = Ops.create(g);
        Placeholder<TFloat32> input = tf.withName("input").placeholder(TFloat32.class,
            Placeholder.shape(Shape.of(-1, 4)));
        Operand<TFloat32> logits = tf.math.add(tf.linalg.matMul(input, tf.constant(w)), tf.constant(b));
        long floats = Math.max(ROW, bytes / 4 / ROW * ROW);
        int i = 0;
        for (long left = floats; left > 0; left -= CHUNK_FLOATS, i++) {
          long rows = Math.min(CHUNK_FLOATS, left) / ROW;
          var pad = tf.withName("padding" + i).variable(tf.random.randomUniform(tf.constant(new long[] {rows, ROW}),
              TFloat32.class, RandomUniform.seed(22L).seed2((long) i)));
          var corner = tf.slice(pad, tf.constant(new long[] {0, 0}), tf.constant(new long[] {1, 1}));
          logits = tf.math.add(logits, tf.math.mul(tf.constant(0f), corner));
        }
        var probabilities = tf.withName("probabilities").nn.softmax(logits);
        var label = tf.withName("label").math.argMax(logits, tf.constant(1), TInt64.class);
        s.initialize();
        Signature signature = Signature.builder().key(TensorFlowEngine.SERVING)
            .input("input", input).output("probabilities", probabilities).output("label", label).build();
        SavedModelBundle.exporter(dir.toString()).withFunction(SessionFunction.create(signature, s)).export();
      }
      List<Path> files;
      try (Stream<Path> walk = Files.walk(dir)) {
        files = new ArrayList<>(walk.filter(Files::isRegularFile).sorted().toList());
      }
      try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(out)) {
        zip.setUseZip64(Zip64Mode.AsNeeded);
        zip.setMethod(ZipArchiveOutputStream.STORED);
        for (Path f : files) {
          ZipArchiveEntry e = new ZipArchiveEntry(f, dir.relativize(f).toString());
          e.setMethod(ZipArchiveOutputStream.STORED);
          zip.putArchiveEntry(e);
          Files.copy(f, zip);
          zip.closeArchiveEntry();
        }
      }
    } finally {
      try (Stream<Path> walk = Files.walk(dir)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
