package dev.pier.batch;

import software.amazon.awssdk.services.scheduler.SchedulerClient;
import software.amazon.awssdk.services.scheduler.model.ConflictException;
import software.amazon.awssdk.services.scheduler.model.FlexibleTimeWindowMode;
import software.amazon.awssdk.services.scheduler.model.ResourceNotFoundException;
import software.amazon.awssdk.services.scheduler.model.ScheduleState;
import software.amazon.awssdk.services.scheduler.model.Target;

/**
 * Pier's EventBridge Scheduler schedules, whatever they start (batch schedules the batch-scoring state machine,
 * materialization schedules the feature worker): {@code pier-<id>} in one group, the expression in UTC, no flexible
 * window, written idempotently — a create repeated with the same id as client token is a no-op
 * ({@code ConflictException}), a delete of one already gone too.
 */
public final class SchedulerSchedules {
  /** What a schedule is: {@code target} carries the ARN, the role Scheduler assumes, the input and retry policy. */
  public record Schedule(String id, String description, String expression, boolean enabled, Target target) {}

  private final SchedulerClient scheduler;
  private final String group;

  public SchedulerSchedules(SchedulerClient scheduler, String group) {
    this.scheduler = scheduler;
    this.group = group;
  }

  /** The schedule's name for a Pier id. */
  public static String name(String id) {
    return "pier-" + id;
  }

  /**
   * The target Scheduler invokes: {@code input} with {@code <aws.scheduler.scheduled-time>} in it stays the same on
   * every delivery of one invocation; undelivered invocations are retried {@code retries} times within an hour.
   */
  public static Target target(String arn, String roleArn, String input, int retries) {
    return Target.builder().arn(arn).roleArn(roleArn).input(input)
        .retryPolicy(r -> r.maximumRetryAttempts(retries).maximumEventAgeInSeconds(3600)).build();
  }

  /** Creates the schedule; one created by an earlier try of the same request is left as it is. */
  public void create(Schedule s) {
    try {
      scheduler.createSchedule(b -> b.name(name(s.id())).groupName(group)
          .description(s.description())
          .scheduleExpression(s.expression()).scheduleExpressionTimezone("UTC")
          .flexibleTimeWindow(f -> f.mode(FlexibleTimeWindowMode.OFF))
          .state(s.enabled() ? ScheduleState.ENABLED : ScheduleState.DISABLED)
          .clientToken(s.id())
          .target(s.target()));
    } catch (ConflictException e) {
      // created by an earlier try of the same request
    }
  }

  /** Replaces the whole definition (UpdateSchedule takes no partial one): the same schedule in its new state. */
  public void update(Schedule s) {
    scheduler.updateSchedule(b -> b.name(name(s.id())).groupName(group)
        .description(s.description())
        .scheduleExpression(s.expression()).scheduleExpressionTimezone("UTC")
        .flexibleTimeWindow(f -> f.mode(FlexibleTimeWindowMode.OFF))
        .state(s.enabled() ? ScheduleState.ENABLED : ScheduleState.DISABLED)
        .target(s.target()));
  }

  /** Deletes the schedule; one gone already is fine. */
  public void delete(String id) {
    try {
      scheduler.deleteSchedule(b -> b.name(name(id)).groupName(group).clientToken(id));
    } catch (ResourceNotFoundException e) {
      // gone already
    }
  }
}
