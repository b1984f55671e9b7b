package dev.pier.monitoring;

import dev.pier.kernel.PierException;
import dev.pier.kernel.tensor.Signature;
import dev.pier.kernel.tensor.TensorSpec;
import dev.pier.registry.ModelRegistry;
import dev.pier.registry.ModelVersion;
import java.util.Set;
import java.util.stream.Collectors;

/** The registry as monitors see it: "model + version or alias" to a version number and its output tensors. */
public interface ModelVersions {

  /**
   * @param outputs the version's output tensor names; empty when the version declares no signature
   */
  record Resolved(String model, int version, Set<String> outputs) {
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
      return new Resolved(v.model(), v.version(), outputs);
    };
  }
}
