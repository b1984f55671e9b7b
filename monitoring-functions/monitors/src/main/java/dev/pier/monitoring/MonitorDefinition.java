package dev.pier.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.monitoring.drift.DriftSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A monitor: which model version it watches, over which window of captures, against which reference, and how.
 *
 * @param version the resolved version number (an alias given at creation is resolved once, then fixed)
 * @param requestedVersion what the caller asked for (a number or an alias)
 * @param prediction the output column that holds the prediction (for performance), or null
 * @param drift per-column overrides of method and threshold; columns not named use Evidently's defaults
 * @param driftShare the share of drifted columns at which the dataset drifts
 * @param schedule the schedule expression as given ({@code rate(1 hour)}); stored, run by the scheduler
 * @param checks and alerts as given, stored for the alerting that reads them
 */
public record MonitorDefinition(String id, String model, int version, String requestedVersion, Duration window,
    String schedule, Task task, String prediction, List<String> protectedColumns, Map<String, DriftSpec> drift,
    double driftShare, JsonNode checks, JsonNode alerts, Instant createdAt) {

  public MonitorDefinition {
    protectedColumns = protectedColumns == null ? List.of() : List.copyOf(protectedColumns);
    drift = drift == null ? Map.of() : Map.copyOf(drift);
  }
}
