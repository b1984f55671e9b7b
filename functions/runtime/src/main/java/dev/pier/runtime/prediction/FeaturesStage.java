package dev.pier.runtime.prediction;

import dev.pier.kernel.PierException;
import dev.pier.security.privacy.MarkedValues;
import dev.pier.registry.ModelVersion;
import dev.pier.runtime.InferenceRequest;
import dev.pier.runtime.Tensor;
import dev.pier.runtime.oip.OipJson;
import dev.pier.runtime.pipeline.FeaturePipeline;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link Slot#FEATURES}: a call of named features ({@code /predict}'s instances) becomes the model's input tensor
 * through the version's feature pipeline ({@code metadata.pipeline}, compiled once per version), with the version's
 * PII-marked values masked in any message meanwhile, carrying the call's explanation method. Calls that carry tensors pass untouched. The server's online
 * feature lookup runs ahead of it in this slot, merging looked-up values into the instances.
 */
public final class FeaturesStage implements Stage {
  private final Map<String, FeaturePipeline> compiled = new ConcurrentHashMap<>();

  @Override
  public boolean apply(PredictionCall call) {
    List<Map<String, Object>> instances = call.instances();
    if (instances == null || call.request() != null) {
      return true;
    }
    ModelVersion version = call.version();
    if (version.serving().pipeline() == null) {
      throw PierException.badRequest("version " + version.version() + " of model '" + version.model() + "' has no"
          + " feature pipeline: register it with metadata.pipeline, or send tensors to /v2/models/" + version.model()
          + "/infer");
    }
    FeaturePipeline pipeline = compiled.computeIfAbsent(version.model() + "#" + version.version(), k -> {
      try {
        return FeaturePipeline.parse(OipJson.mapper().readTree(version.serving().pipeline()), "pipeline");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    Tensor input = MarkedValues.during(call.markedValues(), () -> pipeline.apply(instances));
    call.request(new InferenceRequest(call.requestId(), List.of(input), List.of(), null, call.explain()));
    return true;
  }
}
