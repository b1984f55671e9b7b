package dev.pier.endpoints.deploy;

import dev.pier.kernel.PierException;
import java.util.List;

/**
 * How an endpoint moves to a new version: SageMaker's blue/green deployment guardrails. The new fleet is brought up
 * beside the old one and traffic shifts to it all at once, as a canary first, or in linear steps; if any of
 * {@code rollbackAlarms} (CloudWatch alarm names) fires during the shift or the bake time, SageMaker shifts traffic
 * back to the old fleet, which keeps serving meanwhile.
 *
 * @param mode {@code ALL_AT_ONCE}, {@code CANARY} or {@code LINEAR}
 * @param stepPercent the canary's, or each linear step's, share of the capacity (1-99; 0 for all at once)
 * @param waitSeconds time between shifting steps (canary → rest, linear step → next)
 * @param bakeSeconds how long the old fleet is kept after all traffic moved (SageMaker's termination wait)
 */
public record Rollout(Mode mode, int stepPercent, int waitSeconds, int bakeSeconds, List<String> rollbackAlarms) {
  public enum Mode { ALL_AT_ONCE, CANARY, LINEAR }

  public Rollout {
    if (mode == null) {
      throw PierException.badRequest("rollout.mode must be all_at_once, canary or linear");
    }
    if (mode != Mode.ALL_AT_ONCE && (stepPercent < 1 || stepPercent > 99)) {
      throw PierException.badRequest("rollout.step_percent must be between 1 and 99 for " + mode.name().toLowerCase()
          + ", got " + stepPercent);
    }
    if (waitSeconds < 0 || waitSeconds > 3600) {
      throw PierException.badRequest("rollout.wait_seconds must be between 0 and 3600, got " + waitSeconds);
    }
    if (bakeSeconds < 0 || bakeSeconds > 3600) {
      throw PierException.badRequest("rollout.bake_seconds must be between 0 and 3600, got " + bakeSeconds);
    }
    rollbackAlarms = List.copyOf(rollbackAlarms == null ? List.of() : rollbackAlarms);
    if (rollbackAlarms.size() > 10) {
      throw PierException.badRequest("rollout.rollback_alarms: SageMaker takes at most 10 alarms, got "
          + rollbackAlarms.size());
    }
  }

  /** A 10 % canary for 5 minutes, 10 minutes' bake, rolled back on {@code alarms}. */
  public static Rollout canary(List<String> alarms) {
    return new Rollout(Mode.CANARY, 10, 300, 600, alarms);
  }
}
