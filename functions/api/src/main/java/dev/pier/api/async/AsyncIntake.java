package dev.pier.api.async;

import dev.pier.api.Caller;
import dev.pier.api.Security;
import dev.pier.runtime.PredictionService;
import dev.pier.security.outbound.OutboundUrlPolicy;

import dev.pier.security.audit.PredictionSampler;

import dev.pier.async.AsyncPredictions;
import dev.pier.async.AsyncQueue;
import dev.pier.async.AsyncSubmission;
import dev.pier.kernel.PierException;
import dev.pier.registry.ModelVersion;
import dev.pier.runtime.Budget;
import dev.pier.runtime.prediction.PredictionCall;
import dev.pier.runtime.prediction.WayIn;
import dev.pier.runtime.InferenceRequest;
import jakarta.inject.Singleton;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * Accepts an OIP inference request for later (RFC 7240 {@code Prefer: respond-async}): validates it exactly as a
 * synchronous request would be — model, version, signature, body — so a malformed one gets its 4xx now and never
 * becomes a queued failure, then stores and queues it and answers {@code 202} with {@code Location:
 * /api/v1/predictions/{id}} and {@code Preference-Applied: respond-async}.
 *
 * <p>{@code Idempotency-Key} (scoped to the caller) returns the same prediction for the same model, version
 * reference, callback and body; the same key with anything different is a 422, as for version registration.
 * {@code X-Pier-Callback-Url} names a URL that receives the finished prediction once, signed like webhooks
 * ({@code X-Pier-Signature}, event {@code prediction.completed} or {@code prediction.failed}, delivery id = the
 * prediction id). The data subject ({@code X-Pier-Subject}, else the canary unit) is kept only as its keyed hash.
 */
@Singleton
public class AsyncIntake {
  public static final String PREFER = "Prefer";
  public static final String IDEMPOTENCY_KEY = "Idempotency-Key";
  public static final String CALLBACK_HEADER = "X-Pier-Callback-Url";
  private static final int MAX_KEY_LENGTH = 255;

  private final AsyncPredictions predictions;
  private final AsyncCallbacks callbacks;
  private final PredictionService service;
  private final Security security;
  private final Caller caller;
  private final OutboundUrlPolicy outbound;

  private final dev.pier.runtime.prediction.PredictionPipeline pipeline;

  public AsyncIntake(AsyncPredictions predictions, AsyncCallbacks callbacks, PredictionService service,
      Security security, Caller caller, OutboundUrlPolicy outbound, dev.pier.api.inference.Predictions pipelines) {
    this.pipeline = pipelines.pipeline();
    this.predictions = predictions;
    this.callbacks = callbacks;
    this.service = service;
    this.security = security;
    this.caller = caller;
    this.outbound = outbound;
  }

  /** Names the experiment and arm whose version will answer ({@code <experiment id>=<arm>}), as synchronous calls do. */
  private static final String EXPERIMENT_HEADER = "X-Pier-Experiment";

  /** Whether an RFC 7240 {@code Prefer} header asks for {@code respond-async} (among other preferences, any case). */
  public static boolean requested(String prefer) {
    if (prefer == null) {
      return false;
    }
    for (String preference : prefer.split(",")) {
      String token = preference.split("[;=]", 2)[0].trim();
      if (token.equalsIgnoreCase("respond-async")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Checks, stores and queues a request for later; its audit sample, probe check and metrics come when it is scored
   * (the prediction pipeline, way in {@code async}).
   */
  public Response accept(String model, String reference, byte[] body, InferenceRequest request, HttpHeaders headers) {
    if (!request.binaryOutputs().isEmpty()) {
      throw PierException.badRequest("async predictions answer in JSON: drop 'binary_data' from the requested outputs");
    }
    String callback = callbackUrl(headers.getHeaderString(CALLBACK_HEADER));
    String key = idempotencyKey(headers.getHeaderString(IDEMPOTENCY_KEY));
    // the version is fixed now, by the pipeline's resolve stages (alias, canary, experiment arm by the unit), and
    // the stored request is scored with its number later
    PredictionCall resolving = new PredictionCall(WayIn.ASYNC, model, reference, caller.principalId(),
        caller.requestId(), caller.subject(), System.nanoTime(), Budget.WAIT).request(request)
        .attributes(headers.getHeaderString(dev.pier.api.inference.InferenceResource.ATTRIBUTES_HEADER));
    ModelVersion version = service.check(pipeline.resolve(resolving), request);
    String subject = caller.subject() != null ? caller.subject() : request.unit();
    String requestHash = PredictionSampler.sha256((model + "\n" + (reference == null ? "" : reference) + "\n"
        + (callback == null ? "" : callback) + "\n").getBytes(StandardCharsets.UTF_8)) + ":"
        + PredictionSampler.sha256(body);
    AsyncPredictions.Accepted accepted;
    try {
      accepted = predictions.submit(new AsyncSubmission(version.model(), version.version(), body, requestHash,
          key == null ? null : PredictionSampler.sha256((caller.principalId() + "\n" + key).getBytes(StandardCharsets.UTF_8)),
          subject == null ? null : security.subjects().of(subject), callback));
    } catch (AsyncQueue.QueueUnavailable e) {
      throw AsyncWiring.unavailable(e);
    }
    Response.ResponseBuilder out = Response.accepted(new Accepted(accepted.prediction().id(),
            accepted.prediction().state().name()))
        .type(MediaType.APPLICATION_JSON_TYPE)
        .location(URI.create("/api/v1/predictions/" + accepted.prediction().id()))
        .header("Preference-Applied", "respond-async");
    return resolving.experiment() == null ? out.build() : out.header(EXPERIMENT_HEADER, resolving.experiment()).build();
  }

  private static String idempotencyKey(String key) {
    if (key == null) {
      return null;
    }
    if (key.isBlank() || key.length() > MAX_KEY_LENGTH || !key.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
      throw PierException.badRequest(IDEMPOTENCY_KEY + " must be 1 to " + MAX_KEY_LENGTH
          + " visible ASCII characters");
    }
    return key;
  }

  private String callbackUrl(String url) {
    if (url == null) {
      return null;
    }
    URI uri = outbound.check(url, CALLBACK_HEADER); // https, no internal address; checked again at delivery
    if (!callbacks.enabled()) {
      throw PierException.badRequest(CALLBACK_HEADER + " cannot be honoured: this deployment has no callback signing"
          + " secret (pier.async.callback-secret)");
    }
    return uri.toString();
  }

  /** The 202's body: the prediction's id (also in {@code Location}) and its state, {@code QUEUED}. */
  public record Accepted(String id, String state) {}
}
