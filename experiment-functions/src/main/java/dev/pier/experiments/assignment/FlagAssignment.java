package dev.pier.experiments.assignment;

/**
 * The arm a unit is in for an experiment over a flag's variants: the experiment, the arm, and the variant that arm
 * serves (null for a unit a holdout keeps out: it gets the flag's own answer).
 */
public record FlagAssignment(String experiment, String arm, String variant) {

  public boolean heldOut() {
    return variant == null;
  }

  /** {@code <experiment id>=<arm>}, as {@code X-Pier-Experiment} says it for predictions. */
  public String header() {
    return experiment + "=" + arm;
  }
}
