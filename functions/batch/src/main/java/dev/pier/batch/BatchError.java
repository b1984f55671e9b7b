package dev.pier.batch;

/** A job that cannot run as asked (unknown model, missing input, unreadable header): it ends FAILED with this message. */
public final class BatchError extends RuntimeException {
  public BatchError(String message) {
    super(message);
  }
}
