package dev.pier.experiments;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * A holdout group: the {@code share} of units kept out of every experiment — on every model ({@code model} null, the
 * global holdout) or on one model — and served the alias's own version, the baseline. A unit is held out when its
 * {@link dev.pier.experiments.assignment.UnitHash#position position} under the holdout's own {@code seed} is below
 * {@code share}: deterministic, and independent of every experiment's seed. {@code revision} increases with each
 * change (the seed never changes, so a unit stays held out while the share does not shrink).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Holdout(String model, double share, String seed, long revision, String updatedAt) {

  /** The arm name under which a held-out unit's exposure is logged to the experiment it was kept out of. */
  public static final String ARM = "holdout";

  /** {@code global} or {@code model:<name>}. */
  public String scope() {
    return model == null ? "global" : "model:" + model;
  }
}
