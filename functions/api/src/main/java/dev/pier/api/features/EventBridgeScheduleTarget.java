package dev.pier.api.features;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.batch.SchedulerSchedules;
import software.amazon.awssdk.services.scheduler.SchedulerClient;

/**
 * AWS mode: one EventBridge Scheduler schedule per materialization schedule ({@code pier-<id>}, ids {@code fs-…}, in
 * the configured group, {@link SchedulerSchedules}) whose target invokes the feature worker Lambda with {@code
 * {"action": "materialize-incremental", "feature_views": [...], "schedule_id": …, "scheduled_time":
 * "<aws.scheduler.scheduled-time>"}}: the worker starts the incremental job as an execution of the materialization
 * state machine, as the stack's hourly schedule does. Enabling and disabling set the schedule's state. The role is the
 * one the features stack creates for these schedules ({@code lambda:InvokeFunction} on the worker only).
 */
public final class EventBridgeScheduleTarget implements ScheduleTarget {
  private final SchedulerSchedules schedules;
  private final String workerArn;
  private final String roleArn;

  public EventBridgeScheduleTarget(SchedulerClient scheduler, String workerArn, String roleArn, String group) {
    this.schedules = new SchedulerSchedules(scheduler, group);
    this.workerArn = workerArn;
    this.roleArn = roleArn;
  }

  @Override
  public void created(MaterializationSchedule s) {
    schedules.create(schedule(s, s.enabled()));
  }

  @Override
  public void enabled(MaterializationSchedule s, boolean enabled) {
    schedules.update(schedule(s, enabled));
  }

  @Override
  public void deleted(String id) {
    schedules.delete(id);
  }

  private SchedulerSchedules.Schedule schedule(MaterializationSchedule s, boolean enabled) {
    String description = "Pier materialization schedule " + s.id() + ": "
        + (s.featureViews().isEmpty() ? "every online feature view" : String.join(", ", s.featureViews()));
    ObjectNode input = JsonNodeFactory.instance.objectNode().put("action", "materialize-incremental");
    s.featureViews().forEach(input.putArray("feature_views")::add);
    input.put("schedule_id", s.id()).put("scheduled_time", "<aws.scheduler.scheduled-time>");
    return new SchedulerSchedules.Schedule(s.id(), description, s.schedule(), enabled,
        SchedulerSchedules.target(workerArn, roleArn, input.toString(), 3));
  }
}
