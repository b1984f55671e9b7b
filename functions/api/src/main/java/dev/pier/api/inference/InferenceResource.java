package dev.pier.api.inference;

import java.util.List;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.api.Caller;
import dev.pier.api.PierConfig;
import dev.pier.api.Security;
import dev.pier.api.async.AsyncIntake;

import dev.pier.kernel.PierException;
import dev.pier.kernel.security.Authorize;
import dev.pier.kernel.security.Permission;
import dev.pier.kernel.tensor.Signature;
import dev.pier.kernel.tensor.SignatureJson;
import dev.pier.registry.ModelVersion;
import dev.pier.kernel.security.Authorize;
import dev.pier.runtime.Budget;
import dev.pier.runtime.InferenceRequest;
import dev.pier.runtime.PredictionService;
import dev.pier.runtime.oip.OipJson;
import dev.pier.runtime.prediction.PredictionCall;
import dev.pier.runtime.prediction.PredictionPipeline;
import dev.pier.runtime.prediction.Slot;
import dev.pier.runtime.prediction.WayIn;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.common.annotation.NonBlocking;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.media.SchemaProperty;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The Open Inference Protocol V2 REST API. {@code {v}} is a version number or an alias; no version means the
 * alias {@code production}. Responses name the version that answered.
 */
@Tag(name = "Inference")
@Path("/v2")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class InferenceResource {
  public static final String SERVER_VERSION = "0.1.0";
  /** Makes canary assignment sticky for a caller; {@code parameters.unit} in the body takes precedence. */
  public static final String UNIT_HEADER = "X-Pier-Unit";
  /** The unit's attributes for experiment targeting: a JSON object, e.g. {@code {"country": "NL"}}. */
  public static final String ATTRIBUTES_HEADER = "X-Pier-Attributes";
  /** The OIP binary extension: the length of the JSON header that precedes the binary tensor data. */
  public static final String BINARY_HEADER = "Inference-Header-Content-Length";
  /**
   * OIP's {@code $live_server_response} and {@code $ready_server_response} (the spec's text names the ready field
   * {@code live}, a slip its KServe implementation does not make: {@code {"ready": true}}). Probes read the status.
   */
  /** The README's walkthrough request and answer, as the OpenAPI document's infer example. */
  public static final String INFER_REQUEST_EXAMPLE = "{\"inputs\": [{\"name\": \"input\", \"datatype\": \"FP32\","
      + " \"shape\": [1, 4], \"data\": [5.1, 3.5, 1.4, 0.2]}]}";
  private static final String ASYNC_ACCEPTED = "Accepted with Prefer: respond-async (Location: the prediction's URL"
      + " under /api/v1/predictions)";
  public static final String INFER_RESPONSE_EXAMPLE = "{\"model_name\": \"demo\", \"model_version\": \"1\", \"outputs\": ["
      + "{\"name\": \"probabilities\", \"datatype\": \"FP32\", \"shape\": [1, 3],"
      + " \"data\": [0.9911197, 0.008880265, 3.3346317E-10]},"
      + " {\"name\": \"label\", \"datatype\": \"INT64\", \"shape\": [1], \"data\": [0]}]}";
  private static final String LIVE = "{\"live\":true}";
  private static final String READY = "{\"ready\":true}";

  private final PredictionService predictions;
  private final PredictionPipeline pipeline;
  private final PredictionMetrics metrics;
  private final PierConfig config;
  private final Caller caller;
  private final Security security;
  private final AsyncIntake async;

  public InferenceResource(PredictionService predictions, Predictions pipeline, PierConfig config,
      PredictionMetrics metrics, Caller caller, Security security, AsyncIntake async) {
    this.predictions = predictions;
    this.pipeline = pipeline.pipeline();
    this.metrics = metrics;
    this.config = config;
    this.caller = caller;
    this.security = security;
    this.async = async;
  }

  @Operation(summary = "Server metadata")
  @GET
  @Authorize(open = true)
  public ServerMetadata server() {
    // binary tensors both ways; request and tensor parameters (binary_data_output, binary_data_size, unit)
    return new ServerMetadata("pier", SERVER_VERSION, List.of("binary_tensor_data", "parameters"),
        security.openWarning());
  }


  @APIResponse(responseCode = "200", description = "The server is live", content = @Content(
      mediaType = "application/json", schema = @Schema(type = SchemaType.OBJECT,
          properties = @SchemaProperty(name = "live", type = SchemaType.BOOLEAN))))
  @Operation(summary = "Server liveness")
  @GET
  @Path("/health/live")
  @Authorize(open = true)
  @NonBlocking // served by HealthRoute on the I/O thread, ahead of JAX-RS; this method documents the route
  public Response live() {
    return Response.ok(LIVE, MediaType.APPLICATION_JSON_TYPE).build();
  }

  @APIResponse(responseCode = "200", description = "The server is ready", content = @Content(
      mediaType = "application/json", schema = @Schema(type = SchemaType.OBJECT,
          properties = @SchemaProperty(name = "ready", type = SchemaType.BOOLEAN))))
  @Operation(summary = "Server readiness")
  @GET
  @Path("/health/ready")
  @Authorize(open = true)
  @NonBlocking // served by HealthRoute on the I/O thread, ahead of JAX-RS; this method documents the route
  public Response ready() {
    return Response.ok(READY, MediaType.APPLICATION_JSON_TYPE).build();
  }

  @Operation(summary = "Model metadata (the version alias production serves)")
  @GET
  @Path("/models/{model}")
  @Authorize(Permission.READ)
  public ModelMetadata metadata(@PathParam("model") String model) {
    return metadata(predictions.resolve(model, null));
  }

  @Operation(summary = "Model version metadata")
  @GET
  @Path("/models/{model}/versions/{version}")
  @Authorize(Permission.READ)
  public ModelMetadata metadata(@PathParam("model") String model, @PathParam("version") String version) {
    return metadata(predictions.resolve(model, version));
  }

  @APIResponse(responseCode = "200", description = "The version is loaded and serves (503 with ready false when not)",
      content = @Content(mediaType = "application/json", schema = @Schema(implementation = ModelReady.class)))
  @APIResponse(responseCode = "503", description = "The version cannot be loaded now",
      content = @Content(mediaType = "application/json", schema = @Schema(implementation = ModelReady.class)))
  @Operation(summary = "Model readiness")
  @GET
  @Path("/models/{model}/ready")
  @Authorize(Permission.READ)
  public Response modelReady(@PathParam("model") String model) {
    return modelReady(predictions.resolve(model, null));
  }

  @APIResponse(responseCode = "200", description = "The version is loaded and serves (503 with ready false when not)",
      content = @Content(mediaType = "application/json", schema = @Schema(implementation = ModelReady.class)))
  @APIResponse(responseCode = "503", description = "The version cannot be loaded now",
      content = @Content(mediaType = "application/json", schema = @Schema(implementation = ModelReady.class)))
  @Operation(summary = "Model version readiness")
  @GET
  @Path("/models/{model}/versions/{version}/ready")
  @Authorize(Permission.READ)
  public Response modelReady(@PathParam("model") String model, @PathParam("version") String version) {
    return modelReady(predictions.resolve(model, version));
  }

  // request body and 200: InferDocumentation (one place for both infer routes)
  @APIResponse(responseCode = "202", description = ASYNC_ACCEPTED, content = @Content(mediaType = "application/json",
      schema = @Schema(implementation = dev.pier.api.async.AsyncIntake.Accepted.class)))
  @Operation(summary = "Infer with the version alias production serves")
  @POST
  @Path("/models/{model}/infer")
  @Authorize(Permission.PREDICT)
  public Response infer(@PathParam("model") String model, @HeaderParam(HttpHeaders.CONTENT_TYPE) String type,
      @HeaderParam(UNIT_HEADER) String unit, @HeaderParam(BINARY_HEADER) String headerLength,
      @Context HttpHeaders headers, @Context RoutingContext routing, byte[] body) {
    return infer(model, null, type, unit, headerLength, headers, routing, body);
  }

  /**
   * The requests {@link InferRoute} leaves to JAX-RS, on a worker thread: {@code Prefer: respond-async} ones
   * (validated, stored and queued; see {@link AsyncIntake}), bodies without a Content-Length (chunked: admitted once
   * read, before they are parsed) or over {@code pier.limits.infer-body-bytes} (413), and malformed headers.
   */
  // request body and 200: InferDocumentation (one place for both infer routes)
  @APIResponse(responseCode = "202", description = ASYNC_ACCEPTED, content = @Content(mediaType = "application/json",
      schema = @Schema(implementation = dev.pier.api.async.AsyncIntake.Accepted.class)))
  @Operation(summary = "Infer with a model version or alias")
  @POST
  @Path("/models/{model}/versions/{version}/infer")
  @Authorize(Permission.PREDICT)
  public Response infer(@PathParam("model") String model, @PathParam("version") String version,
      @HeaderParam(HttpHeaders.CONTENT_TYPE) String type, @HeaderParam(UNIT_HEADER) String unit,
      @HeaderParam(BINARY_HEADER) String headerLength, @Context HttpHeaders headers, @Context RoutingContext routing,
      byte[] body) {
    int jsonLength = binaryHeaderLength(headerLength);
    boolean later = AsyncIntake.requested(headers.getHeaderString(AsyncIntake.PREFER));
    if (later && jsonLength >= 0) {
      throw PierException.badRequest("async predictions take JSON requests: send the tensors as JSON, without "
          + BINARY_HEADER);
    }
    if (jsonLength < 0) {
      requireJson(type);
    }
    if (body != null && body.length > config.limits().inferBodyBytes()) {
      throw new PierException(413, "request body of " + body.length + " bytes exceeds the limit of "
          + config.limits().inferBodyBytes() + " bytes");
    }
    long start = InferRoute.arrival(routing);
    if (later) {
      return accept(model, version, body, unit, headers, start);
    }
    PredictionCall call = new PredictionCall(WayIn.REST, model, version, caller.principalId(), caller.requestId(),
        caller.subject(), start, Budget.WAIT).unit(unit).attributes(headers.getHeaderString(ATTRIBUTES_HEADER))
        .body(body, jsonLength);
    // admitted before parsing: a large body costs more to parse than to run, and under overload the parse is what
    // must not pile up (429 at once for a request that already waited its queue wait for this thread)
    pipeline.runThrough(call, Slot.CAPACITY);
    try {
      call.request(OipJson.parseRequest(body, jsonLength));
    } catch (RuntimeException e) {
      throw pipeline.fail(call, e);
    }
    pipeline.answer(call);
    return answer(OipAnswer.of(call));
  }

  /** A {@code Prefer: respond-async} request: checked now, scored later (way in {@code async}, counted then). */
  private Response accept(String model, String version, byte[] body, String unit, HttpHeaders headers, long start) {
    try {
      InferenceRequest request = OipJson.parseRequest(body, -1);
      return async.accept(model, version, body, unit != null && request.unit() == null ? request.withUnit(unit)
          : request, headers);
    } catch (PierException e) {
      // refused at intake: counted here, as the call that would have been scored never exists
      metrics.prediction(WayIn.ASYNC, model, null, e.status(), System.nanoTime() - start);
      throw e;
    }
  }

  private static Response answer(OipAnswer answer) {
    Response.ResponseBuilder ok = answer.binaryHeaderLength() >= 0
        ? Response.ok(answer.body(), MediaType.APPLICATION_OCTET_STREAM_TYPE)
            .header(BINARY_HEADER, answer.binaryHeaderLength())
        : Response.ok(answer.body(), MediaType.APPLICATION_JSON_TYPE);
    return answer.experiment() == null ? ok.build() : ok.header(OipAnswer.EXPERIMENT_HEADER, answer.experiment()).build();
  }

  private ModelMetadata metadata(ModelVersion version) {
    Signature signature = predictions.signature(version);
    return new ModelMetadata(version.model(), List.of(Integer.toString(version.version())),
        predictions.platform(version), SignatureJson.write(signature.inputs()), SignatureJson.write(signature.outputs()));
  }

  /** OIP's {@code $ready_model_response}; 503 while the version cannot be loaded (the status says it, as KServe's). */
  private Response modelReady(ModelVersion version) {
    boolean ready = predictions.ready(version);
    return Response.status(ready ? 200 : 503).type(MediaType.APPLICATION_JSON_TYPE)
        .entity(new ModelReady(version.model(), ready)).build();
  }

  /** OIP's {@code $ready_model_response}. */
  record ModelReady(String name, boolean ready) {}

  /** The binary extension's JSON header length; -1 without the header; 400 when it is not a non-negative integer. */
  public static int binaryHeaderLength(String header) {
    if (header == null || header.isBlank()) {
      return -1;
    }
    try {
      int n = Integer.parseInt(header.trim());
      if (n < 0) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw PierException.badRequest(BINARY_HEADER + " must be a non-negative integer, got " + header);
    }
  }

  /** JSON, or no Content-Type at all; curl's default form encoding is refused with a hint. */
  public static void requireJson(String contentType) {
    if (!isJson(contentType)) {
      String base = baseType(contentType);
      throw new PierException(415, "Content-Type must be application/json, got " + contentType
          + (base.equals("application/x-www-form-urlencoded") ? " (curl: add -H 'Content-Type: application/json')" : ""));
    }
  }

  /** Whether a Content-Type names JSON ({@code application/json} or {@code application/*+json}), or is absent. */
  public static boolean isJson(String contentType) {
    if (contentType == null || contentType.isBlank() || contentType.equals("application/json")) {
      return true;
    }
    String base = baseType(contentType);
    return base.equals("application/json") || (base.startsWith("application/") && base.endsWith("+json"));
  }

  private static String baseType(String contentType) {
    String type = contentType.toLowerCase(java.util.Locale.ROOT);
    int semicolon = type.indexOf(';');
    return (semicolon < 0 ? type : type.substring(0, semicolon)).trim();
  }

  /** OIP server metadata; {@code warning} only while authentication is off. */
  public record ServerMetadata(String name, String version, List<String> extensions,
      @JsonInclude(JsonInclude.Include.NON_NULL) String warning) {}

  /** OIP model metadata: the version served, its engine ({@code platform}) and its tensors. */
  public record ModelMetadata(String name, List<String> versions, String platform, JsonNode inputs,
      JsonNode outputs) {}
}
