package dev.pier.monitoring.tasks;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The tasks of the {@code monitor-runs} state machine, as its {@code lambda:invoke} states send them: a
 * {@code Payload} naming the task in {@code "monitoring"}. The Java 21 face of the monitors module (Java 25), so the
 * api zip's Lambda entry point can hand such payloads on without compiling against it; the monitors module's
 * {@code MonitorWorker} implements it. Absent from a build without that module.
 *
 * <ul>
 *   <li>{@code {"monitoring": "scheduled"}} → {@code {"monitors": ["<id>", …]}}: the monitors that have a schedule;
 *   <li>{@code {"monitoring": "run-due", "monitor_id": "<id>", "at": "<ISO-8601>"}} → {@code {"monitor_id", "runs":
 *       [{"run_id", "window_end", "rows", "dataset_drift", "alerts"}, …]}}: the monitor's scheduled windows that ended
 *       by {@code at} and have not run, run oldest first (a retried task with the same {@code at} runs none twice).
 * </ul>
 */
@FunctionalInterface
public interface MonitoringTasks {
  /** The payload's field that names the task; the Lambda entry point tells these payloads by it. */
  String FIELD = "monitoring";

  /**
   * Runs the task and answers its result.
   *
   * @throws IllegalArgumentException naming the problem, for a payload that names no known task or lacks a field
   */
  JsonNode handle(JsonNode payload);
}
