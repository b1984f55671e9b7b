package dev.pier.experiments.assignment;

/**
 * The arm a request's unit is in: the experiment, the arm and the model version that arm serves. The response says
 * so with {@link #header()} in {@code X-Pier-Experiment} and the version in {@code model_version}.
 */
public record Assignment(String experiment, String arm, int version) {

  /** The version of a held-out unit: none of the arms', the alias's own (the baseline). */
  public static final int BASELINE = 0;

  /** Whether a holdout keeps this unit out of the experiment (it is served the alias's own version). */
  public boolean heldOut() {
    return version == BASELINE;
  }

  /** {@code <experiment id>=<arm>}, the value of {@code X-Pier-Experiment}. */
  public String header() {
    return experiment + "=" + arm;
  }
}
