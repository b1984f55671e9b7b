package dev.pier.batch;

import dev.pier.kernel.PierException;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Locale;
import java.util.TimeZone;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.quartz.CronExpression;

/**
 * When a batch schedule runs, in EventBridge Scheduler's syntax and semantics (UTC): {@code rate(5 minutes)} or
 * {@code cron(minutes hours day-of-month month day-of-week year)}. What this accepts, EventBridge Scheduler accepts;
 * a bad expression is a 400 naming what is wrong.
 *
 * <p>Cron fields are evaluated by Quartz's {@link CronExpression} with a seconds field of 0 prepended: Quartz's
 * seven-field syntax is AWS's six plus seconds, with the same meanings of {@code ?} (no specific value), {@code L}
 * (last day of month / last given weekday), {@code W} (nearest weekday), {@code #} (nth weekday of the month) and
 * day-of-week numbering (1 = SUN … 7 = SAT). AWS's narrower rules are checked first: exactly six fields, the
 * wildcards each field allows, exactly one of day-of-month and day-of-week is {@code ?}, one {@code #} expression at
 * most, years 1970-2199.
 */
public sealed interface ScheduleExpression {

  /** The expression as written ({@code rate(…)} or {@code cron(…)}). */
  String text();

  /** The first fire time strictly after {@code after}; null when there is none (a cron whose years have passed). */
  Instant next(Instant after);

  /**
   * {@code rate(value unit)}: every {@code value} minutes, hours or days from the schedule's creation (the first run
   * is one period after it).
   */
  record Rate(String text, Duration period, Instant origin) implements ScheduleExpression {
    @Override
    public Instant next(Instant after) {
      if (after.isBefore(origin)) {
        return origin.plus(period);
      }
      long periods = Duration.between(origin, after).toMillis() / period.toMillis() + 1;
      return origin.plus(period.multipliedBy(periods));
    }
  }

  /** {@code cron(…)}: wall-clock times in UTC. */
  record Cron(String text, CronExpression quartz) implements ScheduleExpression {
    @Override
    public Instant next(Instant after) {
      Date next = quartz.getNextValidTimeAfter(Date.from(after));
      return next == null ? null : next.toInstant();
    }
  }

  Pattern RATE = Pattern.compile("rate\\((\\d+) (minute|minutes|hour|hours|day|days)\\)");
  Pattern CRON = Pattern.compile("cron\\((.*)\\)");
  /** Characters each AWS cron field may hold (digits, names, wildcards). */
  Pattern[] FIELDS = {
      Pattern.compile("[0-9,*/-]+"),
      Pattern.compile("[0-9,*/-]+"),
      Pattern.compile("[0-9,*?/LW-]+"),
      Pattern.compile("[0-9A-Za-z,*/-]+"),
      Pattern.compile("[0-9A-Za-z,*?L#-]+"),
      Pattern.compile("[0-9,*/-]+")};
  String[] NAMES = {"minutes", "hours", "day-of-month", "month", "day-of-week", "year"};

  /**
   * Parses an expression.
   *
   * @param origin when a rate schedule starts counting (its creation)
   */
  static ScheduleExpression parse(String text, Instant origin) {
    if (text == null || text.isBlank()) {
      throw PierException.badRequest("schedule is required: rate(value unit) or cron(minutes hours day-of-month month"
          + " day-of-week year), e.g. rate(5 minutes) or cron(0 12 * * ? *)");
    }
    String s = text.strip();
    Matcher rate = RATE.matcher(s);
    if (rate.matches()) {
      return rate(s, rate, origin);
    }
    Matcher cron = CRON.matcher(s);
    if (cron.matches()) {
      return cron(s, cron.group(1).strip());
    }
    if (s.startsWith("rate(")) {
      throw PierException.badRequest("schedule '" + s + "': a rate is rate(value unit) with a positive whole value and"
          + " a unit of minute(s), hour(s) or day(s), e.g. rate(5 minutes)");
    }
    if (s.startsWith("at(")) {
      throw PierException.badRequest("schedule '" + s + "': one-time at(…) schedules are not supported; use rate(…)"
          + " or cron(…)");
    }
    throw PierException.badRequest("schedule '" + s + "' must be rate(value unit) or cron(minutes hours day-of-month"
        + " month day-of-week year)");
  }

  private static Rate rate(String s, Matcher m, Instant origin) {
    long value;
    try {
      value = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      value = -1;
    }
    String unit = m.group(2);
    if (value <= 0 || value > 1_000_000) {
      throw PierException.badRequest("schedule '" + s + "': the rate's value must be a positive whole number");
    }
    boolean plural = unit.endsWith("s");
    String singular = plural ? unit.substring(0, unit.length() - 1) : unit;
    if (value == 1 && plural) {
      throw PierException.badRequest("schedule '" + s + "': write rate(1 " + singular + "): AWS wants the singular"
          + " unit for a value of 1");
    }
    if (value > 1 && !plural) {
      throw PierException.badRequest("schedule '" + s + "': write rate(" + value + " " + singular + "s): AWS wants"
          + " the plural unit for values above 1");
    }
    Duration period = switch (singular) {
      case "minute" -> Duration.ofMinutes(value);
      case "hour" -> Duration.ofHours(value);
      default -> Duration.ofDays(value);
    };
    return new Rate(s, period, origin);
  }

  private static Cron cron(String s, String fieldsText) {
    String[] f = fieldsText.split("\\s+");
    if (f.length != 6) {
      throw PierException.badRequest("schedule '" + s + "': a cron expression has six fields (minutes hours"
          + " day-of-month month day-of-week year), not " + f.length);
    }
    for (int i = 0; i < 6; i++) {
      if (!FIELDS[i].matcher(f[i]).matches()) {
        throw PierException.badRequest("schedule '" + s + "': the " + NAMES[i] + " field '" + f[i]
            + "' has characters AWS does not allow there");
      }
    }
    boolean domAny = f[2].equals("?");
    boolean dowAny = f[4].equals("?");
    if (domAny == dowAny) {
      throw PierException.badRequest("schedule '" + s + "': exactly one of day-of-month and day-of-week must be ?"
          + " (e.g. cron(0 12 * * ? *) or cron(0 12 ? * MON-FRI *))");
    }
    if (f[4].contains("#") && f[4].contains(",")) {
      throw PierException.badRequest("schedule '" + s + "': day-of-week may hold one # expression only");
    }
    Matcher years = Pattern.compile("\\d+").matcher(f[5]);
    while (years.find()) {
      int y = Integer.parseInt(years.group());
      boolean increment = years.start() > 0 && f[5].charAt(years.start() - 1) == '/';
      if (!increment && (y < 1970 || y > 2199)) {
        throw PierException.badRequest("schedule '" + s + "': years go from 1970 to 2199, not " + y);
      }
    }
    try {
      CronExpression quartz = new CronExpression("0 " + String.join(" ", f).toUpperCase(Locale.ROOT));
      quartz.setTimeZone(TimeZone.getTimeZone("UTC"));
      return new Cron(s, quartz);
    } catch (ParseException e) {
      throw PierException.badRequest("schedule '" + s + "': " + e.getMessage());
    }
  }
}
