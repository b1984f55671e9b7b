package dev.pier.engine.torch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.kernel.PierException;
import dev.pier.kernel.tensor.Datatype;
import dev.pier.kernel.tensor.Signature;
import dev.pier.kernel.tensor.SignatureJson;
import dev.pier.kernel.tensor.TensorSpec;
import dev.pier.runtime.EngineSettings;
import dev.pier.runtime.LoadedModel;
import dev.pier.runtime.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One model for the whole class: loading libtorch is the expensive part, once per JVM. */
class TorchEngineTest {
  static final Path MODELS = Path.of("../../tests/fixtures/models");
  static final TorchEngine ENGINE = new TorchEngine(EngineSettings.singleThreaded());
  static final JsonNode REFERENCE = read("iris-torch.reference.json");
  static final Signature DECLARED = SignatureJson.parse(REFERENCE.get("signature"), "signature");
  static LoadedModel model;

  @BeforeAll
  static void load() {
    model = ENGINE.load(MODELS.resolve("iris-torch.pt"), DECLARED);
  }

  @AfterAll
  static void close() {
    model.close();
  }

  private static JsonNode read(String file) {
    try {
      return new ObjectMapper().readTree(MODELS.resolve(file).toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Tensor rows() {
    float[] rows = new float[16];
    int i = 0;
    for (JsonNode row : REFERENCE.get("input")) {
      for (JsonNode v : row) {
        rows[i++] = (float) v.asDouble();
      }
    }
    return new Tensor("input", Datatype.FP32, new long[] {4, 4}, rows);
  }

  static void assertReference(List<Tensor> out) {
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

  @Test
  void takesTheDeclaredSignatureAsTheModels() {
    assertThat(model.signature()).isEqualTo(DECLARED);
  }

  @Test
  void matchesTheReferenceComputedWithNumpyFromTheWeights() {
    assertReference(model.infer(List.of(rows()), List.of()));
  }

  @Test
  void returnsOnlyTheRequestedOutputs() {
    List<Tensor> out = model.infer(List.of(rows()), List.of("label"));
    assertThat(out).extracting(Tensor::name).containsExactly("label");
    assertThat((long[]) out.get(0).data()).containsExactly(0, 2, 1, 2);
  }

  @Test
  void servesConcurrentRequestsFromOneModule() throws Exception {
    AtomicInteger failures = new AtomicInteger();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      threads.add(Thread.ofPlatform().start(() -> {
        for (int i = 0; i < 100; i++) {
          try {
            assertReference(model.infer(List.of(rows()), List.of()));
          } catch (Throwable e) {
            failures.incrementAndGet();
          }
        }
      }));
    }
    for (Thread t : threads) {
      t.join();
    }
    assertThat(failures).hasValue(0);
  }

  @Test
  void refusesAModelWithoutADeclaredSignature() {
    assertThatThrownBy(() -> ENGINE.load(MODELS.resolve("iris-torch.pt"), null))
        .isInstanceOf(PierException.class)
        .hasMessageContaining("metadata.signature is required")
        .extracting(e -> ((PierException) e).status()).isEqualTo(400);
  }

  @Test
  void refusesADeclaredSignatureThatDoesNotFitTheModel() {
    Signature wrong = new Signature(DECLARED.inputs(),
        List.of(new TensorSpec("probabilities", Datatype.FP32, new long[] {-1, 3})));
    assertThatThrownBy(() -> ENGINE.load(MODELS.resolve("iris-torch.pt"), wrong))
        .isInstanceOf(PierException.class)
        .hasMessageContaining("declares 1 output(s) but the TorchScript model returns 2")
        .extracting(e -> ((PierException) e).status()).isEqualTo(400);
  }

  @Test
  void refusesADatatypeTheEngineCannotServe() {
    Signature bytes = new Signature(List.of(new TensorSpec("input", Datatype.BYTES, new long[] {-1})),
        DECLARED.outputs());
    assertThatThrownBy(() -> ENGINE.load(MODELS.resolve("iris-torch.pt"), bytes))
        .isInstanceOf(PierException.class)
        .hasMessageContaining("input 'input' has datatype BYTES");
  }

  @Test
  void refusesAFileThatIsNotTorchScript(@TempDir Path dir) throws Exception {
    Path junk = Files.writeString(dir.resolve("junk.pt"), "not a model");
    assertThatThrownBy(() -> ENGINE.load(junk, DECLARED)).isInstanceOf(PierException.class)
        .hasMessageContaining("not a loadable TorchScript model")
        .extracting(e -> ((PierException) e).status()).isEqualTo(400);
  }
}
