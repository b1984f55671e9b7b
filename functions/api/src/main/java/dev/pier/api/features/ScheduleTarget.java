package dev.pier.api.features;

/**
 * What makes a materialization schedule fire: in AWS an EventBridge Scheduler schedule that invokes the feature
 * worker ({@link EventBridgeScheduleTarget}); locally nothing to register ({@link MaterializationSchedules#fireDue}
 * runs on a timer in the server).
 */
public interface ScheduleTarget {
  /** Registers a new schedule, enabled or not; idempotent. */
  void created(MaterializationSchedule schedule);

  /** Turns an existing schedule on or off. */
  void enabled(MaterializationSchedule schedule, boolean enabled);

  /** Removes a schedule's trigger; no error when there is none. */
  void deleted(String id);

  /** Local mode: the server's own timer fires due schedules. */
  ScheduleTarget LOCAL = new ScheduleTarget() {
    @Override
    public void created(MaterializationSchedule schedule) {}

    @Override
    public void enabled(MaterializationSchedule schedule, boolean enabled) {}

    @Override
    public void deleted(String id) {}
  };
}
