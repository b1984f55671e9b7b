package dev.pier.security.privacy;

import dev.pier.kernel.PierException;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;

/**
 * The values of PII-marked fields of the request the current thread is serving, so the log filter can mask them in
 * any line written meanwhile (an exception that quotes the input, a debug dump). Values detection would miss — a
 * plain name — are caught this way. Run the request's work with {@link #during}: an exception leaving it is scrubbed
 * of the values too, since it may be logged (a 5xx) after the values are released.
 *
 * <p>Only values of at least {@value #MIN_LENGTH} characters are held: masking every "1" or "a" in a log line would
 * hide the line, not the person.
 */
public final class MarkedValues {
  static final int MIN_LENGTH = 3;
  private static final ThreadLocal<List<String>> CURRENT = new ThreadLocal<>();

  private MarkedValues() {}

  /** Holds {@code values} for this thread until the returned scope closes (restoring what was held before). */
  public static Scope hold(Collection<String> values) {
    List<String> previous = CURRENT.get();
    List<String> held = values.stream().filter(v -> v != null && v.length() >= MIN_LENGTH)
        .sorted((a, b) -> b.length() - a.length()).distinct().toList();
    if (held.isEmpty()) {
      return () -> {};
    }
    CURRENT.set(held);
    return () -> {
      if (previous == null) {
        CURRENT.remove();
      } else {
        CURRENT.set(previous);
      }
    };
  }

  /** {@code text} with every held value replaced by {@link PiiFields#TAG}; unchanged when nothing is held. */
  public static String mask(String text) {
    List<String> held = CURRENT.get();
    if (held == null || text == null) {
      return text;
    }
    String s = text;
    for (String value : held) {
      s = s.replace(value, PiiFields.TAG);
    }
    return s;
  }

  /**
   * Runs {@code work} with {@code values} held; a runtime exception it throws leaves with every held value masked in
   * the messages of its chain (a {@link PierException} keeps its status).
   */
  public static <T> T during(Collection<String> values, Supplier<T> work) {
    try (Scope held = hold(values)) {
      try {
        return work.get();
      } catch (RuntimeException e) {
        throw scrub(e);
      }
    }
  }

  /** {@code e} itself when no message in its chain holds a held value; otherwise a copy with them masked. */
  static RuntimeException scrub(RuntimeException e) {
    Throwable masked = MaskedException.chain(e, MarkedValues::mask);
    if (masked == e) {
      return e;
    }
    RuntimeException copy = e instanceof PierException p
        ? new PierException(p.status(), mask(p.getMessage()), masked.getCause())
        : (RuntimeException) masked;
    copy.setStackTrace(e.getStackTrace());
    return copy;
  }

  /** A held set of values; closing releases it. */
  public interface Scope extends AutoCloseable {
    @Override
    void close();
  }
}
