package dev.pier.experiments.assignment;

/**
 * The arm a request's unit is in: the experiment, the arm and the model version that arm serves. The response says
 * so with {@link #header()} in {@code X-Pier-Experiment} and the version in {@code model_version}.
 */
public record Assignment(String experiment, String arm, int version) {

  /** {@code <experiment id>=<arm>}, the value of {@code X-Pier-Experiment}. */
  public String header() {
    return experiment + "=" + arm;
  }
}
