package dev.pier.runtime.prediction;

import dev.pier.kernel.PierException;
import dev.pier.security.privacy.PiiFields;
import dev.pier.kernel.security.Credentials;
import dev.pier.registry.ModelVersion;
import dev.pier.runtime.Budget;
import dev.pier.runtime.ConcurrencyLimits;
import dev.pier.runtime.InferenceRequest;
import dev.pier.runtime.InferenceResponse;
import dev.pier.runtime.oip.OipJson;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * One prediction on its way through the {@link PredictionPipeline}: what its way in decoded (model, version
 * reference, caller, inputs, requested outputs and parameters, request id, arrival and budget) and what the stages
 * learn about it (the version, its answer, the concurrency permit it holds, its outcome).
 *
 * <p>Not thread-safe, and needs not be: a call is on one thread at a time (the I/O thread, then perhaps a worker that
 * resumes it). One object per request and no per-stage allocation: the REST hot path answers a single-row request in
 * about 25 µs of server CPU ({@code ./pier bench http}), so the call replaces the records and closures each layer
 * used to allocate.
 */
public final class PredictionCall {
  /** {@link #body(byte[], int)}'s JSON length for a body that is not JSON (a protobuf message). */
  public static final int OPAQUE = -2;

  private final WayIn wayIn;
  private final String model;
  private final String reference;
  private final long arrivalNanos;
  private Budget budget;
  private final String requestId;
  private final String subject;
  private String principal;
  private Credentials credentials;
  private Map<String, ?> gatewayClaims;
  private String source;
  private String unit;
  private String attributes;
  private InferenceRequest request;
  private List<Map<String, Object>> instances;
  private String explain;
  private String featuresAsOf;
  private byte[] body;
  private int jsonLength = -1;

  private ModelVersion version;
  private String experiment;
  private PiiFields pii;
  private List<String> markedValues;
  private ConcurrencyLimits.Permit permit;
  private InferenceResponse response;
  private Object cacheKey;
  private boolean auditDrawn;
  private boolean audited;
  private int next;
  private int status;
  private RuntimeException failure;

  /**
   * @param reference a version number, an alias, or null for alias {@code production}
   * @param principal who called when the way in authenticated them already; null leaves it to {@link Slot#ADMIT}
   * @param requestId the id answered in {@code X-Request-Id}; may be null
   * @param subject the data subject ({@code X-Pier-Subject}); may be null
   * @param arrivalNanos when the request arrived ({@link System#nanoTime()}): queue waits and latency count from it
   */
  public PredictionCall(WayIn wayIn, String model, String reference, String principal, String requestId,
      String subject, long arrivalNanos, Budget budget) {
    this.wayIn = wayIn;
    this.model = model;
    this.reference = reference;
    this.principal = principal;
    this.requestId = requestId;
    this.subject = subject;
    this.arrivalNanos = arrivalNanos;
    this.budget = budget;
  }

  /**
   * A call that may block, made by the system itself for work whose caller was checked already (a batch job's rows,
   * tests, benchmarks, an in-process host): principal {@code system}.
   */
  public static PredictionCall of(WayIn wayIn, String model, String reference, InferenceRequest request) {
    return new PredictionCall(wayIn, model, reference, SYSTEM, null, null, System.nanoTime(), Budget.WAIT)
        .request(request);
  }

  /** The principal of work the system does for a caller checked earlier (async scoring, batch jobs). */
  public static final String SYSTEM = "system";

  // ---- what the way in decodes

  /** The decoded tensors and parameters; may be set after {@link PredictionPipeline#admit} (large bodies). */
  public PredictionCall request(InferenceRequest request) {
    this.request = request;
    return this;
  }

  /** Named-feature rows ({@code /predict}): {@link Slot#FEATURES} turns them into the request's input tensor. */
  public PredictionCall instances(List<Map<String, Object>> instances) {
    this.instances = instances;
    return this;
  }

  /** {@code shap} or {@code lime} to explain the instances' answers ({@code /predict}'s {@code parameters.explain}). */
  public PredictionCall explain(String explain) {
    this.explain = explain;
    return this;
  }

  /**
   * Looks the instances' features up as of each instance's value in this field (an event timestamp), from the
   * offline store, instead of the online store's current values (batch jobs with {@code "point_in_time": true}).
   */
  public PredictionCall featuresAsOf(String timestampField) {
    this.featuresAsOf = timestampField;
    return this;
  }

  /**
   * The bytes the caller sent: the audit sample hashes them and PII-marked values are read from their JSON.
   *
   * @param jsonLength -1: all JSON; n >= 0: the binary extension, n bytes of JSON first; {@link #OPAQUE}: not JSON
   */
  public PredictionCall body(byte[] body, int jsonLength) {
    this.body = body;
    this.jsonLength = jsonLength;
    return this;
  }

  /** The canary unit when the request itself names none (REST's {@code X-Pier-Unit}). */
  public PredictionCall unit(String unit) {
    this.unit = unit;
    return this;
  }

  /**
   * The unit's targeting attributes as the way in got them (REST's {@code X-Pier-Attributes}, a JSON object), unparsed:
   * only a stage that needs them (an experiment with targeting) parses them.
   */
  public PredictionCall attributes(String attributes) {
    this.attributes = attributes;
    return this;
  }

  /** The unparsed targeting attributes (a JSON object), or null. */
  public String attributes() {
    return attributes;
  }

  /** Credentials to check in {@link Slot#ADMIT}, for ways in that have not authenticated the caller themselves. */
  public PredictionCall credentials(Credentials credentials, Map<String, ?> gatewayClaims, String source) {
    this.credentials = credentials;
    this.gatewayClaims = gatewayClaims;
    this.source = source;
    return this;
  }

  /** Continues with another budget: a call declined without one resumes on a thread that may block. */
  public PredictionCall budget(Budget budget) {
    this.budget = budget;
    return this;
  }

  public WayIn wayIn() {
    return wayIn;
  }

  public String model() {
    return model;
  }

  public String reference() {
    return reference;
  }

  public long arrivalNanos() {
    return arrivalNanos;
  }

  public Budget budget() {
    return budget;
  }

  public String requestId() {
    return requestId;
  }

  public String subject() {
    return subject;
  }

  /** Who called; null until admitted. */
  public String principal() {
    return principal;
  }

  public Credentials credentials() {
    return credentials;
  }

  public Map<String, ?> gatewayClaims() {
    return gatewayClaims;
  }

  public String source() {
    return source;
  }

  /** The canary unit: the request's {@code parameters.unit}, else the way in's. */
  public String unit() {
    return request != null && request.unit() != null ? request.unit() : unit;
  }

  public InferenceRequest request() {
    return request;
  }

  public List<Map<String, Object>> instances() {
    return instances;
  }

  /** The explanation method asked for the instances; null for none. */
  public String explain() {
    return explain;
  }

  /** The field holding each instance's event timestamp for a point-in-time feature lookup; null: online values. */
  public String featuresAsOf() {
    return featuresAsOf;
  }

  public byte[] body() {
    return body;
  }

  public int jsonLength() {
    return jsonLength;
  }

  /** The caller's input as the audit trail hashes it: the bytes sent, else the request as OIP JSON. */
  public byte[] auditInput() {
    return body != null ? body : OipJson.writeRequest(request);
  }

  /** The caller's input as JSON the audit trail may keep (masked): the body when it is JSON, else OIP JSON. */
  public byte[] inputJson() {
    return body != null && jsonLength != OPAQUE ? body : OipJson.writeRequest(request);
  }

  // ---- what the stages learn

  public void admitted(String principal) {
    this.principal = principal;
  }

  public ModelVersion version() {
    return version;
  }

  public void version(ModelVersion version) {
    this.version = version;
    this.pii = null;
    this.markedValues = null;
  }

  /**
   * The experiment and arm whose version answers, as {@code <experiment id>=<arm>} (the value of
   * {@code X-Pier-Experiment}); null when no experiment assigned this call.
   */
  public String experiment() {
    return experiment;
  }

  /** Set in {@link Slot#RESOLVE} by experiment assignment, with the arm's {@link #version(ModelVersion) version}. */
  public void experiment(String experimentArm) {
    this.experiment = experimentArm;
  }

  /** The answering version's PII-marked input fields. */
  public PiiFields pii() {
    if (pii == null) {
      pii = version == null ? PiiFields.NONE : PiiFields.from(version.metadata().properties());
    }
    return pii;
  }

  /** The values of the PII-marked fields in the caller's input, masked in every log line while the model runs. */
  public List<String> markedValues() {
    if (markedValues == null) {
      markedValues = pii().isEmpty() ? List.of() : readMarkedValues();
    }
    return markedValues;
  }

  private List<String> readMarkedValues() {
    try {
      byte[] json = body == null || jsonLength == OPAQUE ? OipJson.writeRequest(request)
          : jsonLength < 0 ? body : Arrays.copyOf(body, Math.min(jsonLength, body.length));
      return pii().values(OipJson.readTree(json));
    } catch (PierException e) {
      return List.of(); // malformed JSON was answered 400 by the way in's parse already
    }
  }

  /** Holds {@code permit} until the model's work is done ({@link #releasePermit}). */
  public void permit(ConcurrencyLimits.Permit permit) {
    this.permit = permit;
  }

  /** Releases the concurrency permit, if the call holds one; idempotent, so never released twice. */
  public void releasePermit() {
    ConcurrencyLimits.Permit held = permit;
    if (held != null) {
      permit = null;
      held.close();
    }
  }

  public boolean holdsPermit() {
    return permit != null;
  }

  public InferenceResponse response() {
    return response;
  }

  public void response(InferenceResponse response) {
    this.response = response;
  }

  /** The response cache's key for this call when it missed (kept after a good answer); null otherwise. */
  public Object cacheKey() {
    return cacheKey;
  }

  public void cacheKey(Object key) {
    this.cacheKey = key;
  }

  /** Whether the audit sample's draw was made for this call (once: a call resumed elsewhere keeps its draw). */
  public boolean auditDrawn() {
    return auditDrawn;
  }

  /** Whether the call was drawn for the audit sample. */
  public boolean audited() {
    return audited;
  }

  public void audited(boolean drawn) {
    this.audited = drawn;
    this.auditDrawn = true;
  }

  // ---- the pipeline's bookkeeping

  int next() {
    return next;
  }

  void next(int stage) {
    this.next = stage;
  }

  /** The outcome once ended: 200 answered, else the failure's status; 0 while under way. */
  public int status() {
    return status;
  }

  /** The failure that ended the call, or null. */
  public RuntimeException failure() {
    return failure;
  }

  void ended(int status, RuntimeException failure) {
    this.status = status;
    this.failure = failure;
  }
}
