package dev.pier.registry;

import dev.pier.kernel.PierException;
import java.util.regex.Pattern;

/** The registry's naming rules for models and aliases, and how a version reference is read. */
public final class Names {
  private static final Pattern MODEL_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  private static final Pattern ALIAS_NAME = Pattern.compile("[a-z][a-z0-9_-]{0,62}");

  private Names() {}

  /** 400 unless {@code model} is 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit. */
  public static void checkModel(String model) {
    if (model == null || !MODEL_NAME.matcher(model).matches()) {
      throw PierException.badRequest("invalid model name '" + model
          + "': use 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit");
    }
  }

  /** 400 unless {@code alias} is 1-63 lower-case letters, digits, '_' or '-', starting with a letter. */
  public static void checkAlias(String alias) {
    if (alias == null || !ALIAS_NAME.matcher(alias).matches()) {
      throw PierException.badRequest("invalid alias '" + alias
          + "': use 1-63 lower-case letters, digits, '_' or '-', starting with a letter");
    }
  }

  /** A version number as an API parameter names it: 400 unless it is a positive integer. */
  public static int versionParam(String version) {
    Integer n = versionNumber(version);
    if (n == null || n < 1) {
      throw PierException.badRequest("version must be a positive integer string, got '" + version + "'");
    }
    return n;
  }

  /**
   * A reference made only of digits is a version number; anything else names an alias (null). Numbers too large for
   * an int map to {@link Integer#MAX_VALUE}, which no model reaches, so they read as "no such version".
   */
  public static Integer versionNumber(String reference) {
    int n = versionNumberOf(reference);
    return n < 0 ? null : n;
  }

  /**
   * {@link #versionNumber} without boxing or a stream: the version number, or -1 when {@code reference} names an
   * alias (not only digits). The serving path resolves a reference per request, so this allocates nothing.
   */
  public static int versionNumberOf(String reference) {
    int length = reference.length();
    if (length == 0) {
      return -1;
    }
    long n = 0;
    for (int i = 0; i < length; i++) {
      char c = reference.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      if (n <= Integer.MAX_VALUE) {
        n = n * 10 + (c - '0');
      }
    }
    return (int) Math.min(n, Integer.MAX_VALUE);
  }
}
