package dev.pier.runtime.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.kernel.PierException;
import dev.pier.kernel.tensor.Datatype;
import dev.pier.kernel.tensor.TensorSpec;
import dev.pier.runtime.LoadedModel;
import dev.pier.runtime.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxEngineTest {
  static final Path MODELS = Path.of("../../tests/fixtures/models");
  private final OnnxEngine engine = new OnnxEngine(1);

  @Test
  void readsTheSignatureFromTheGraph() {
    try (LoadedModel m = engine.load(MODELS.resolve("iris-mlp.onnx"))) {
      assertThat(m.signature().inputs()).containsExactly(new TensorSpec("input", Datatype.FP32, new long[] {-1, 4}));
      assertThat(m.signature().outputs()).containsExactly(
          new TensorSpec("probabilities", Datatype.FP32, new long[] {-1, 3}),
          new TensorSpec("label", Datatype.INT64, new long[] {-1}));
    }
  }

  @Test
  void matchesTheReferenceOutputsComputedWithoutOnnxRuntime() throws Exception {
    JsonNode ref = new ObjectMapper().readTree(MODELS.resolve("iris-mlp.reference.json").toFile());
    float[] rows = new float[16];
    int i = 0;
    for (JsonNode row : ref.get("input")) {
      for (JsonNode v : row) {
        rows[i++] = (float) v.asDouble();
      }
    }
    try (LoadedModel m = engine.load(MODELS.resolve("iris-mlp.onnx"))) {
      List<Tensor> out = m.infer(List.of(new Tensor("input", Datatype.FP32, new long[] {4, 4}, rows)), List.of());
      float[] probabilities = (float[]) out.get(0).data();
      int k = 0;
      for (JsonNode row : ref.get("probabilities")) {
        for (JsonNode p : row) {
          assertThat((double) probabilities[k++]).isCloseTo(p.asDouble(), offset(1e-5));
        }
      }
      assertThat((long[]) out.get(1).data()).containsExactly(0, 2, 1, 2);
      assertThat(out.get(1).shape()).containsExactly(4);
    }
  }

  @Test
  void refusesAFileThatIsNotAnOnnxModel(@TempDir Path dir) throws Exception {
    Path junk = Files.writeString(dir.resolve("junk.onnx"), "not a model");
    assertThatThrownBy(() -> engine.load(junk)).isInstanceOf(PierException.class)
        .hasMessageContaining("not a loadable ONNX model")
        .extracting(e -> ((PierException) e).status()).isEqualTo(400);
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"linear-external.tar.gz", "linear-external.zip"})
  void servesAGraphWhoseWeightsAreExternalDataInsideAnArchive(String file, @TempDir Path dir) throws Exception {
    Path archive = Files.copy(MODELS.resolve(file), dir.resolve(file));
    JsonNode ref = new ObjectMapper().readTree(MODELS.resolve("linear-external.reference.json").toFile());
    float[] rows = floats(ref.get("input"));
    try (LoadedModel m = engine.load(archive)) {
      assertThat(m.signature().inputs()).containsExactly(new TensorSpec("input", Datatype.FP32, new long[] {-1, 4}));
      float[] out = (float[]) m.infer(List.of(new Tensor("input", Datatype.FP32, new long[] {4, 4}, rows)), List.of())
          .get(0).data();
      float[] expected = floats(ref.get("output"));
      for (int i = 0; i < expected.length; i++) {
        assertThat((double) out[i]).isCloseTo(expected[i], offset(1e-5));
      }
    }
    try (var listing = Files.list(dir)) {
      assertThat(listing).as("the unpacked directory is deleted once loaded").containsExactly(archive);
    }
  }

  @Test
  void refusesTheGraphAloneWhenItsExternalDataIsMissing(@TempDir Path dir) throws Exception {
    Path graph = dir.resolve("model.onnx");
    try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(
        new java.util.zip.GZIPInputStream(Files.newInputStream(MODELS.resolve("linear-external.tar.gz"))))) {
      for (var e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        if (e.getName().endsWith("model.onnx")) {
          Files.copy(tar, graph);
        }
      }
    }
    assertThatThrownBy(() -> engine.load(graph)).isInstanceOf(PierException.class)
        .extracting(e -> ((PierException) e).status()).isEqualTo(400);
  }

  @Test
  void refusesExternalDataThatPointsOutsideTheArchive(@TempDir Path dir) throws Exception {
    Files.write(dir.resolve("outside.bin"), new byte[64]); // what the hostile graph would read, if allowed
    Path archive = Files.copy(MODELS.resolve("linear-external-escape.tar.gz"), dir.resolve("m.tar.gz"));
    assertThatThrownBy(() -> engine.load(archive)).isInstanceOf(PierException.class)
        .extracting(e -> ((PierException) e).status()).isEqualTo(400);
  }

  @Test
  void refusesAnArchiveEntryThatEscapesIt(@TempDir Path dir) throws Exception {
    Path archive = tar(dir.resolve("evil.tar"), "../evil.onnx", null);
    assertThatThrownBy(() -> engine.load(archive)).isInstanceOf(PierException.class)
        .hasMessageContaining("points outside the archive")
        .extracting(e -> ((PierException) e).status()).isEqualTo(400);
    assertThat(dir.getParent().resolve("evil.onnx")).doesNotExist();
  }

  @Test
  void refusesAnAbsoluteArchiveEntry(@TempDir Path dir) throws Exception {
    Path archive = tar(dir.resolve("abs.tar"), "/tmp/pier-absolute-entry.onnx", null);
    assertThatThrownBy(() -> engine.load(archive)).isInstanceOf(PierException.class)
        .hasMessageContaining("points outside the archive");
  }

  @Test
  void refusesALinkInsideAnArchive(@TempDir Path dir) throws Exception {
    Path archive = tar(dir.resolve("link.tar"), "weights.bin", "/etc/passwd");
    assertThatThrownBy(() -> engine.load(archive)).isInstanceOf(PierException.class)
        .hasMessageContaining("is a link")
        .extracting(e -> ((PierException) e).status()).isEqualTo(400);
  }

  @Test
  void refusesAnArchiveHoldingTwoGraphs(@TempDir Path dir) throws Exception {
    Path archive = dir.resolve("two.zip");
    try (var zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(archive))) {
      for (String name : List.of("a.onnx", "b.onnx")) {
        zip.putNextEntry(new java.util.zip.ZipEntry(name));
        zip.write(Files.readAllBytes(MODELS.resolve("iris-mlp.onnx")));
        zip.closeEntry();
      }
    }
    assertThatThrownBy(() -> engine.load(archive)).isInstanceOf(PierException.class)
        .hasMessageContaining("exactly one .onnx graph").hasMessageContaining("a.onnx");
  }

  /** A one-entry tar: a regular file named {@code name}, or a symbolic link to {@code linkTarget}. */
  private static Path tar(Path archive, String name, String linkTarget) throws Exception {
    try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(
        Files.newOutputStream(archive))) {
      var entry = linkTarget == null ? new org.apache.commons.compress.archivers.tar.TarArchiveEntry(name, true)
          : new org.apache.commons.compress.archivers.tar.TarArchiveEntry(name,
              org.apache.commons.compress.archivers.tar.TarConstants.LF_SYMLINK, true);
      byte[] body = linkTarget == null ? Files.readAllBytes(MODELS.resolve("iris-mlp.onnx")) : new byte[0];
      if (linkTarget != null) {
        entry.setLinkName(linkTarget);
      }
      entry.setSize(body.length);
      tar.putArchiveEntry(entry);
      tar.write(body);
      tar.closeArchiveEntry();
    }
    return archive;
  }

  private static float[] floats(JsonNode rows) {
    float[] out = new float[rows.size() * rows.get(0).size()];
    int i = 0;
    for (JsonNode row : rows) {
      for (JsonNode v : row) {
        out[i++] = (float) v.asDouble();
      }
    }
    return out;
  }
}
