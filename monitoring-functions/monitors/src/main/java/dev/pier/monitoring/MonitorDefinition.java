package dev.pier.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.monitoring.alerts.AlertTargets;
import dev.pier.monitoring.alerts.Checks;
import dev.pier.monitoring.drift.DriftSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
 * @param schedule the schedule expression ({@code rate(1 hour)}, {@code cron(…)}), or null for runs on demand only
 * @param checks what raises an alert ({@link Checks}), as given
 * @param alerts where alerts go ({@link AlertTargets}), as given
 * @param reference where the reference rows came from ({@link ReferenceSpec#describe}) and how many there are
 * @param capture the version's capture as creating the monitor left it; null for a monitor stored before this was
 *     recorded
 */
public record MonitorDefinition(String id, String model, int version, String requestedVersion, Duration window,
    String schedule, Task task, String prediction, List<String> protectedColumns, Map<String, DriftSpec> drift,
    double driftShare, JsonNode checks, JsonNode alerts, Instant createdAt, Map<String, Object> reference,
    Capture capture) {

  /**
   * What creating the monitor did to its version's capture.
   *
   * @param sampleRate the version's capture rate right after the monitor was created
   * @param turnedOn true when capture was off and the monitor turned it on at its rate; false when the version already
   *     captured at a rate its user chose, which was left alone
   */
  public record Capture(double sampleRate, boolean turnedOn) {
  }

  public MonitorDefinition {
    protectedColumns = protectedColumns == null ? List.of() : List.copyOf(protectedColumns);
    drift = drift == null ? Map.of() : Map.copyOf(drift);
    reference = reference == null ? Map.of() : Map.copyOf(reference);
  }

  /** This monitor with the fields a {@code PATCH} named changed. */
  MonitorDefinition patched(MonitorRequest p) {
    var f = p.fields();
    return new MonitorDefinition(id, model, version, requestedVersion,
        f.contains("window") ? p.window() : window, f.contains("schedule") ? p.schedule() : schedule,
        f.contains("task") ? p.task() : task, f.contains("prediction") ? p.prediction() : prediction,
        f.contains("protected") ? new ArrayList<>(p.protectedColumns()) : protectedColumns,
        f.contains("drift") ? p.drift() : drift, f.contains("drift_share") ? p.driftShare() : driftShare,
        f.contains("checks") ? p.checks() : checks, f.contains("alerts") ? p.alerts() : alerts, createdAt, reference,
        capture);
  }

  public Checks parsedChecks() {
    return Checks.parse(checks, new ArrayList<>());
  }

  public AlertTargets parsedAlerts() {
    return AlertTargets.parse(alerts, new ArrayList<>());
  }
}
