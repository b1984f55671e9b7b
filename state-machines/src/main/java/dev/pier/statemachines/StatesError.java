package dev.pier.statemachines;

/**
 * A named ASL error: what a Task handler throws to fail with a specific {@code Error} (matched by Retry and Catch
 * {@code ErrorEquals}), and what a failed execution ends with. Any other exception a handler throws fails the task
 * with {@code States.TaskFailed}.
 *
 * <p>Errors a Lambda function raises are named differently: Lambda's Java runtime reports an uncaught exception with
 * {@code errorType} = its class's name, and {@code lambda:invoke} turns that into the error name. A handler that also
 * runs as a Lambda function therefore throws subclasses made with {@link #StatesError(String)}, whose error name is
 * their class name, so the local runner and Step Functions match the same {@code ErrorEquals}.
 */
public class StatesError extends RuntimeException {
  public static final String ALL = "States.ALL";
  public static final String TASK_FAILED = "States.TaskFailed";
  public static final String RUNTIME = "States.Runtime";
  public static final String TIMEOUT = "States.Timeout";
  public static final String INTRINSIC_FAILURE = "States.IntrinsicFailure";
  public static final String NO_CHOICE_MATCHED = "States.NoChoiceMatched";
  public static final String ITEM_READER_FAILED = "States.ItemReaderFailed";
  public static final String RESULT_WRITER_FAILED = "States.ResultWriterFailed";
  public static final String EXCEED_TOLERATED_FAILURE_THRESHOLD = "States.ExceedToleratedFailureThreshold";
  public static final String BRANCH_FAILED = "States.BranchFailed";

  private final String error;

  public StatesError(String error, String cause) {
    super(cause);
    this.error = error;
  }

  /** An error named after its own class ({@code getClass().getName()}), as a Java Lambda function reports it. */
  protected StatesError(String cause) {
    super(cause);
    this.error = getClass().getName();
  }

  public StatesError(String error, String cause, Throwable source) {
    super(cause, source);
    this.error = error;
  }

  /** The ASL error name, e.g. {@code States.TaskFailed} or {@code Pier.Transient}. */
  public String error() {
    return error;
  }

  /** The human-readable cause. */
  public String cause() {
    return getMessage() == null ? "" : getMessage();
  }

  /** Whether a Retrier or Catcher listing {@code names} handles this error. */
  boolean matches(Iterable<String> names) {
    boolean terminal = error.equals(RUNTIME) || error.equals("States.DataLimitExceeded");
    for (String name : names) {
      if (name.equals(error)) {
        return true;
      }
      // The wildcards never match the terminal errors; States.TaskFailed matches every other error but timeouts.
      if (!terminal && (name.equals(ALL) || (name.equals(TASK_FAILED) && !error.equals(TIMEOUT)))) {
        return true;
      }
    }
    return false;
  }
}
