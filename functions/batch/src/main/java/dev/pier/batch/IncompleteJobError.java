package dev.pier.batch;

/** Results were asked for before every row of the job was scored or failed. */
public final class IncompleteJobError extends BatchTaskError {
  public IncompleteJobError(String cause) {
    super(cause);
  }
}
