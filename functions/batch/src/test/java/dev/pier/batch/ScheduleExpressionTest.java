package dev.pier.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.kernel.PierException;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ScheduleExpressionTest {
  private static final Instant CREATED = Instant.parse("2026-11-27T12:00:00Z"); // a Friday

  private static Instant next(String expression, String after) {
    return ScheduleExpression.parse(expression, CREATED).next(Instant.parse(after));
  }

  @Test
  void aRateFiresEveryPeriodCountedFromTheSchedulesCreation() {
    assertThat(next("rate(5 minutes)", "2026-11-27T12:00:00Z")).isEqualTo("2026-11-27T12:05:00Z");
    assertThat(next("rate(5 minutes)", "2026-11-27T12:07:30Z")).isEqualTo("2026-11-27T12:10:00Z");
    assertThat(next("rate(1 hour)", "2026-11-27T11:00:00Z")).isEqualTo("2026-11-27T13:00:00Z");
    assertThat(next("rate(2 days)", "2026-11-29T12:00:00Z")).isEqualTo("2026-12-01T12:00:00Z");
  }

  @ParameterizedTest(name = "{0} after {1} → {2}")
  @CsvSource(delimiter = '|', value = {
      "cron(0 12 * * ? *)        | 2026-11-27T12:00:00Z | 2026-11-28T12:00:00Z",
      "cron(*/15 * * * ? *)      | 2026-11-27T12:07:00Z | 2026-11-27T12:15:00Z",
      "cron(0 18 ? * MON-FRI *)  | 2026-11-27T18:00:00Z | 2026-11-30T18:00:00Z",
      "cron(0 10 L * ? *)        | 2026-02-01T00:00:00Z | 2026-02-28T10:00:00Z",
      "cron(0 9 15W * ? *)       | 2026-11-01T00:00:00Z | 2026-11-16T09:00:00Z",
      "cron(0 9 ? * 6#3 *)       | 2026-11-01T00:00:00Z | 2026-11-20T09:00:00Z",
      "cron(0 9 ? * 5L *)        | 2026-11-01T00:00:00Z | 2026-11-26T09:00:00Z",
      "cron(0 9 ? * 1 *)         | 2026-11-27T00:00:00Z | 2026-11-29T09:00:00Z",
      "cron(30 6 1 JAN,JUL ? 2027-2028) | 2026-11-27T00:00:00Z | 2027-01-01T06:30:00Z",
  })
  void cronFollowsAwsFieldsAndWildcardsInUtc(String expression, String after, String expected) {
    assertThat(next(expression.strip(), after.strip())).isEqualTo(expected.strip());
  }

  @Test
  void aCronWhoseYearsHavePassedNeverFiresAgain() {
    assertThat(next("cron(0 12 * * ? 2020)", "2026-11-27T00:00:00Z")).isNull();
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(delimiter = '|', value = {
      "rate(1 minutes)          | write rate(1 minute): AWS wants the singular unit",
      "rate(5 minute)           | write rate(5 minutes): AWS wants the plural unit",
      "rate(0 minutes)          | positive whole number",
      "rate(5 weeks)            | unit of minute(s), hour(s) or day(s)",
      "rate(1.5 hours)          | positive whole value",
      "cron(0 12 * * ?)         | six fields",
      "cron(0 0 12 * * ? *)     | six fields",
      "cron(0 12 * * * *)       | exactly one of day-of-month and day-of-week must be ?",
      "cron(0 12 ? * ? *)       | exactly one of day-of-month and day-of-week must be ?",
      "cron(0 12 ? * 2#1,4#2 *) | one # expression only",
      "cron(0 12 * * ? 2300)    | years go from 1970 to 2199",
      "cron(0 12 1W * ? *)x     | must be rate(value unit) or cron(",
      "cron(0 12 # * ? *)       | the day-of-month field '#'",
      "cron(61 12 * * ? *)      | Minute",
      "at(2026-12-01T00:00:00)  | one-time at(…) schedules are not supported",
      "every day                | must be rate(value unit) or cron(",
  })
  void refusesWhatEventBridgeSchedulerWouldRefuseNamingTheProblem(String expression, String problem) {
    assertThatThrownBy(() -> ScheduleExpression.parse(expression.strip(), CREATED))
        .isInstanceOf(PierException.class)
        .hasMessageContaining(problem.strip())
        .satisfies(e -> assertThat(((PierException) e).status()).isEqualTo(400));
  }
}
