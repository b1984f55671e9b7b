package dev.pier.statemachines;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * An in-process stand-in for a Task state's {@code Resource} (a Lambda function, an SDK integration). It receives the
 * task's effective parameters and returns its result; throwing {@link StatesError} fails the task with that error,
 * any other exception with {@code States.TaskFailed}. Handlers run concurrently when a Map or Parallel calls them.
 */
@FunctionalInterface
public interface TaskHandler {
  JsonNode handle(JsonNode parameters, TaskContext context) throws Exception;

  /** What a handler may know of where it runs. */
  record TaskContext(String executionName, String stateName, int retryCount) {}
}
