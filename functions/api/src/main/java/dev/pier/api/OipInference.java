package dev.pier.api;

import dev.pier.kernel.PierException;
import dev.pier.security.privacy.MarkedValues;
import dev.pier.security.privacy.PiiFields;
import dev.pier.registry.ModelVersion;
import dev.pier.runtime.ConcurrencyLimits;
import dev.pier.runtime.InferenceRequest;
import dev.pier.runtime.InferenceResponse;
import dev.pier.runtime.PredictionService;
import dev.pier.runtime.oip.OipJson;
import jakarta.inject.Singleton;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * One Open Inference Protocol infer request from body to answer, for both HTTP front doors — the {@link InferRoute}
 * that takes small requests on the I/O thread and the {@link InferenceResource} that takes the rest: parse, resolve
 * the version, run it (with its PII-marked values masked in every log line meanwhile), sample it for the audit
 * trail, watch for probes, write the answer and record the request's metrics.
 */
@Singleton
public class OipInference {
  /** Bodies up to this size may be answered on the I/O thread; larger ones are parsed on a worker. */
  static final int INLINE_BODY_BYTES = 64 * 1024;

  private final PredictionService predictions;
  private final PredictionMetrics metrics;
  private final AuditTrail audit;
  private final ProbeDetector probes;
  private final long inlineMaxNanos;

  public OipInference(Platform platform, PredictionMetrics metrics, AuditTrail audit, ProbeDetector probes) {
    this.predictions = platform.predictions();
    this.metrics = metrics;
    this.audit = audit;
    this.probes = probes;
    this.inlineMaxNanos = platform.config().limits().inlineMaxMeanMicros() * 1000;
  }

  /** A written answer: its body, and the binary extension's JSON header length (-1 for a JSON-only body). */
  record Answer(byte[] body, int binaryHeaderLength) {}

  /** Whether small requests may be answered on the I/O thread at all ({@code pier.limits.inline-max-mean-micros}). */
  boolean inlineEnabled() {
    return inlineMaxNanos > 0;
  }

  /**
   * Parses a body ({@code jsonLength} >= 0: the binary extension, that many bytes of JSON first), taking the unit
   * from the {@code X-Pier-Unit} header when the body names none. A malformed body is recorded as a failed request.
   */
  InferenceRequest parse(String model, byte[] body, int jsonLength, String unit, long start) {
    try {
      InferenceRequest request = OipJson.parseRequest(body, jsonLength);
      return unit != null && request.unit() == null ? request.withUnit(unit) : request;
    } catch (PierException e) {
      metrics.prediction(model, null, e.status(), System.nanoTime() - start);
      throw e;
    }
  }

  /**
   * Whether the next prediction is drawn for the audit sample ({@code pier.audit.prediction-sample-rate}). Drawn
   * once per request, before serving, so the sampled few, whose audit entry may be written to S3, are served where
   * blocking is allowed.
   */
  boolean drawAudit() {
    return audit.draw();
  }

  /**
   * Answers a request not drawn for the audit sample, only if that cannot block ({@link PredictionService#inferNow}):
   * the version resolves from cache, is loaded and fast. Returns null, having recorded nothing, when it declines;
   * then {@link #serve} it on a thread that may block.
   */
  Answer serveNow(String model, String version, InferenceRequest request, byte[] body, int jsonLength, long start,
      Requester who) {
    return serve(model, version, request, body, jsonLength, start, who, true, false, null);
  }

  /**
   * Admits a request to {@code model}'s capacity before its body is parsed ({@link PredictionService#admit}): the
   * queue wait counts from {@code start}, the request's arrival, so one that waited for a worker thread under
   * overload is refused with 429 at once. A refusal is recorded as a failed request.
   */
  ConcurrencyLimits.Permit admit(String model, long start) {
    try {
      return predictions.admit(model, start);
    } catch (PierException e) {
      metrics.prediction(model, null, e.status(), System.nanoTime() - start);
      throw e;
    }
  }

  /**
   * Answers {@code request}, loading the model or waiting for capacity as needed: call it on a worker thread.
   *
   * @param audited whether {@link #drawAudit()} drew this request; its audit entry is then written before answering
   * @param admitted the permit {@link #admit} gave this request, or null to take one here, waiting at most until the
   *     queue wait after {@code start}
   */
  Answer serve(String model, String version, InferenceRequest request, byte[] body, int jsonLength, long start,
      Requester who, boolean audited, ConcurrencyLimits.Permit admitted) {
    return serve(model, version, request, body, jsonLength, start, who, false, audited, admitted);
  }

  private Answer serve(String model, String version, InferenceRequest request, byte[] body, int jsonLength, long start,
      Requester who, boolean now, boolean audited, ConcurrencyLimits.Permit admitted) {
    int status = 500;
    Integer answered = null;
    ConcurrencyLimits.Permit taken = null;
    try {
      if (!now && admitted == null) {
        taken = predictions.admit(model, start);
      }
      ConcurrencyLimits.Permit permit = admitted != null ? admitted : taken;
      ModelVersion target = now
          ? predictions.resolveCached(model, version, request.unit())
          : predictions.resolve(model, version, request.unit());
      if (target == null) {
        status = 0;
        return null;
      }
      PiiFields pii = PiiFields.from(target.metadata().properties());
      Supplier<InferenceResponse> run = now
          ? () -> predictions.inferNow(target, request, inlineMaxNanos)
          : () -> predictions.infer(target, request, permit);
      InferenceResponse response = pii.isEmpty() ? run.get()
          : MarkedValues.during(markedValues(pii, body, jsonLength), run);
      if (response == null) {
        status = 0;
        return null;
      }
      answered = response.modelVersion();
      status = 200;
      if (audited) {
        audit.prediction(who, response.modelName(), response.modelVersion(), body, request.unit(), pii);
      }
      if (probes.observe(who.principal(), response.modelName(), request.inputs())) {
        metrics.suspectedProbe(response.modelName());
      }
      if (!request.binaryOutputs().isEmpty()) {
        OipJson.BinaryBody binary = OipJson.writeBinaryResponse(response, request.binaryOutputs());
        return new Answer(binary.body(), binary.headerLength());
      }
      return new Answer(OipJson.writeResponse(response), -1);
    } catch (PierException e) {
      status = e.status();
      throw e;
    } finally {
      if (taken != null) {
        taken.close();
      }
      if (status != 0) {
        metrics.prediction(model, answered, status, System.nanoTime() - start);
      }
    }
  }

  /** The values of marked fields in the body's JSON (for the binary extension: its JSON header), to mask in logs. */
  private static List<String> markedValues(PiiFields pii, byte[] body, int jsonLength) {
    if (pii.isEmpty() || body == null) {
      return List.of();
    }
    try {
      byte[] json = jsonLength < 0 ? body : Arrays.copyOf(body, Math.min(jsonLength, body.length));
      return pii.values(OipJson.readTree(json));
    } catch (PierException e) {
      return List.of(); // malformed JSON was answered 400 by the parse already
    }
  }
}
