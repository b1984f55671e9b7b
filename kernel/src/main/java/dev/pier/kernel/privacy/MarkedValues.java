package dev.pier.kernel.privacy;

import java.util.Collection;
import java.util.List;

/**
 * The values of PII-marked fields of the request the current thread is serving, so the log filter can mask them in
 * any line written meanwhile (an exception that quotes the input, a debug dump). Values detection would miss — a
 * plain name — are caught this way. Open with {@link #hold} in a try-with-resources around the request's work.
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

  /** A held set of values; closing releases it. */
  public interface Scope extends AutoCloseable {
    @Override
    void close();
  }
}
