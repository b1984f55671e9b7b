package dev.pier.batch;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import software.amazon.awssdk.services.scheduler.SchedulerClient;
import software.amazon.awssdk.services.scheduler.model.ConflictException;
import software.amazon.awssdk.services.scheduler.model.FlexibleTimeWindowMode;
import software.amazon.awssdk.services.scheduler.model.ResourceNotFoundException;
import software.amazon.awssdk.services.scheduler.model.ScheduleState;

/**
 * AWS mode: one EventBridge Scheduler schedule per batch schedule ({@code pier-<id>} in the configured group), whose
 * target starts the batch-scoring state machine with {@code {"schedule_id": …, "scheduled_time": …}} — the fire time
 * is Scheduler's {@code <aws.scheduler.scheduled-time>}, identical on every delivery of that invocation, so the run's
 * job id is too (see {@link BatchSchedules#fire}). The role is the one the CDK app creates for Scheduler
 * ({@code states:StartExecution} on the batch-scoring state machine only).
 */
public final class EventBridgeScheduleTrigger implements ScheduleTrigger {
  private final SchedulerClient scheduler;
  private final String stateMachineArn;
  private final String roleArn;
  private final String group;

  public EventBridgeScheduleTrigger(SchedulerClient scheduler, String stateMachineArn, String roleArn, String group) {
    this.scheduler = scheduler;
    this.stateMachineArn = stateMachineArn;
    this.roleArn = roleArn;
    this.group = group;
  }

  static String name(String id) {
    return "pier-" + id;
  }

  @Override
  public void created(BatchSchedule s) {
    String input = JsonNodeFactory.instance.objectNode().put("schedule_id", s.id())
        .put("scheduled_time", "<aws.scheduler.scheduled-time>").toString();
    try {
      scheduler.createSchedule(b -> b.name(name(s.id())).groupName(group)
          .description("Pier batch schedule " + s.id() + ": model " + s.model() + " on " + s.input())
          .scheduleExpression(s.schedule()).scheduleExpressionTimezone("UTC")
          .flexibleTimeWindow(f -> f.mode(FlexibleTimeWindowMode.OFF))
          .state(ScheduleState.ENABLED)
          .clientToken(s.id())
          .target(t -> t.arn(stateMachineArn).roleArn(roleArn).input(input)
              .retryPolicy(r -> r.maximumRetryAttempts(10).maximumEventAgeInSeconds(3600))));
    } catch (ConflictException e) {
      // created by an earlier try of the same request
    }
  }

  @Override
  public void deleted(String id) {
    try {
      scheduler.deleteSchedule(b -> b.name(name(id)).groupName(group).clientToken(id));
    } catch (ResourceNotFoundException e) {
      // gone already
    }
  }
}
