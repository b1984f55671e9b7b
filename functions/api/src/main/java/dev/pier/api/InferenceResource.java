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
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.common.annotation.NonBlocking;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

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
  @jakarta.inject.Inject AsyncIntake async;

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
  @NonBlocking
  @Path("/models/{model}/infer")
  @Authorize(Permission.PREDICT)
  public Uni<Response> infer(@PathParam("model") String model, @HeaderParam(HttpHeaders.CONTENT_TYPE) String type,
      @HeaderParam(UNIT_HEADER) String unit, @HeaderParam(BINARY_HEADER) String headerLength,
      @Context HttpHeaders headers, byte[] body) {
    return infer(model, null, type, unit, headerLength, headers, body);
  }

  /**
   * Small requests for fast, loaded models are answered on the I/O thread (see {@code pier.limits.inline-max-mean-micros});
   * everything else — large bodies, first loads, micro-batched or endpoint-placed versions, explanations, and
   * {@code Prefer: respond-async} requests (validated, stored and queued; see {@link AsyncIntake}) — runs on a worker
   * thread, where waiting is allowed.
   */
  @POST
  @NonBlocking
  @Path("/models/{model}/versions/{version}/infer")
  @Authorize(Permission.PREDICT)
  public Uni<Response> infer(@PathParam("model") String model, @PathParam("version") String version,
      @HeaderParam(HttpHeaders.CONTENT_TYPE) String type, @HeaderParam(UNIT_HEADER) String unit,
      @HeaderParam(BINARY_HEADER) String headerLength, @Context HttpHeaders headers, byte[] body) {
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
    long start = System.nanoTime();
    long inlineMaxNanos = config.limits().inlineMaxMeanMicros() * 1000;
    InferenceRequest parsed = null;
    if (later) {
      return Uni.createFrom()
          .item(() -> accept(model, version, parse(model, body, jsonLength, unit, start), body, headers, start))
          .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }
    if (inlineMaxNanos > 0 && (body == null || body.length <= INLINE_BODY_BYTES)) {
      parsed = parse(model, body, jsonLength, unit, start);
      Response now = serve(model, version, parsed, body, jsonLength, start, inlineMaxNanos);
      if (now != null) {
        return Uni.createFrom().item(now);
      }
    }
    InferenceRequest request = parsed;
    return Uni.createFrom()
        .item(() -> serve(model, version, request != null ? request : parse(model, body, jsonLength, unit, start),
            body, jsonLength, start, -1))
        .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
  }

  private static final int INLINE_BODY_BYTES = 64 * 1024;

  private InferenceRequest parse(String model, byte[] body, int jsonLength, String unit, long start) {
    try {
      InferenceRequest request = OipJson.parseRequest(body, jsonLength);
      return unit != null && request.unit() == null ? request.withUnit(unit) : request;
    } catch (PierException e) {
      metrics.prediction(model, null, e.status(), System.nanoTime() - start);
      throw e;
    }
  }

  private Response accept(String model, String version, InferenceRequest request, byte[] body, HttpHeaders headers,
      long start) {
    int status = 500;
    try {
      Response accepted = async.accept(model, version, body, request, headers);
      status = accepted.getStatus();
      return accepted;
    } catch (PierException e) {
      status = e.status();
      throw e;
    } finally {
      metrics.prediction(model, null, status, System.nanoTime() - start);
    }
  }

  /**
   * Runs a parsed request and writes its response; with {@code inlineMaxNanos >= 0} only if that cannot block
   * ({@link PredictionService#inferNow}), returning null (and recording nothing) when it declines.
   */
  private Response serve(String model, String version, InferenceRequest request, byte[] body, int jsonLength,
      long start, long inlineMaxNanos) {
    int status = 500;
    Integer answered = null;
    try {
      ModelVersion target = inlineMaxNanos >= 0
          ? predictions.resolveCached(model, version, request.unit())
          : predictions.resolve(model, version, request.unit());
      if (target == null) {
        status = 0;
        return null;
      }
      PiiFields pii = PiiFields.from(target.properties());
      java.util.function.Supplier<InferenceResponse> run = inlineMaxNanos >= 0
          ? () -> predictions.inferNow(target, request, inlineMaxNanos)
          : () -> predictions.infer(target, request);
      InferenceResponse response = pii.isEmpty() ? run.get()
          : MarkedValues.during(markedValues(pii, body, jsonLength), run);
      if (response == null) {
        status = 0;
        return null;
      }
      answered = response.modelVersion();
      status = 200;
      audit.prediction(response.modelName(), response.modelVersion(), body, request.unit(),
          pii);
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
      if (status != 0) {
        metrics.prediction(model, answered, status, System.nanoTime() - start);
      }
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
