package dev.pier.runtime;

import java.util.regex.Pattern;

/**
 * What a client may read of a native engine's error: its first line (native libraries append stack traces and
 * build paths), with server file paths — the temporary file an upload was staged in, the model cache — replaced by
 * {@code <path>}. Engines build every message they throw from a native failure with {@link #of}, so a server path
 * never reaches an error body; the full text stays in the exception's cause for the server log.
 */
public final class EngineMessage {
  /**
   * A path of three or more segments, absolute ({@code /tmp/x/y}) or relative to the working directory
   * ({@code target/data/x}), not part of a longer token (so {@code 1/2} or a URL's path is kept).
   */
  private static final Pattern SERVER_PATH =
      Pattern.compile("(?<![\\w.:/-])(?:[\\w.-]+)?(?:/[^\\s/'\"(),;:\\[\\]]+){2,}/?");

  private EngineMessage() {}

  public static String of(Throwable e) {
    String m = String.valueOf(e.getMessage()).strip();
    int nl = m.indexOf('\n');
    return withoutPaths(nl < 0 ? m : m.substring(0, nl));
  }

  static String withoutPaths(String message) {
    return SERVER_PATH.matcher(message).replaceAll("<path>");
  }
}
