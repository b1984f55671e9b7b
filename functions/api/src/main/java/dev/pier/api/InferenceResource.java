package dev.pier.api;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.kernel.PierException;
import dev.pier.kernel.privacy.MarkedValues;
import dev.pier.kernel.privacy.PiiFields;
import dev.pier.kernel.security.Permission;
import dev.pier.kernel.tensor.Signature;
import dev.pier.kernel.tensor.SignatureJson;
import dev.pier.registry.ModelVersion;
import dev.pier.runtime.InferenceRequest;
import dev.pier.runtime.InferenceResponse;
import dev.pier.runtime.PredictionService;
import dev.pier.runtime.oip.OipJson;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import io.smallrye.common.annotation.Blocking;

/**
 * The Open Inference Protocol V2 REST API. {@code {v}} is a version number or an alias; no version means the
 * alias {@code production}. Responses name the version that answered.
 */
@Path("/v2")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class InferenceResource {
  static final String SERVER_VERSION = "0.1.0";
  /** Makes canary assignment sticky for a caller; {@code parameters.unit} in the body takes precedence. */
  static final String UNIT_HEADER = "X-Pier-Unit";
  /** The OIP binary extension: the length of the JSON header that precedes the binary tensor data. */
  static final String BINARY_HEADER = "Inference-Header-Content-Length";

  private final PredictionService predictions;
  private final PredictionMetrics metrics;
  private final PierConfig config;
  @jakarta.inject.Inject AuditTrail audit;
  @jakarta.inject.Inject ProbeDetector probes;
  @jakarta.inject.Inject Caller caller;
  @jakarta.inject.Inject Security security;

  public InferenceResource(Platform platform, PredictionMetrics metrics) {
    this.predictions = platform.predictions();
    this.metrics = metrics;
    this.config = platform.config();
  }

  @GET
  @Authorize(open = true)
  public String server() {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("name", "pier");
    body.put("version", SERVER_VERSION);
    body.putArray("extensions");
    if (security.openWarning() != null) {
      body.put("warning", security.openWarning());
    }
    return body.toString();
  }

  @GET
  @Path("/health/live")
  @Authorize(open = true)
  public Response live() {
    return Response.ok().build();
  }

  @GET
  @Path("/health/ready")
  @Authorize(open = true)
  public Response ready() {
    return Response.ok().build();
  }

  @GET
  @Path("/models/{model}")
  @Authorize(Permission.READ)
  public String metadata(@PathParam("model") String model) {
    return metadata(predictions.resolve(model, null));
  }

  @GET
  @Path("/models/{model}/versions/{version}")
  @Authorize(Permission.READ)
  public String metadata(@PathParam("model") String model, @PathParam("version") String version) {
    return metadata(predictions.resolve(model, version));
  }

  @GET
  @Path("/models/{model}/ready")
  @Authorize(Permission.READ)
  public Response modelReady(@PathParam("model") String model) {
    return modelReady(predictions.resolve(model, null));
  }

  @GET
  @Path("/models/{model}/versions/{version}/ready")
  @Authorize(Permission.READ)
  public Response modelReady(@PathParam("model") String model, @PathParam("version") String version) {
    return modelReady(predictions.resolve(model, version));
  }

  @POST
  @Path("/models/{model}/infer")
  @Authorize(Permission.PREDICT)
  public Response infer(@PathParam("model") String model, @HeaderParam(HttpHeaders.CONTENT_TYPE) String type,
      @HeaderParam(UNIT_HEADER) String unit, @HeaderParam(BINARY_HEADER) String headerLength, byte[] body) {
    return infer(model, null, type, unit, headerLength, body);
  }

  @POST
  @Path("/models/{model}/versions/{version}/infer")
  @Authorize(Permission.PREDICT)
  public Response infer(@PathParam("model") String model, @PathParam("version") String version,
      @HeaderParam(HttpHeaders.CONTENT_TYPE) String type, @HeaderParam(UNIT_HEADER) String unit,
      @HeaderParam(BINARY_HEADER) String headerLength, byte[] body) {
    int jsonLength = binaryHeaderLength(headerLength);
    if (jsonLength < 0) {
      requireJson(type);
    }
    if (body != null && body.length > config.limits().inferBodyBytes()) {
      throw new PierException(413, "request body of " + body.length + " bytes exceeds the limit of "
          + config.limits().inferBodyBytes() + " bytes");
    }
    long start = System.nanoTime();
    int status = 500;
    Integer answered = null;
    try {
      InferenceRequest parsed = OipJson.parseRequest(body, jsonLength);
      InferenceRequest request = unit != null && parsed.unit() == null ? parsed.withUnit(unit) : parsed;
      PiiFields pii = PiiFields.from(predictions.resolve(model, version).properties());
      InferenceResponse response = MarkedValues.during(markedValues(pii, body, jsonLength),
          () -> predictions.infer(model, version, request));
      answered = response.modelVersion();
      status = 200;
      audit.prediction(response.modelName(), response.modelVersion(), body, request.unit(),
          piiOf(response.modelName(), response.modelVersion(), pii));
      if (probes.observe(caller.principalId(), response.modelName(), request.inputs())) {
        metrics.suspectedProbe(response.modelName());
      }
      if (!request.binaryOutputs().isEmpty()) {
        OipJson.BinaryBody binary = OipJson.writeBinaryResponse(response, request.binaryOutputs());
        return Response.ok(binary.body(), MediaType.APPLICATION_OCTET_STREAM_TYPE)
            .header(BINARY_HEADER, binary.headerLength()).build();
      }
      return Response.ok(OipJson.writeResponse(response), MediaType.APPLICATION_JSON_TYPE).build();
    } catch (PierException e) {
      status = e.status();
      throw e;
    } finally {
      metrics.prediction(model, answered, status, System.nanoTime() - start);
    }
  }

  /** The values of marked fields in the body's JSON (for the binary extension: its JSON header), to mask in logs. */
  private static java.util.List<String> markedValues(PiiFields pii, byte[] body, int jsonLength) {
    if (pii.isEmpty() || body == null) {
      return java.util.List.of();
    }
    try {
      byte[] json = jsonLength < 0 ? body : java.util.Arrays.copyOf(body, Math.min(jsonLength, body.length));
      return pii.values(OipJson.readTree(json));
    } catch (PierException e) {
      return java.util.List.of(); // malformed JSON was answered 400 by the parse already
    }
  }

  /** The answering version's marked fields: a canary may answer with another version than the one resolved. */
  private PiiFields piiOf(String model, int answered, PiiFields resolved) {
    PiiFields other = PiiFields.from(predictions.resolve(model, Integer.toString(answered)).properties());
    if (other.equals(resolved) || other.isEmpty()) {
      return resolved;
    }
    java.util.Set<String> union = new java.util.HashSet<>(resolved.names());
    union.addAll(other.names());
    return PiiFields.of(union);
  }

  private String metadata(ModelVersion version) {
    Signature signature = predictions.signature(version);
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("name", version.model());
    body.putArray("versions").add(Integer.toString(version.version()));
    body.put("platform", predictions.platform(version));
    body.set("inputs", SignatureJson.write(signature.inputs()));
    body.set("outputs", SignatureJson.write(signature.outputs()));
    return body.toString();
  }

  private Response modelReady(ModelVersion version) {
    return predictions.ready(version) ? Response.ok().build() : Response.status(503).build();
  }

  private static int binaryHeaderLength(String header) {
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
  static void requireJson(String contentType) {
    if (contentType == null || contentType.isBlank()) {
      return;
    }
    String type = contentType.toLowerCase(java.util.Locale.ROOT);
    int semicolon = type.indexOf(';');
    String base = (semicolon < 0 ? type : type.substring(0, semicolon)).trim();
    if (!base.equals("application/json") && !(base.startsWith("application/") && base.endsWith("+json"))) {
      throw new PierException(415, "Content-Type must be application/json, got " + contentType
          + (base.equals("application/x-www-form-urlencoded") ? " (curl: add -H 'Content-Type: application/json')" : ""));
    }
  }
}
