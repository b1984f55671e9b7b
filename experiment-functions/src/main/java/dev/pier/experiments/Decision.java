package dev.pier.experiments;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * One automatic analysis's verdict on a running experiment, recorded with the results it was made on: the
 * {@code action}, the arm (and version) it concerns, why, and whether it was applied ({@code note} says why not, e.g.
 * a winner waiting for approval).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Decision(Action action, String arm, Integer version, String reason, String at, boolean applied,
                       String note) {

  public enum Action {
    /** Nothing to do yet. */
    CONTINUE,
    /** Sample ratio mismatch: the results are not trusted, so nothing automatic happens. */
    HOLD,
    /** A guardrail is breached: stop and return the alias to control. */
    STOP_GUARDRAIL,
    /** A winner: move the alias to its version and stop. */
    PROMOTE,
    /** The designed sample is reached without a winner (or control is better): stop, keep control. */
    STOP_NO_WINNER
  }

  Decision applied(boolean applied, String note, String at) {
    return new Decision(action, arm, version, reason, at, applied, note);
  }
}
