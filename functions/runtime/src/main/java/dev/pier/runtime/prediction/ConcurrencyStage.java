package dev.pier.runtime.prediction;

import dev.pier.runtime.ConcurrencyLimits;

/**
 * {@link Slot#CAPACITY}: a share of the model's capacity ({@link ConcurrencyLimits}), waited for at most the queue wait
 * counted from the call's arrival, 429 beyond it; without a budget to wait, declines when none is free at once. The
 * permit covers the model's work only: the pipeline releases it once {@link Slot#EXPLAIN} is done.
 */
public final class ConcurrencyStage implements Stage {
  private final ConcurrencyLimits limits;

  public ConcurrencyStage(ConcurrencyLimits limits) {
    this.limits = limits;
  }

  @Override
  public boolean apply(PredictionCall call) {
    if (call.holdsPermit()) {
      return true;
    }
    ConcurrencyLimits.Permit permit = limits.admit(call.model(), call.arrivalNanos(), call.budget());
    if (permit == null) {
      return false;
    }
    call.permit(permit);
    return true;
  }
}
