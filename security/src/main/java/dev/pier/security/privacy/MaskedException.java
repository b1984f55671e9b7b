package dev.pier.security.privacy;

import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Stands in for an exception whose message held personal data: its message names the original class and carries
 * the masked message, its stack trace is the original's. Used by the log filter and by {@link MarkedValues}.
 */
public final class MaskedException extends RuntimeException {
  private static final int MAX_DEPTH = 10;

  private MaskedException(String message, Throwable cause) {
    super(message, cause, false, true);
  }

  /** The same chain with every message passed through {@code mask}, or {@code t} itself when none changed. */
  public static Throwable chain(Throwable t, UnaryOperator<String> mask) {
    return chain(t, mask, 0);
  }

  private static Throwable chain(Throwable t, UnaryOperator<String> mask, int depth) {
    if (t == null || depth > MAX_DEPTH) {
      return t;
    }
    Throwable cause = chain(t.getCause(), mask, depth + 1);
    String message = t.getMessage();
    String masked = mask.apply(message);
    if (cause == t.getCause() && Objects.equals(message, masked)) {
      return t;
    }
    Throwable copy = new MaskedException(t.getClass().getName() + (masked == null ? "" : ": " + masked), cause);
    copy.setStackTrace(t.getStackTrace());
    return copy;
  }

  @Override
  public String toString() {
    return getMessage();
  }
}
