package dev.pier.batch;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import software.amazon.awssdk.services.scheduler.SchedulerClient;

/**
 * AWS mode: one EventBridge Scheduler schedule per batch schedule ({@code pier-<id>} in the configured group,
 * {@link SchedulerSchedules}), whose target starts the batch-scoring state machine with {@code {"schedule_id": …,
 * "scheduled_time": …}} — the fire time is Scheduler's {@code <aws.scheduler.scheduled-time>}, identical on every
 * delivery of that invocation, so the run's job id is too (see {@link BatchSchedules#fire}). The role is the one the
 * CDK app creates for Scheduler ({@code states:StartExecution} on the batch-scoring state machine only).
 */
public final class EventBridgeScheduleTrigger implements ScheduleTrigger {
  private final SchedulerSchedules schedules;
  private final String stateMachineArn;
  private final String roleArn;

  public EventBridgeScheduleTrigger(SchedulerClient scheduler, String stateMachineArn, String roleArn, String group) {
    this.schedules = new SchedulerSchedules(scheduler, group);
    this.stateMachineArn = stateMachineArn;
    this.roleArn = roleArn;
  }

  @Override
  public void created(BatchSchedule s) {
    String input = JsonNodeFactory.instance.objectNode().put("schedule_id", s.id())
        .put("scheduled_time", "<aws.scheduler.scheduled-time>").toString();
    schedules.create(new SchedulerSchedules.Schedule(s.id(),
        "Pier batch schedule " + s.id() + ": model " + s.model() + " on " + s.input(), s.schedule(), true,
        SchedulerSchedules.target(stateMachineArn, roleArn, input, 10)));
  }

  @Override
  public void deleted(String id) {
    schedules.delete(id);
  }
}
