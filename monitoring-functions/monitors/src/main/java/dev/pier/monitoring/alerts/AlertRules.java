package dev.pier.monitoring.alerts;

import dev.pier.monitoring.MonitorDefinition;
import dev.pier.monitoring.MonitorRun;
import dev.pier.monitoring.drift.ColumnDrift;
import dev.pier.monitoring.drift.DatasetDrift;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Which of a monitor's {@link Checks} a run fails, as {@link Alert}s. Pure; thread-safe. */
public final class AlertRules {
  private AlertRules() {
  }

  public static List<Alert> evaluate(MonitorDefinition monitor, MonitorRun run) {
    Checks checks = monitor.parsedChecks();
    List<Alert> out = new ArrayList<>();
    String link = "/api/v1/monitors/" + monitor.id() + "/runs/" + run.runId();
    Factory alert = (check, column, value, threshold, message) -> out.add(new Alert(monitor.id(), run.runId(),
        monitor.model(), monitor.version(), run.windowStart(), run.windowEnd(), check, column, value, threshold,
        message, link));
    DatasetDrift data = run.dataDrift();
    if (checks.datasetDrift() && data.datasetDrift()) {
      alert.add("dataset_drift", null, data.shareDrifted(), "share ≥ " + monitor.driftShare(),
          String.format("%s v%d: %.0f%% of input columns drifted", monitor.model(), monitor.version(),
              100 * data.shareDrifted()));
    }
    if (checks.predictionDrift() && run.predictionDrift() != null) {
      run.predictionDrift().columns().forEach((column, drift) -> {
        if (drift.drifted()) {
          alert.add("prediction_drift", column, score(drift), threshold(drift),
              monitor.model() + " v" + monitor.version() + ": prediction column " + column + " drifted ("
                  + drift.method().wireName() + ")");
        }
      });
    }
    if (checks.columnDrift() != null) {
      data.columns().forEach((column, drift) -> {
        if (drift.drifted() && (checks.columnDrift().isEmpty() || checks.columnDrift().contains(column))) {
          alert.add("column_drift", column, score(drift), threshold(drift),
              monitor.model() + " v" + monitor.version() + ": column " + column + " drifted ("
                  + drift.method().wireName() + ")");
        }
      });
    }
    Map<String, Double> metrics = metrics(run.performance());
    checks.performance().forEach((metric, bound) -> {
      Double value = metrics.get(metric);
      if (value != null && Double.isFinite(value) && bound.violatedBy(value)) {
        alert.add("performance." + metric, null, value, bound.toString(),
            String.format("%s v%d: %s is %.4f (%s)", monitor.model(), monitor.version(), metric, value, bound));
      }
    });
    Double p95 = run.latency() == null ? null : run.latency().p95Ms();
    if (checks.latencyP95Ms() != null && p95 != null && p95 > checks.latencyP95Ms()) {
      alert.add("latency_p95_ms", null, p95, "max " + checks.latencyP95Ms(),
          String.format("%s v%d: p95 latency is %.1f ms", monitor.model(), monitor.version(), p95));
    }
    if (run.rows() > 0) {
      run.dataQuality().forEach((column, q) -> {
        if (checks.nullShare() != null && q.nullShare() > checks.nullShare()) {
          alert.add("null_share", column, q.nullShare(), "max " + checks.nullShare(),
              String.format("%s v%d: %.1f%% of %s is null", monitor.model(), monitor.version(), 100 * q.nullShare(),
                  column));
        }
        double outside = (double) q.outOfRange() / run.rows();
        if (checks.outOfRangeShare() != null && outside > checks.outOfRangeShare()) {
          alert.add("out_of_range_share", column, outside, "max " + checks.outOfRangeShare(),
              String.format("%s v%d: %.1f%% of %s is outside the reference's range", monitor.model(),
                  monitor.version(), 100 * outside, column));
        }
      });
    }
    return out;
  }

  private static double score(ColumnDrift d) {
    return d.method().isTest() ? d.pValue() : d.statistic();
  }

  private static String threshold(ColumnDrift d) {
    return d.method().isTest() ? "p < " + d.threshold() : "≥ " + d.threshold();
  }

  /** The run's metrics by their check names. */
  private static Map<String, Double> metrics(MonitorRun.Performance p) {
    Map<String, Double> m = new LinkedHashMap<>();
    if (p == null) {
      return m;
    }
    if (p.binary() != null) {
      m.put("accuracy", p.binary().accuracy());
      m.put("precision", p.binary().precision());
      m.put("recall", p.binary().recall());
      m.put("f1", p.binary().f1());
      m.put("roc_auc", p.binary().rocAuc());
      m.put("log_loss", p.binary().logLoss());
    }
    if (p.multiclass() != null) {
      m.put("accuracy", p.multiclass().accuracy());
      m.put("macro_f1", p.multiclass().macroF1());
    }
    if (p.regression() != null) {
      m.put("mae", p.regression().mae());
      m.put("rmse", p.regression().rmse());
      m.put("mape", p.regression().mape());
      m.put("r2", p.regression().r2());
    }
    return m;
  }

  @FunctionalInterface
  private interface Factory {
    void add(String check, String column, double value, String threshold, String message);
  }
}
