package dev.pier.monitoring.tasks;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.monitoring.MonitorRun;
import dev.pier.monitoring.MonitoringJson;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A run's figures as CloudWatch metrics, written as one CloudWatch embedded metric format (EMF) log line per run: in
 * Lambda, CloudWatch Logs turns the line into metrics with no API call and no permission beyond writing logs.
 * Namespace {@value #NAMESPACE}; each metric twice, per monitor (dimension {@code Monitor}, with {@code Model} and
 * {@code Version} as properties) and over all monitors (no dimension), which is what the CDK app's alarms watch.
 *
 * <p>Metrics: {@code Rows}, {@code Alerts}, {@code DriftShare} and {@code DatasetDrift} (1 or 0) of the data drift,
 * {@code PredictionDrift} (1 or 0) and {@code DriftedPredictionColumns} when the run compared outputs,
 * {@code ColumnDriftAlerts} (the run's column_drift alerts), {@code MissingShare} and {@code OutOfRangeShare} (the worst
 * column's), {@code LatencyP95Ms} when the run measured latency and, when labels arrived, the task's performance:
 * {@code Accuracy}, {@code Precision}, {@code Recall}, {@code F1}, {@code RocAuc}, {@code LogLoss} (binary),
 * {@code Accuracy}, {@code MacroF1} (multiclass), {@code Mae}, {@code Rmse}, {@code Mape}, {@code R2} (regression).
 * Each of a monitor's checks has a CloudWatch alarm on one of them ({@code dev.pier.monitoring.alerts.MonitorAlarms}).
 */
public final class RunMetrics {
  public static final String NAMESPACE = "Pier/Monitoring";
  public static final String DIMENSION = "Monitor";

  private final Consumer<String> out;

  /** @param out where each EMF line goes (stdout in Lambda, whose runtime sends it to the function's log group) */
  public RunMetrics(Consumer<String> out) {
    this.out = out;
  }

  /** Writes the run's metrics as one line. */
  public void publish(MonitorRun run, String model, int version) {
    out.accept(line(run, model, version));
  }

  /** The EMF document of a run, one line of JSON. */
  public static String line(MonitorRun run, String model, int version) {
    Map<String, Double> values = values(run);
    ObjectNode root = MonitoringJson.MAPPER.createObjectNode();
    ObjectNode aws = root.putObject("_aws");
    aws.put("Timestamp", run.windowEnd().toEpochMilli());
    ObjectNode directive = aws.putArray("CloudWatchMetrics").addObject();
    directive.put("Namespace", NAMESPACE);
    ArrayNode dimensions = directive.putArray("Dimensions");
    dimensions.addArray().add(DIMENSION);
    dimensions.addArray(); // the same metrics over all monitors
    ArrayNode metrics = directive.putArray("Metrics");
    for (String name : values.keySet()) {
      metrics.addObject().put("Name", name).put("Unit", name.equals("Rows") || name.equals("Alerts") ? "Count"
          : "None");
    }
    root.put(DIMENSION, run.monitorId());
    root.put("Model", model);
    root.put("Version", version);
    root.put("RunId", run.runId());
    root.put("Mode", run.mode());
    values.forEach(root::put);
    return root.toString();
  }

  /** The metrics' values by name, in a fixed order. */
  static Map<String, Double> values(MonitorRun run) {
    Map<String, Double> v = new LinkedHashMap<>();
    v.put("Rows", (double) run.rows());
    v.put("Alerts", (double) (run.alerts() == null ? 0 : run.alerts().size()));
    if (run.dataDrift() != null) {
      v.put("DriftShare", run.dataDrift().shareDrifted());
      v.put("DatasetDrift", run.dataDrift().datasetDrift() ? 1.0 : 0.0);
    }
    if (run.predictionDrift() != null) {
      v.put("PredictionDrift", run.predictionDrift().datasetDrift() ? 1.0 : 0.0);
    }
    if (run.predictionDrift() != null) {
      v.put("DriftedPredictionColumns", (double) run.predictionDrift().columns().values().stream()
          .filter(c -> c.drifted()).count());
    }
    v.put("ColumnDriftAlerts", (double) (run.alerts() == null ? 0 : run.alerts().stream()
        .filter(a -> "column_drift".equals(a.check())).count()));
    if (run.dataQuality() != null && !run.dataQuality().isEmpty()) {
      v.put("MissingShare", run.dataQuality().values().stream()
          .mapToDouble(MonitorRun.ColumnQuality::nullShare).filter(Double::isFinite).max().orElse(0));
      if (run.rows() > 0) {
        v.put("OutOfRangeShare", run.dataQuality().values().stream()
            .mapToDouble(q -> (double) q.outOfRange() / run.rows()).max().orElse(0));
      }
    }
    if (run.latency() != null && run.latency().p95Ms() != null) {
      finite(v, "LatencyP95Ms", run.latency().p95Ms());
    }
    MonitorRun.Performance p = run.performance();
    if (p != null) {
      if (p.binary() != null) {
        finite(v, "Accuracy", p.binary().accuracy());
        finite(v, "Precision", p.binary().precision());
        finite(v, "Recall", p.binary().recall());
        finite(v, "F1", p.binary().f1());
        finite(v, "RocAuc", p.binary().rocAuc());
        finite(v, "LogLoss", p.binary().logLoss());
      }
      if (p.multiclass() != null) {
        finite(v, "Accuracy", p.multiclass().accuracy());
        finite(v, "MacroF1", p.multiclass().macroF1());
      }
      if (p.regression() != null) {
        finite(v, "Mae", p.regression().mae());
        finite(v, "Rmse", p.regression().rmse());
        finite(v, "Mape", p.regression().mape());
        finite(v, "R2", p.regression().r2());
      }
    }
    return v;
  }

  /** EMF takes numbers only: a metric that is undefined for this window (NaN) is left out. */
  private static void finite(Map<String, Double> values, String name, double value) {
    if (Double.isFinite(value)) {
      values.put(name, value);
    }
  }
}
