package dev.pier.api.features;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import software.amazon.awssdk.services.scheduler.SchedulerClient;
import software.amazon.awssdk.services.scheduler.model.ConflictException;
import software.amazon.awssdk.services.scheduler.model.FlexibleTimeWindowMode;
import software.amazon.awssdk.services.scheduler.model.ResourceNotFoundException;
import software.amazon.awssdk.services.scheduler.model.ScheduleState;
import software.amazon.awssdk.services.scheduler.model.Target;

/**
 * AWS mode: one EventBridge Scheduler schedule per materialization schedule ({@code pier-<id>}, ids {@code fs-…}, in
 * the configured group) whose target invokes the feature worker Lambda with {@code {"action":
 * "materialize-incremental", "feature_views": [...], "schedule_id": …, "scheduled_time":
 * "<aws.scheduler.scheduled-time>"}}: the worker starts the incremental job as an execution of the materialization
 * state machine, as the stack's hourly schedule does. Enabling and disabling set the schedule's state. The role is the
 * one the features stack creates for these schedules ({@code lambda:InvokeFunction} on the worker only).
 */
public final class EventBridgeScheduleTarget implements ScheduleTarget {
  private final SchedulerClient scheduler;
  private final String workerArn;
  private final String roleArn;
  private final String group;

  public EventBridgeScheduleTarget(SchedulerClient scheduler, String workerArn, String roleArn, String group) {
    this.scheduler = scheduler;
    this.workerArn = workerArn;
    this.roleArn = roleArn;
    this.group = group;
  }

  static String name(String id) {
    return "pier-" + id;
  }

  @Override
  public void created(MaterializationSchedule s) {
    try {
      scheduler.createSchedule(b -> b.name(name(s.id())).groupName(group)
          .description(description(s))
          .scheduleExpression(s.schedule()).scheduleExpressionTimezone("UTC")
          .flexibleTimeWindow(f -> f.mode(FlexibleTimeWindowMode.OFF))
          .state(s.enabled() ? ScheduleState.ENABLED : ScheduleState.DISABLED)
          .clientToken(s.id())
          .target(target(s)));
    } catch (ConflictException e) {
      // created by an earlier try of the same request
    }
  }

  @Override
  public void enabled(MaterializationSchedule s, boolean enabled) {
    // UpdateSchedule replaces the whole definition: the same one, in the new state
    scheduler.updateSchedule(b -> b.name(name(s.id())).groupName(group)
        .description(description(s))
        .scheduleExpression(s.schedule()).scheduleExpressionTimezone("UTC")
        .flexibleTimeWindow(f -> f.mode(FlexibleTimeWindowMode.OFF))
        .state(enabled ? ScheduleState.ENABLED : ScheduleState.DISABLED)
        .target(target(s)));
  }

  @Override
  public void deleted(String id) {
    try {
      scheduler.deleteSchedule(b -> b.name(name(id)).groupName(group).clientToken(id));
    } catch (ResourceNotFoundException e) {
      // gone already
    }
  }

  private static String description(MaterializationSchedule s) {
    return "Pier materialization schedule " + s.id() + ": "
        + (s.featureViews().isEmpty() ? "every online feature view" : String.join(", ", s.featureViews()));
  }

  private Target target(MaterializationSchedule s) {
    ObjectNode input = JsonNodeFactory.instance.objectNode().put("action", "materialize-incremental");
    s.featureViews().forEach(input.putArray("feature_views")::add);
    input.put("schedule_id", s.id()).put("scheduled_time", "<aws.scheduler.scheduled-time>");
    return Target.builder().arn(workerArn).roleArn(roleArn).input(input.toString())
        .retryPolicy(r -> r.maximumRetryAttempts(3).maximumEventAgeInSeconds(3600)).build();
  }
}
