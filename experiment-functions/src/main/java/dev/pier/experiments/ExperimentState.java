package dev.pier.experiments;

/** An experiment's life: designed, running (assigning and counting), paused (assignment off, data kept), stopped. */
public enum ExperimentState {
  DRAFT, RUNNING, PAUSED, STOPPED
}
