package dev.pier.training.jobs;

import dev.pier.kernel.PierException;
import java.util.Locale;

/** A job's lane in the training queue: each lane has its own slots, so a high-priority job never waits behind low ones. */
public enum Priority {
  HIGH, NORMAL, LOW;

  public static Priority parse(String s) {
    if (s == null || s.isBlank()) {
      return NORMAL;
    }
    try {
      return valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw PierException.badRequest("priority must be high, normal or low, not '" + s + "'");
    }
  }

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }
}
