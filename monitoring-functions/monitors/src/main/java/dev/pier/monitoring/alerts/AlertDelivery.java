package dev.pier.monitoring.alerts;

import java.util.List;

/** Sends a run's new alerts where the monitor's {@link AlertTargets} say. Never throws into the run. */
@FunctionalInterface
public interface AlertDelivery {
  AlertDelivery NONE = (alerts, targets) -> { };

  void deliver(List<Alert> alerts, AlertTargets targets);
}
