package dev.pier.runtime.prediction;

/**
 * The places of the prediction pipeline, in the order a call passes them. Each {@link Stage} is placed in one slot;
 * several stages in one slot run in the order they were added. A later feature adds its stage to its slot in one
 * place ({@link PredictionPipeline.Builder#add}) and every way in has it:
 *
 * <ul>
 *   <li>{@link #FEATURES} — online feature lookup joins here, next to the feature pipeline of {@code /predict};
 *   <li>{@link #RESOLVE} — experiment assignment (which arm answers) picks the version here, after alias and canary;
 *   <li>{@link #CAPTURE} — monitoring's capture of inputs and outputs goes here, after the answer is known.
 * </ul>
 *
 * The per-model concurrency permit taken in {@link #CAPACITY} covers the model's work, up to and including
 * {@link #EXPLAIN}, and is released before {@link #CAPTURE}, so that writing captures and audit samples never holds a
 * model's capacity.
 */
public enum Slot {
  /** Who may call: authentication, authorization, the caller's rate limit. */
  ADMIT,
  /** A share of the model's capacity on this server (per-model concurrency, 429 beyond the queue wait). */
  CAPACITY,
  /** The version that answers: a number, an alias, a canary by the call's unit. */
  RESOLVE,
  /** Turns named features into the model's input tensors (the version's feature pipeline). */
  FEATURES,
  /** The inputs against the version's registered signature. */
  VALIDATE,
  /** What the version's placement allows (an endpoint cannot explain; an endpoint needs a runtime client). */
  LIMITS,
  /** An earlier equal request's answer, for versions that cache responses. */
  RESPONSE_CACHE,
  /** The model runs: in this process, or on its endpoint. */
  ENGINE,
  /** Explanation outputs ({@code parameters.explain}). */
  EXPLAIN,
  /** Prediction capture for monitoring, for versions with capture on (the server's capture stage). */
  CAPTURE,
  /** The audit trail's sample of predictions. */
  AUDIT,
  /** Suspected model-extraction probes. */
  PROBES,
  /** Per-call latency and count by model, version, status and way in. */
  METRICS
}
