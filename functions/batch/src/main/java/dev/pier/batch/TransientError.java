package dev.pier.batch;

/** S3, DynamoDB or the model store failed for a moment: the state machine retries the task with back-off. */
public final class TransientError extends BatchTaskError {
  public TransientError(String cause) {
    super(cause);
  }
}
