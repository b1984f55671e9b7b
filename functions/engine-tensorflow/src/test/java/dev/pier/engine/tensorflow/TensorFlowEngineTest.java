package dev.pier.engine.tensorflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.kernel.PierException;
import dev.pier.kernel.tensor.Datatype;
import dev.pier.kernel.tensor.TensorSpec;
import dev.pier.runtime.EngineSettings;
import dev.pier.runtime.LoadedModel;
import dev.pier.runtime.Tensor;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TensorFlowEngineTest {
  static final Path MODELS = Path.of("../../tests/fixtures/models");
  static final JsonNode REFERENCE = read("iris-tf.reference.json");
  private final TensorFlowEngine engine = new TensorFlowEngine(EngineSettings.singleThreaded());

  private static JsonNode read(String file) {
    try {
      return new ObjectMapper().readTree(MODELS.resolve(file).toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Copies a fixture into a temp dir: the engine unpacks next to the artifact, as it does in the model cache. */
  private static Path staged(Path dir, String file) throws IOException {
    return Files.copy(MODELS.resolve(file), dir.resolve(file + ".artifact"));
  }

  private static Tensor rows() {
    float[] rows = new float[16];
    int i = 0;
    for (JsonNode row : REFERENCE.get("input")) {
      for (JsonNode v : row) {
        rows[i++] = (float) v.asDouble();
      }
    }
    return new Tensor("input", Datatype.FP32, new long[] {4, 4}, rows);
  }

  @ParameterizedTest
  @ValueSource(strings = {"iris-tf.tar.gz", "iris-tf.zip"})
  void readsTheSignatureFromServingDefault(String file, @TempDir Path dir) throws Exception {
    try (LoadedModel m = engine.load(staged(dir, file))) {
      assertThat(m.signature().inputs()).containsExactly(new TensorSpec("input", Datatype.FP32, new long[] {-1, 4}));
      assertThat(m.signature().outputs()).containsExactly(
          new TensorSpec("label", Datatype.INT64, new long[] {-1}),
          new TensorSpec("probabilities", Datatype.FP32, new long[] {-1, 3}));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"iris-tf.tar.gz", "iris-tf.zip"})
  void matchesScikitLearnsProbabilities(String file, @TempDir Path dir) throws Exception {
    try (LoadedModel m = engine.load(staged(dir, file))) {
      List<Tensor> out = m.infer(List.of(rows()), List.of("probabilities", "label"));
      float[] p = (float[]) out.get(0).data();
      int k = 0;
      for (JsonNode row : REFERENCE.get("probabilities")) {
        for (JsonNode v : row) {
          assertThat((double) p[k++]).isCloseTo(v.asDouble(), offset(1e-5));
        }
      }
      assertThat(out.get(0).shape()).containsExactly(4, 3);
      assertThat((long[]) out.get(1).data()).containsExactly(0, 2, 1, 2);
    }
  }

  /** The model cache checks memory against this figure: the bytes TensorFlow will read, not the archive's size. */
  @Test
  void stagingReportsTheUnpackedSizeNotTheCompressedOne(@TempDir Path dir) throws Exception {
    Path artifact = staged(dir, "iris-tf.tar.gz");
    try (var staged = engine.stage(artifact)) {
      long unpacked;
      try (Stream<Path> files = Files.walk(staged.path())) {
        unpacked = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
      }
      assertThat(staged.bytes()).isEqualTo(unpacked).isGreaterThan(Files.size(artifact));
      try (LoadedModel m = engine.load(staged.path())) {
        assertThat(m.signature().inputs()).hasSize(1);
      }
    }
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).containsExactly(artifact);
    }
  }

  @Test
  void deletesTheStagingDirectoryOnceLoaded(@TempDir Path dir) throws Exception {
    Path artifact = staged(dir, "iris-tf.tar.gz");
    try (LoadedModel m = engine.load(artifact)) {
      try (Stream<Path> files = Files.list(dir)) {
        assertThat(files).containsExactly(artifact);
      }
    }
  }

  @Test
  void refusesAFileThatIsNotAnArchive(@TempDir Path dir) throws Exception {
    Path junk = Files.writeString(dir.resolve("junk"), "not a model");
    assertThatThrownBy(() -> engine.load(junk)).isInstanceOf(PierException.class)
        .hasMessageContaining(".tar.gz or .zip of the SavedModel directory")
        .extracting(e -> ((PierException) e).status()).isEqualTo(400);
  }

  @Test
  void refusesAnArchiveWithoutASavedModel(@TempDir Path dir) throws Exception {
    Path zip = zip(dir.resolve("a.zip"), Map.of("model/weights.bin", "x"));
    assertThatThrownBy(() -> engine.load(zip)).isInstanceOf(PierException.class)
        .hasMessageContaining("holds no SavedModel");
  }

  @Test
  void refusesAnEntryThatEscapesTheArchive(@TempDir Path dir) throws Exception {
    Path zip = zip(dir.resolve("evil.zip"), Map.of("../../evil.txt", "pwned"));
    assertThatThrownBy(() -> engine.load(zip)).isInstanceOf(PierException.class)
        .hasMessageContaining("points outside the archive")
        .extracting(e -> ((PierException) e).status()).isEqualTo(400);
    assertThat(dir.getParent().resolve("evil.txt")).doesNotExist();
  }

  @Test
  void refusesALinkInsideATar(@TempDir Path dir) throws Exception {
    Path tgz = dir.resolve("link.tar.gz");
    try (OutputStream out = Files.newOutputStream(tgz);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(out))) {
      TarArchiveEntry link = new TarArchiveEntry("m/saved_model.pb", TarArchiveEntry.LF_SYMLINK);
      link.setLinkName("/etc/passwd");
      tar.putArchiveEntry(link);
      tar.closeArchiveEntry();
    }
    assertThatThrownBy(() -> engine.load(tgz)).isInstanceOf(PierException.class)
        .hasMessageContaining("is a link or a special file");
  }

  @Test
  void refusesAnArchiveThatUnpacksBeyondTheBound(@TempDir Path dir) throws Exception {
    TensorFlowEngine small = new TensorFlowEngine(new EngineSettings(1, 1, null, Map.of("max-unpacked-bytes", "1000")));
    Path zip = zip(dir.resolve("big.zip"), Map.of("saved_model.pb", "0".repeat(5000)));
    assertThatThrownBy(() -> small.load(zip)).isInstanceOf(PierException.class)
        .hasMessageContaining("unpacks to more than 1000 bytes");
  }

  @Test
  void refusesAnArchiveWhoseSavedModelIsDamaged(@TempDir Path dir) throws Exception {
    Path zip = zip(dir.resolve("bad.zip"), Map.of("saved_model.pb", "garbage"));
    assertThatThrownBy(() -> engine.load(zip)).isInstanceOf(PierException.class)
        .hasMessageContaining("not a loadable TensorFlow SavedModel")
        .extracting(e -> ((PierException) e).status()).isEqualTo(400);
  }

  private static Path zip(Path file, Map<String, String> entries) throws IOException {
    try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
      for (var e : entries.entrySet()) {
        zip.putNextEntry(new ZipEntry(e.getKey()));
        zip.write(e.getValue().getBytes(StandardCharsets.UTF_8));
        zip.closeEntry();
      }
    }
    return file;
  }
}
