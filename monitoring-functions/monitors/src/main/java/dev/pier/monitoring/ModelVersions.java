package dev.pier.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.kernel.PierException;
import dev.pier.kernel.tensor.Signature;
import dev.pier.kernel.tensor.TensorSpec;
import dev.pier.monitoring.capture.CapturedPrediction;
import dev.pier.registry.ModelRegistry;
import dev.pier.registry.ModelVersion;
import dev.pier.registry.ServingProperties;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
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
   * @param importance each column's feature importance as the version's metrics give it
   *     ({@code importance.<column>}, e.g. mean |SHAP| or permutation importance logged at training); empty when none
   */
  record Resolved(String model, int version, Set<String> outputs, Set<String> columns, List<String> trainingData,
      Map<String, Double> importance) {
    /** The prefix of the version metrics that hold feature importance. */
    public static final String IMPORTANCE = "importance.";

    public Resolved {
      importance = importance == null ? Map.of() : Map.copyOf(importance);
    }

    public Resolved(String model, int version, Set<String> outputs) {
      this(model, version, outputs, null, List.of(), Map.of());
    }
  }

  /** The version; a 404 {@link PierException} naming the model or version when there is none. */
  Resolved resolve(String model, String reference);

  /**
   * Turns the version's capture on at {@code rate} unless it is on already (a rate above 0, which is kept): a change
   * conditional on the version's revision, retried when the version changed meanwhile, so a rate a user sets at the
   * same time is never overwritten. Returns the rate after the call and whether this call set it.
   */
  MonitorDefinition.Capture turnOnCapture(String model, int version, double rate, String actor);

  /** Backed by the model registry. */
  static ModelVersions of(ModelRegistry registry) {
    return new ModelVersions() {
      @Override
      public Resolved resolve(String model, String reference) {
        ModelVersion v = registry.resolve(model, reference);
        Signature signature = v.signature();
        Set<String> outputs = signature == null ? Set.of()
            : signature.outputs().stream().map(TensorSpec::name).collect(Collectors.toUnmodifiableSet());
        Set<String> columns = signature == null || v.serving().pipeline() != null ? null : columns(signature);
        Map<String, Double> importance = new HashMap<>();
        v.metadata().metrics().forEach((name, value) -> {
          if (name.startsWith(Resolved.IMPORTANCE) && name.length() > Resolved.IMPORTANCE.length()) {
            importance.put(name.substring(Resolved.IMPORTANCE.length()), value);
          }
        });
        return new Resolved(v.model(), v.version(), outputs, columns, trainingData(v.provenance().lineage()),
            importance);
      }

      @Override
      public MonitorDefinition.Capture turnOnCapture(String model, int version, double rate, String actor) {
        AtomicBoolean set = new AtomicBoolean(); // what the attempt that was written decided
        ModelVersion after = registry.versions().update(model, version, null, before -> {
          set.set(captureRate(before) <= 0);
          if (!set.get()) {
            return before;
          }
          Map<String, String> properties = new HashMap<>(before.metadata().properties());
          properties.put(ServingProperties.CAPTURE_SAMPLE_RATE, Double.toString(rate));
          return before.edited(before.metadata().withProperties(properties), Instant.now());
        }, actor, "a monitor turned capture on");
        return new MonitorDefinition.Capture(captureRate(after), set.get());
      }
    };
  }

  private static double captureRate(ModelVersion v) {
    String rate = v.metadata().properties().get(ServingProperties.CAPTURE_SAMPLE_RATE);
    return rate == null ? 0 : Double.parseDouble(rate);
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
