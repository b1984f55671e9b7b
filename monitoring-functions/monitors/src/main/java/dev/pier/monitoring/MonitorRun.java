package dev.pier.monitoring;

import dev.pier.monitoring.drift.DatasetDrift;
import dev.pier.monitoring.performance.BiasMetrics;
import dev.pier.monitoring.performance.BinaryMetrics;
import dev.pier.monitoring.performance.MulticlassMetrics;
import dev.pier.monitoring.performance.RegressionMetrics;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.pier.monitoring.slices.ErrorSlices;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One run of a monitor over the captures of {@code [windowStart, windowEnd)}.
 *
 * @param mode {@code exact} (drift from the values; p-values as SciPy's) or {@code sketch} (from profiles; each
 *     column's error bound stated)
 * @param predictionDrift null when the reference has no output columns
 * @param performance null when the monitor has no task, or in sketch mode (see {@code notes})
 * @param notes what the run could not do and why, in words
 * @param alerts what its checks raised (each once per window; a run of a window already alerted on lists none)
 * @param feedback monitors with a task: how many of the window's rows have a label, and how much feedback the service
 *     holds whose prediction is not captured (for any model: feedback names no model); null otherwise
 * @param latency the window's captured requests, their rate and latency quantiles (in sketch mode from the hourly
 *     profiles: quantiles from their KLL sketch); null when not known
 * @param featureImportance the data drift weighted by the version's feature importance; null when the version has none
 */
public record MonitorRun(String monitorId, String runId, Instant startedAt, Instant windowStart, Instant windowEnd,
    long rows, String mode, DatasetDrift dataDrift, DatasetDrift predictionDrift,
    Map<String, ColumnQuality> dataQuality, Performance performance, List<String> notes,
    List<dev.pier.monitoring.alerts.Alert> alerts, FeedbackCounts feedback, WindowLatency latency,
    dev.pier.monitoring.drift.FeatureImportance featureImportance) {

  public MonitorRun(String monitorId, String runId, Instant startedAt, Instant windowStart, Instant windowEnd,
      long rows, String mode, DatasetDrift dataDrift, DatasetDrift predictionDrift,
      Map<String, ColumnQuality> dataQuality, Performance performance, List<String> notes,
      List<dev.pier.monitoring.alerts.Alert> alerts) {
    this(monitorId, runId, startedAt, windowStart, windowEnd, rows, mode, dataDrift, predictionDrift, dataQuality,
        performance, notes, alerts, null, null, null);
  }

  /**
   * @param matched rows of the window whose label has arrived
   * @param unmatched labels received that no run has joined to a captured row yet, at the run's start: not captured
   *     (yet), or captured in a window that ran before the label arrived, or, after a sketch run, in a row outside
   *     its sample
   */
  public record FeedbackCounts(long matched, long unmatched) {
  }

  public MonitorRun {
    notes = notes == null ? List.of() : List.copyOf(notes);
    alerts = alerts == null ? List.of() : List.copyOf(alerts);
  }

  /** This run with the alerts its checks raised. */
  public MonitorRun withAlerts(List<dev.pier.monitoring.alerts.Alert> raised) {
    return new MonitorRun(monitorId, runId, startedAt, windowStart, windowEnd, rows, mode, dataDrift,
        predictionDrift, dataQuality, performance, notes, raised, feedback, latency, featureImportance);
  }

  /** This run with its feedback counts. */
  public MonitorRun withFeedback(FeedbackCounts counts) {
    return new MonitorRun(monitorId, runId, startedAt, windowStart, windowEnd, rows, mode, dataDrift,
        predictionDrift, dataQuality, performance, notes, alerts, counts, latency, featureImportance);
  }

  /** This run with its performance (and so its slices), and a note on where they come from. */
  public MonitorRun withPerformance(Performance p, String note) {
    List<String> more = new java.util.ArrayList<>(notes);
    more.add(note);
    return new MonitorRun(monitorId, runId, startedAt, windowStart, windowEnd, rows, mode, dataDrift,
        predictionDrift, dataQuality, p, more, alerts, feedback, latency, featureImportance);
  }

  /** This run with its window's latency and throughput. */
  public MonitorRun withLatency(WindowLatency l) {
    return new MonitorRun(monitorId, runId, startedAt, windowStart, windowEnd, rows, mode, dataDrift,
        predictionDrift, dataQuality, performance, notes, alerts, feedback, l, featureImportance);
  }

  /** This run with its drift weighted by feature importance. */
  public MonitorRun withFeatureImportance(dev.pier.monitoring.drift.FeatureImportance f) {
    return new MonitorRun(monitorId, runId, startedAt, windowStart, windowEnd, rows, mode, dataDrift,
        predictionDrift, dataQuality, performance, notes, alerts, feedback, latency, f);
  }

  /**
   * A column's data quality in the window against the reference: rows without a value, values of the other kind
   * (text in a numeric reference column or numbers in a categorical one), numbers outside the reference's range.
   */
  public record ColumnQuality(long nulls, double nullShare, long typeMismatches, long outOfRange) {
    // from profiles, outOfRange is estimated within the current sketch's rank error times its count
  }

  /**
   * Performance over the captured rows whose labels have arrived; the metrics of the monitor's task, and bias per
   * protected column for binary classifiers.
   *
   * @param invalidLabels labels that do not fit the task (a text label for regression, 2 for a binary classifier)
   * @param estimated binary classifiers: accuracy, precision, recall and f1 estimated from the probabilities of every
   *     captured row, labelled or not (CBPE); null for other tasks
   */
  public record Performance(long labelled, long unlabelled, long invalidLabels, BinaryMetrics binary,
      MulticlassMetrics multiclass, RegressionMetrics regression, Map<String, BiasMetrics> bias,
      @JsonIgnore List<ErrorSlices.Slice> slices,
      dev.pier.monitoring.performance.EstimatedPerformance estimated) {

    public Performance {
      slices = slices == null ? List.of() : List.copyOf(slices);
    }

    public Performance(long labelled, long unlabelled, long invalidLabels, BinaryMetrics binary,
        MulticlassMetrics multiclass, RegressionMetrics regression, Map<String, BiasMetrics> bias) {
      this(labelled, unlabelled, invalidLabels, binary, multiclass, regression, bias, List.of(), null);
    }

    public Performance(long labelled, long unlabelled, long invalidLabels, BinaryMetrics binary,
        MulticlassMetrics multiclass, RegressionMetrics regression, Map<String, BiasMetrics> bias,
        List<ErrorSlices.Slice> slices) {
      this(labelled, unlabelled, invalidLabels, binary, multiclass, regression, bias, slices, null);
    }

    /** This performance with a binary classifier's estimate from all the window's rows (CBPE). */
    public Performance withEstimated(dev.pier.monitoring.performance.EstimatedPerformance e) {
      return new Performance(labelled, unlabelled, invalidLabels, binary, multiclass, regression, bias, slices, e);
    }
  }

  /**
   * Error analysis ({@link ErrorSlices}): the ten slices of the labelled rows where the model does worst; empty
   * without a task or labels.
   */
  @JsonProperty("slices")
  public List<ErrorSlices.Slice> slices() {
    return performance == null ? List.of() : performance.slices();
  }
}
