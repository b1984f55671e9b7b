package dev.pier.batch;

/**
 * What makes a schedule fire: in AWS an EventBridge Scheduler schedule ({@link EventBridgeScheduleTrigger}); in local
 * mode nothing needs registering ({@link LocalScheduler} reads the schedules from the table).
 */
public interface ScheduleTrigger {
  /** Registers a new schedule; idempotent. */
  void created(BatchSchedule schedule);

  /** Removes a schedule's trigger; no error when there is none. */
  void deleted(String id);

  ScheduleTrigger NONE = new ScheduleTrigger() {
    @Override
    public void created(BatchSchedule schedule) {}

    @Override
    public void deleted(String id) {}
  };
}
