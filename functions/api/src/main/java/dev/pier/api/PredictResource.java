package dev.pier.api;

import dev.pier.security.privacy.MarkedValues;
import dev.pier.security.privacy.PiiFields;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.kernel.PierException;
import dev.pier.kernel.security.Authorize;
import dev.pier.kernel.security.Permission;
import dev.pier.registry.ModelVersion;
import dev.pier.runtime.InferenceRequest;
import dev.pier.runtime.InferenceResponse;
import dev.pier.runtime.PredictionService;
import dev.pier.runtime.Tensor;
import dev.pier.runtime.oip.OipJson;
import dev.pier.runtime.pipeline.FeaturePipeline;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Array;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The friendly prediction API: {@code {"instances": [{"feature": value, ...}]}} in, through the version's feature
 * pipeline (registered as {@code metadata.pipeline}) to the model's input tensor, and
 * {@code {"predictions": [{"<output>": value-or-array, ...}]}} out, one per instance.
 */
@Path("/api/v1/models")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class PredictResource {
  private final PredictionService predictions;
  private final Map<String, FeaturePipeline> compiled = new ConcurrentHashMap<>();
  @jakarta.inject.Inject AuditTrail audit;

  public PredictResource(Platform platform) {
    this.predictions = platform.predictions();
  }

  @POST
  @Path("/{model}/predict")
  @Authorize(Permission.PREDICT)
  public String predict(@PathParam("model") String model, @QueryParam("version") String reference, byte[] body) {
    JsonNode root = OipJson.readTree(body);
    if (!root.isObject()) {
      throw PierException.badRequest("body must be {\"instances\": [{\"feature\": value, ...}, ...]}");
    }
    List<Map<String, Object>> instances = FeaturePipeline.instances(root.get("instances"));
    ModelVersion version = predictions.resolve(model, reference);
    if (version.serving().pipeline() == null) {
      throw PierException.badRequest("version " + version.version() + " of model '" + model + "' has no feature"
          + " pipeline: register it with metadata.pipeline, or send tensors to /v2/models/" + model + "/infer");
    }
    FeaturePipeline pipeline = compiled.computeIfAbsent(model + "#" + version.version(), k -> {
      try {
        return FeaturePipeline.parse(OipJson.mapper().readTree(version.serving().pipeline()), "pipeline");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    PiiFields pii = PiiFields.from(version.metadata().properties());
    InferenceResponse r = MarkedValues.during(pii.isEmpty() ? List.of() : pii.values(root), () -> {
      Tensor input = pipeline.apply(instances);
      return predictions.infer(version, new InferenceRequest(null, List.of(input), List.of()));
    });
    // sampled into the audit trail like OIP predictions (marked fields masked whole, the rest by detection)
    audit.prediction(r.modelName(), r.modelVersion(), body, null, pii);
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("model_name", r.modelName());
    out.put("model_version", Integer.toString(r.modelVersion()));
    ArrayNode rows = out.putArray("predictions");
    int n = instances.size();
    for (int i = 0; i < n; i++) {
      ObjectNode row = rows.addObject();
      for (Tensor t : r.outputs()) {
        int width = t.length() / n;
        if (width == 1 && t.shape().length <= 1) {
          row.set(t.name(), value(t, i));
        } else {
          ArrayNode a = row.putArray(t.name());
          for (int j = 0; j < width; j++) {
            a.add(value(t, i * width + j));
          }
        }
      }
    }
    return out.toString();
  }

  private static JsonNode value(Tensor t, int i) {
    Object v = Array.get(t.data(), i);
    JsonNodeFactory f = JsonNodeFactory.instance;
    return switch (v) {
      case Float x -> f.numberNode(x);
      case Double x -> f.numberNode(x);
      case Long x -> f.numberNode(x);
      case Integer x -> f.numberNode(x);
      case Short x -> f.numberNode(x);
      case Byte x -> f.numberNode(x);
      case Boolean x -> f.booleanNode(x);
      default -> f.textNode(String.valueOf(v));
    };
  }
}
