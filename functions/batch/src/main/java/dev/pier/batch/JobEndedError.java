package dev.pier.batch;

/** The job ended (cancelled, or finished by another execution) while this task was due: nothing left to do. */
public final class JobEndedError extends BatchTaskError {
  public JobEndedError(String cause) {
    super(cause);
  }
}
