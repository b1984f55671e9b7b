package dev.pier.features;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * Event and created timestamps as Feast users send them: ISO-8601 with an offset ({@code 2026-12-01T10:00:00Z}),
 * without one ({@code 2026-12-01 10:00:00}, taken as UTC, as pandas does), a date, or epoch seconds as a number.
 * Kept to the microsecond, DuckDB's and Parquet's precision.
 */
public final class Timestamps {
  private Timestamps() {}

  /** The instant a JSON value names; {@link IllegalArgumentException} naming the value when it names none. */
  public static Instant parse(JsonNode n) {
    if (n.isNumber()) {
      double seconds = n.doubleValue();
      long whole = (long) Math.floor(seconds);
      return Instant.ofEpochSecond(whole, Math.round((seconds - whole) * 1_000_000) * 1000L);
    }
    if (n.isTextual()) {
      return parse(n.textValue());
    }
    throw new IllegalArgumentException("expected a timestamp (ISO-8601 text or epoch seconds), got " + Dtype.describe(n));
  }

  public static Instant parse(String text) {
    String t = text.strip();
    try {
      return truncate(OffsetDateTime.parse(t.replace(' ', 'T')).toInstant());
    } catch (DateTimeParseException e) {
      // no offset: UTC
    }
    try {
      return truncate(LocalDateTime.parse(t.replace(' ', 'T')).toInstant(ZoneOffset.UTC));
    } catch (DateTimeParseException e) {
      // a date alone
    }
    try {
      return LocalDate.parse(t).atStartOfDay(ZoneOffset.UTC).toInstant();
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("'" + text + "' is not a timestamp (ISO-8601, e.g. 2026-12-01T10:00:00Z)");
    }
  }

  public static long micros(Instant t) {
    return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1000);
  }

  public static Instant fromMicros(long micros) {
    return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L);
  }

  private static Instant truncate(Instant t) {
    return t.truncatedTo(java.time.temporal.ChronoUnit.MICROS);
  }
}
