package dev.pier.runtime.prediction;

/**
 * One step of the {@link PredictionPipeline}, with one job. Stages hold no per-call state of their own: what a call
 * learns on the way (its version, its answer, its permit) lives in the {@link PredictionCall}.
 *
 * <p>A stage must not block when the call's {@link PredictionCall#budget() budget} says it may not: it returns false
 * instead, having kept nothing, and the call resumes at this same stage on a thread that may block. Stages before it
 * are not run again — except, for a call that held a concurrency permit, the stages from {@link Slot#CAPACITY} on,
 * which must therefore pass at once for what they did already (a version resolved, a cache looked up).
 */
public interface Stage {
  /**
   * Does this stage's job on {@code call}.
   *
   * @return true to go on; false only to decline a call whose budget may not block
   * @throws dev.pier.kernel.PierException to fail the call with that status
   */
  boolean apply(PredictionCall call);

  /**
   * Runs once for every stage of the pipeline when the call ends, answered or failed (see
   * {@link PredictionCall#status()}), in pipeline order, including stages the call never reached: for what must be
   * recorded for every call (metrics) or kept after a good answer (the response cache). Must not throw.
   */
  default void end(PredictionCall call) {}
}
