package dev.pier.batch;

/** The job cannot run as asked (unknown model, missing input, columns the model cannot take): not retried. */
public final class InvalidJobError extends BatchTaskError {
  public InvalidJobError(String cause) {
    super(cause);
  }
}
