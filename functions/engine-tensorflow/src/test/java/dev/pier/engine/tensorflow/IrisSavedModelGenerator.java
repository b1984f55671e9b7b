package dev.pier.engine.tensorflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Builds the TensorFlow fixture (TensorFlow for Python is not installable here): a SavedModel computing
 * {@code probabilities = softmax(input @ weights + bias)} and {@code label = argmax(logits)} with the weights that
 * make_engine_fixtures.py wrote to iris-tf.weights.json, packed as iris-tf.tar.gz (inside a top-level folder) and
 * iris-tf.zip (flat). Runs only on demand:
 *
 * <pre>./mvnw -pl functions/engine-tensorflow test -Dtest=IrisSavedModelGenerator -Dpier.fixtures.generate=true</pre>
 */
@EnabledIfSystemProperty(named = "pier.fixtures.generate", matches = "true")
class IrisSavedModelGenerator {
  static final Path MODELS = Path.of("../../tests/fixtures/models");

  @Test
  void writesTheIrisSavedModelFixtures(@TempDir Path tmp) throws Exception {
    JsonNode weights = new ObjectMapper().readTree(MODELS.resolve("iris-tf.weights.json").toFile());
    float[][] w = new float[4][3];
    for (int i = 0; i < 4; i++) {
      for (int j = 0; j < 3; j++) {
        w[i][j] = (float) weights.get("weights").get(i).get(j).asDouble();
      }
    }
    float[] b = new float[3];
    for (int j = 0; j < 3; j++) {
      b[j] = (float) weights.get("bias").get(j).asDouble();
    }
    Path dir = tmp.resolve("iris-tf");
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> input = tf.withName("input").placeholder(TFloat32.class,
          Placeholder.shape(Shape.of(-1, 4)));
      var logits = tf.math.add(tf.linalg.matMul(input, tf.constant(w)), tf.constant(b));
      var probabilities = tf.withName("probabilities").nn.softmax(logits);
      var label = tf.withName("label").math.argMax(logits, tf.constant(1), TInt64.class);
      Signature signature = Signature.builder().key(TensorFlowEngine.SERVING)
          .input("input", input).output("probabilities", probabilities).output("label", label).build();
      SavedModelBundle.exporter(dir.toString()).withFunction(SessionFunction.create(signature, s)).export();
    }
    List<Path> files;
    try (Stream<Path> walk = Files.walk(dir)) {
      files = walk.filter(Files::isRegularFile).sorted().toList();
    }
    try (OutputStream out = Files.newOutputStream(MODELS.resolve("iris-tf.tar.gz"));
        TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(out))) {
      for (Path f : files) {
        TarArchiveEntry e = new TarArchiveEntry(f.toFile(), "iris-tf/" + dir.relativize(f).toString());
        e.setModTime(FileTime.fromMillis(0));
        tar.putArchiveEntry(e);
        Files.copy(f, tar);
        tar.closeArchiveEntry();
      }
    }
    try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(MODELS.resolve("iris-tf.zip")))) {
      for (Path f : files) {
        ZipEntry e = new ZipEntry(dir.relativize(f).toString());
        e.setTime(0);
        zip.putNextEntry(e);
        Files.copy(f, zip);
        zip.closeEntry();
      }
    }
  }
}
