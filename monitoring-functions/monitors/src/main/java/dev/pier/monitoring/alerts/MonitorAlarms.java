package dev.pier.monitoring.alerts;

import dev.pier.monitoring.MonitorDefinition;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.ComparisonOperator;
import software.amazon.awssdk.services.cloudwatch.model.DescribeAlarmsResponse;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.MetricAlarm;
import software.amazon.awssdk.services.cloudwatch.model.Statistic;

/**
 * One CloudWatch alarm per check of each monitor, on the metric its runs write (EMF, namespace {@value #NAMESPACE},
 * dimension {@code Monitor} = the monitor's id; see {@code dev.pier.monitoring.tasks.RunMetrics}), with the check's
 * threshold and the platform's alert topic as its alarm and OK actions. Monitors are made at run time, so their alarms
 * are too: {@link #sync} makes the monitor's alarms what its checks say (puts what is missing or different, deletes
 * what no check asks for any more), {@link #delete} removes them all. Both are idempotent: they read the alarms named
 * {@code <prefix><monitor id>-} first, so a retry after a partial failure finishes the work.
 *
 * <p>Each alarm evaluates one hour ({@value #PERIOD_SECONDS} s, one period): the statistic is the Maximum of the
 * hour's runs for an upper bound and the Minimum for a lower one, so any run in the hour that breaks the bound sets
 * it off; an hour without runs is not breaching.
 */
public final class MonitorAlarms {
  public static final String NAMESPACE = "Pier/Monitoring";
  public static final String DIMENSION = "Monitor";
  static final int PERIOD_SECONDS = 3_600;

  /** What a check's alarm watches: metric, statistic, comparison and threshold. */
  public record Spec(String name, String check, String metric, Statistic statistic, ComparisonOperator comparison,
      double threshold, String description) {
  }

  private final CloudWatchClient cloudWatch;
  private final String prefix;
  private final String topicArn;

  /**
   * @param prefix alarm names begin with it (e.g. {@code pier-prod-monitor-}); the IAM grant is limited to them
   * @param topicArn the SNS topic the alarms notify when they go into and out of alarm
   */
  public MonitorAlarms(CloudWatchClient cloudWatch, String prefix, String topicArn) {
    this.cloudWatch = Objects.requireNonNull(cloudWatch);
    this.prefix = Objects.requireNonNull(prefix);
    this.topicArn = Objects.requireNonNull(topicArn);
  }

  /** The alarms a monitor's checks ask for, by name. */
  public Map<String, Spec> specs(MonitorDefinition monitor) {
    Checks checks = monitor.parsedChecks();
    Map<String, Spec> out = new LinkedHashMap<>();
    String what = monitor.model() + " v" + monitor.version() + " (monitor " + monitor.id() + "): ";
    if (checks.datasetDrift()) {
      add(out, monitor, "dataset_drift", "DatasetDrift", 1, true, what + "dataset drift");
    }
    if (checks.predictionDrift()) {
      add(out, monitor, "prediction_drift", "DriftedPredictionColumns", 1, true, what + "a prediction column drifted");
    }
    if (checks.columnDrift() != null) {
      add(out, monitor, "column_drift", "ColumnDriftAlerts", 1, true, what + "a watched column drifted ("
          + (checks.columnDrift().isEmpty() ? "any input column" : String.join(", ", checks.columnDrift())) + ")");
    }
    checks.performance().forEach((metric, bound) -> {
      boolean upper = bound.max() != null;
      add(out, monitor, "performance." + metric, METRICS.get(metric), upper ? bound.max() : bound.min(), upper,
          what + metric + " " + bound);
    });
    if (checks.nullShare() != null) {
      add(out, monitor, "null_share", "MissingShare", checks.nullShare(), true,
          what + "a column's null share above " + checks.nullShare());
    }
    if (checks.outOfRangeShare() != null) {
      add(out, monitor, "out_of_range_share", "OutOfRangeShare", checks.outOfRangeShare(), true,
          what + "a column's share outside the reference's range above " + checks.outOfRangeShare());
    }
    if (checks.latencyP95Ms() != null) {
      add(out, monitor, "latency_p95_ms", "LatencyP95Ms", checks.latencyP95Ms(), true,
          what + "p95 latency above " + checks.latencyP95Ms() + " ms");
    }
    return out;
  }

  /** The metric each performance check's alarm watches (the names RunMetrics writes). */
  static final Map<String, String> METRICS = Map.ofEntries(Map.entry("accuracy", "Accuracy"),
      Map.entry("precision", "Precision"), Map.entry("recall", "Recall"), Map.entry("f1", "F1"),
      Map.entry("roc_auc", "RocAuc"), Map.entry("log_loss", "LogLoss"), Map.entry("macro_f1", "MacroF1"),
      Map.entry("mae", "Mae"), Map.entry("rmse", "Rmse"), Map.entry("mape", "Mape"), Map.entry("r2", "R2"));

  private void add(Map<String, Spec> out, MonitorDefinition monitor, String check, String metric, double threshold,
      boolean upper, String description) {
    String name = prefix + monitor.id() + "-" + check;
    // a drift flag or count alarms at 1 or more; a bound alarms when broken: above a max, below a min
    boolean atLeast = metric.equals("DatasetDrift") || metric.equals("DriftedPredictionColumns")
        || metric.equals("ColumnDriftAlerts");
    ComparisonOperator comparison = atLeast ? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
        : upper ? ComparisonOperator.GREATER_THAN_THRESHOLD : ComparisonOperator.LESS_THAN_THRESHOLD;
    out.put(name, new Spec(name, check, metric, upper ? Statistic.MAXIMUM : Statistic.MINIMUM, comparison, threshold,
        "Pier: " + description));
  }

  /** Makes the monitor's alarms what its checks ask for; returns the names of the alarms it now has. */
  public List<String> sync(MonitorDefinition monitor) {
    Map<String, Spec> wanted = specs(monitor);
    Map<String, MetricAlarm> existing = existing(monitor.id());
    for (Spec spec : wanted.values()) {
      MetricAlarm now = existing.get(spec.name());
      if (now == null || !matches(now, spec, monitor.id())) {
        put(spec, monitor.id());
      }
    }
    List<String> stale = existing.keySet().stream().filter(n -> !wanted.containsKey(n)).toList();
    deleteAll(stale);
    return List.copyOf(wanted.keySet());
  }

  /** Deletes every alarm of the monitor (none left is fine). */
  public void delete(String monitorId) {
    deleteAll(List.copyOf(existing(monitorId).keySet()));
  }

  private void put(Spec spec, String monitorId) {
    cloudWatch.putMetricAlarm(b -> b.alarmName(spec.name()).alarmDescription(spec.description())
        .namespace(NAMESPACE).metricName(spec.metric())
        .dimensions(Dimension.builder().name(DIMENSION).value(monitorId).build())
        .statistic(spec.statistic()).period(PERIOD_SECONDS).evaluationPeriods(1)
        .threshold(spec.threshold()).comparisonOperator(spec.comparison())
        .treatMissingData("notBreaching").actionsEnabled(true)
        .alarmActions(topicArn).okActions(topicArn));
  }

  private boolean matches(MetricAlarm a, Spec spec, String monitorId) {
    return NAMESPACE.equals(a.namespace()) && spec.metric().equals(a.metricName())
        && spec.statistic() == a.statistic() && spec.comparison() == a.comparisonOperator()
        && a.threshold() != null && a.threshold() == spec.threshold()
        && a.period() != null && a.period() == PERIOD_SECONDS
        && a.dimensions().equals(List.of(Dimension.builder().name(DIMENSION).value(monitorId).build()))
        && a.alarmActions().equals(List.of(topicArn)) && spec.description().equals(a.alarmDescription());
  }

  /** The monitor's alarms by name: those named {@code <prefix><id>-…}. */
  private Map<String, MetricAlarm> existing(String monitorId) {
    Map<String, MetricAlarm> out = new LinkedHashMap<>();
    String namePrefix = prefix + monitorId + "-";
    for (DescribeAlarmsResponse page : cloudWatch.describeAlarmsPaginator(b -> b.alarmNamePrefix(namePrefix))) {
      page.metricAlarms().forEach(a -> out.put(a.alarmName(), a));
    }
    return out;
  }

  /** DeleteAlarms takes at most 100 names a call. */
  private void deleteAll(List<String> names) {
    List<String> rest = new ArrayList<>(names);
    while (!rest.isEmpty()) {
      List<String> batch = List.copyOf(rest.subList(0, Math.min(100, rest.size())));
      cloudWatch.deleteAlarms(b -> b.alarmNames(batch));
      rest.subList(0, batch.size()).clear();
    }
  }
}
