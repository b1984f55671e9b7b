package dev.pier.monitoring.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.monitoring.MonitorDefinition;
import dev.pier.monitoring.MonitorRun;
import dev.pier.monitoring.MonitoringJson;
import dev.pier.monitoring.Monitors;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * The {@code monitor-runs} state machine's tasks ({@link MonitoringTasks}) over {@link Monitors}: the same code runs
 * them in Lambda (the api zip's entry point hands such payloads here) and in local mode ({@link LocalMonitorWorkflow}).
 * Each run made is also written as CloudWatch metrics ({@link RunMetrics}).
 */
public final class MonitorWorker implements MonitoringTasks {
  private final Monitors monitors;
  private final RunMetrics metrics;

  public MonitorWorker(Monitors monitors, RunMetrics metrics) {
    this.monitors = monitors;
    this.metrics = metrics;
  }

  @Override
  public JsonNode handle(JsonNode payload) {
    String task = payload.path(FIELD).asText("");
    return switch (task) {
      case "scheduled" -> scheduled();
      case "run-due" -> runDue(required(payload, "monitor_id"), instant(required(payload, "at")));
      default -> throw new IllegalArgumentException(FIELD + ": unknown task '" + task
          + "' (expected scheduled or run-due)");
    };
  }

  private JsonNode scheduled() {
    ObjectNode out = MonitoringJson.MAPPER.createObjectNode();
    ArrayNode ids = out.putArray("monitors");
    monitors.scheduled().forEach(ids::add);
    return out;
  }

  private JsonNode runDue(String id, Instant at) {
    MonitorDefinition monitor = monitors.get(id);
    List<MonitorRun> runs = monitors.runDue(id, at);
    ObjectNode out = MonitoringJson.MAPPER.createObjectNode();
    out.put("monitor_id", id);
    ArrayNode list = out.putArray("runs");
    for (MonitorRun run : runs) {
      metrics.publish(run, monitor.model(), monitor.version());
      ObjectNode r = list.addObject();
      r.put("run_id", run.runId());
      r.put("window_end", run.windowEnd().toString());
      r.put("rows", run.rows());
      r.put("dataset_drift", run.dataDrift() != null && run.dataDrift().datasetDrift());
      r.put("alerts", run.alerts() == null ? 0 : run.alerts().size());
    }
    return out;
  }

  private static String required(JsonNode payload, String field) {
    JsonNode value = payload.get(field);
    if (value == null || !value.isTextual() || value.asText().isBlank()) {
      throw new IllegalArgumentException(field + ": required (a string) in a " + payload.path(FIELD).asText()
          + " task");
    }
    return value.asText();
  }

  private static Instant instant(String text) {
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("at: not an ISO-8601 instant: '" + text + "'");
    }
  }
}
