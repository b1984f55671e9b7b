package dev.pier.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.kernel.PierException;
import dev.pier.kernel.tensor.Signature;
import dev.pier.kernel.tensor.TensorSpec;
import dev.pier.monitoring.capture.CapturedPrediction;
import dev.pier.registry.ModelRegistry;
import dev.pier.registry.ModelVersion;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** The registry as monitors see it: "model + version or alias" to a version number, its columns and training data. */
public interface ModelVersions {

  /**
   * @param outputs the version's output tensor names; empty when the version declares no signature
   * @param columns the captured column names the version's signature gives ({@code x[0]}, …, and the outputs'),
   *     or null when they cannot be known here (no signature, a feature pipeline, or a dimension of any size)
   * @param trainingData the dataset URIs of the version's lineage ({@code metadata.lineage.datasets[].uri})
   */
  record Resolved(String model, int version, Set<String> outputs, Set<String> columns, List<String> trainingData) {
    public Resolved(String model, int version, Set<String> outputs) {
      this(model, version, outputs, null, List.of());
    }
  }

  /** The version; a 404 {@link PierException} naming the model or version when there is none. */
  Resolved resolve(String model, String reference);

  /** Backed by the model registry. */
  static ModelVersions of(ModelRegistry registry) {
    return (model, reference) -> {
      ModelVersion v = registry.resolve(model, reference);
      Signature signature = v.signature();
      Set<String> outputs = signature == null ? Set.of()
          : signature.outputs().stream().map(TensorSpec::name).collect(Collectors.toUnmodifiableSet());
      Set<String> columns = signature == null || v.serving().pipeline() != null ? null : columns(signature);
      return new Resolved(v.model(), v.version(), outputs, columns, trainingData(v.provenance().lineage()));
    };
  }

  /** Column names as captures name them, or null when a tensor has a column dimension of any size. */
  private static Set<String> columns(Signature signature) {
    Set<String> out = new LinkedHashSet<>();
    List<TensorSpec> all = new ArrayList<>(signature.inputs());
    all.addAll(signature.outputs());
    for (TensorSpec t : all) {
      long[] shape = t.shape();
      if (shape.length <= 1) {
        out.add(CapturedPrediction.column(t.name(), -1));
      } else if (shape.length == 2 && shape[1] > 0) {
        for (int i = 0; i < shape[1]; i++) {
          out.add(CapturedPrediction.column(t.name(), i));
        }
      } else {
        return null;
      }
    }
    return out;
  }

  private static List<String> trainingData(String lineage) {
    if (lineage == null) {
      return List.of();
    }
    List<String> uris = new ArrayList<>();
    JsonNode datasets = MonitoringJson.read(lineage).path("datasets");
    datasets.forEach(d -> {
      if (d.path("uri").isTextual()) {
        uris.add(d.get("uri").asText());
      }
    });
    return uris;
  }
}
