package dev.pier.api.inference;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.pier.api.Caller;

import dev.pier.kernel.security.Authorize;
import dev.pier.runtime.Budget;
import dev.pier.runtime.prediction.PredictionCall;
import dev.pier.runtime.prediction.PredictionPipeline;
import dev.pier.runtime.prediction.Slot;
import dev.pier.runtime.prediction.WayIn;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.kernel.PierException;
import dev.pier.kernel.security.Authorize;
import dev.pier.kernel.security.Permission;
import dev.pier.runtime.InferenceResponse;
import dev.pier.runtime.Tensor;
import dev.pier.runtime.oip.OipJson;
import dev.pier.runtime.pipeline.FeaturePipeline;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.lang.reflect.Array;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.ArrayList;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The friendly prediction API: {@code {"instances": [{"feature": value, ...}]}} in, through the version's feature
 * pipeline (registered as {@code metadata.pipeline}) to the model's input tensor, and
 * {@code {"predictions": [{"<output>": value-or-array, ...}]}} out, one per instance; with
 * {@code "parameters": {"explain": "shap"}} (or {@code lime}) each also carries {@code shap_values} (per explained
 * column, one value per model input column, the pipeline's features in order), {@code shap_base} and
 * {@code shap_output}, computed by the same explain stage as OIP requests. {@code X-Pier-Unit} is the
 * experiment (and canary) unit; when an experiment's arm answered, the body's {@code experiment} and the
 * {@code X-Pier-Experiment} header say which ({@code <experiment id>=<arm>}).
 */
@Tag(name = "Inference")
@Path("/api/v1/models")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class PredictResource {
  private final PredictionPipeline pipeline;
  private final Caller caller;

  public PredictResource(Predictions predictions, Caller caller) {
    this.pipeline = predictions.pipeline();
    this.caller = caller;
  }

  /** Decodes the instances into a call (way in {@code predict}); the pipeline's FEATURES stage makes the tensor. */
  @APIResponse(responseCode = "200", description = "One prediction per instance",
      content = @Content(mediaType = "application/json", schema = @Schema(implementation = Answer.class)))
  @Operation(summary = "Predict from named features")
  @POST
  @Path("/{model}/predict")
  @Authorize(Permission.PREDICT)
  public Response predict(@PathParam("model") String model, @QueryParam("version") String reference,
      @HeaderParam(InferenceResource.UNIT_HEADER) String unit,
      @HeaderParam(InferenceResource.ATTRIBUTES_HEADER) String attributes, byte[] body) {
    long start = System.nanoTime();
    PredictionCall call = new PredictionCall(WayIn.PREDICT, model, reference, caller.principalId(),
        caller.requestId(), caller.subject(), start, Budget.WAIT).unit(unit).attributes(attributes).body(body, -1);
    pipeline.runThrough(call, Slot.ADMIT);
    List<Map<String, Object>> instances;
    String explain;
    try {
      JsonNode root = OipJson.readTree(body);
      if (!root.isObject()) {
        throw PierException.badRequest("body must be {\"instances\": [{\"feature\": value, ...}, ...]}");
      }
      instances = FeaturePipeline.instances(root.get("instances"));
      explain = explain(root.get("parameters"));
    } catch (RuntimeException e) {
      throw pipeline.fail(call, e);
    }
    InferenceResponse r = pipeline.answer(call.instances(instances).explain(explain));
    int n = instances.size();
    List<Map<String, Object>> rows = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Map<String, Object> row = new LinkedHashMap<>();
      for (Tensor t : r.outputs()) {
        if (explain != null && t.name().equals(explain + "_output")) {
          row.put(t.name(), String.valueOf(Array.get(t.data(), 0)));
          continue;
        }
        if (explain != null && t.name().equals(explain + "_values") && t.shape().length == 3) {
          row.put(t.name(), perColumn(t, i));
          continue;
        }
        int width = t.length() / n;
        if (width == 1 && t.shape().length <= 1) {
          row.put(t.name(), value(t, i));
        } else {
          List<Object> values = new ArrayList<>(width);
          for (int j = 0; j < width; j++) {
            values.add(value(t, i * width + j));
          }
          row.put(t.name(), values);
        }
      }
      rows.add(row);
    }
    Answer answer = new Answer(r.modelName(), Integer.toString(r.modelVersion()), call.experiment(), rows);
    Response.ResponseBuilder ok = Response.ok(answer, MediaType.APPLICATION_JSON_TYPE);
    return call.experiment() == null ? ok.build() : ok.header(OipAnswer.EXPERIMENT_HEADER, call.experiment()).build();
  }

  /** {@code parameters.explain}: {@code shap}, {@code lime} or absent (null). */
  private static String explain(JsonNode parameters) {
    if (parameters == null || parameters.isNull()) {
      return null;
    }
    if (!parameters.isObject()) {
      throw PierException.badRequest("'parameters' must be an object");
    }
    JsonNode explain = parameters.get("explain");
    if (explain == null || explain.isNull()) {
      return null;
    }
    if (!(explain.isTextual() && (explain.asText().equals("shap") || explain.asText().equals("lime")))) {
      throw PierException.badRequest("'parameters.explain' must be \"shap\" or \"lime\", got " + explain);
    }
    return explain.asText();
  }

  /** Row {@code i} of a {@code [rows, columns, features]} explanation: one list of per-feature values per column. */
  private static List<List<Object>> perColumn(Tensor t, int i) {
    int columns = (int) t.shape()[1];
    int features = (int) t.shape()[2];
    List<List<Object>> out = new ArrayList<>(columns);
    for (int c = 0; c < columns; c++) {
      List<Object> values = new ArrayList<>(features);
      for (int f = 0; f < features; f++) {
        values.add(value(t, (i * columns + c) * features + f));
      }
      out.add(values);
    }
    return out;
  }

  /** A number or boolean as itself; anything else (bytes) as its text. */
  private static Object value(Tensor t, int i) {
    Object v = Array.get(t.data(), i);
    return v instanceof Number || v instanceof Boolean ? v : String.valueOf(v);
  }


  /**
   * One object per instance, output name to value (an array for multi-valued outputs); {@code experiment} names the
   * experiment and arm that answered, when one did.
   */
  public record Answer(@JsonProperty("model_name") String modelName, @JsonProperty("model_version") String modelVersion,
      @JsonInclude(JsonInclude.Include.NON_NULL) String experiment, List<Map<String, Object>> predictions) {}
}
