package dev.pier.batch;

import dev.pier.statemachines.StatesError;

/**
 * How a batch worker task fails, as the batch-scoring state machine's Retry and Catch name it. Each kind's ASL error
 * name is its class name ({@code dev.pier.batch.TransientError}, …): exactly the {@code errorType} Lambda's Java
 * runtime reports when the worker function throws it, and what the local ASL runner matches too.
 */
public abstract sealed class BatchTaskError extends StatesError
    permits TransientError, InvalidJobError, JobEndedError, IncompleteJobError {
  BatchTaskError(String cause) {
    super(cause);
  }
}
