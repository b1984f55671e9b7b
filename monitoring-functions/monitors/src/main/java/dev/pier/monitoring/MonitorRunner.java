package dev.pier.monitoring;

import dev.pier.monitoring.MonitorRun.ColumnQuality;
import dev.pier.monitoring.MonitorRun.Performance;
import dev.pier.monitoring.capture.CaptureStore.CapturedRow;
import dev.pier.monitoring.drift.DatasetDrift;
import dev.pier.monitoring.performance.BiasMetrics;
import dev.pier.monitoring.performance.BinaryMetrics;
import dev.pier.monitoring.performance.MulticlassMetrics;
import dev.pier.monitoring.performance.RegressionMetrics;
import dev.pier.monitoring.profile.CaptureProfile;
import dev.pier.monitoring.profile.ColumnProfile;
import dev.pier.monitoring.profile.DataProfile;
import dev.pier.monitoring.slices.ErrorSlices;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Computes one run of a monitor from the window's captured rows against the reference rows: data drift over the
 * input columns, prediction drift over the output columns the reference has, data quality, and performance from the
 * labels that have arrived.
 *
 * <p>Drift is exact (from the values, p-values as SciPy's) while both sides have at most {@value #EXACT_MAX_ROWS}
 * rows, and from {@link DataProfile}s beyond, with each column's error bound in the run. Stateless, thread-safe.
 */
public final class MonitorRunner {
  public static final int EXACT_MAX_ROWS = 100_000;

  public MonitorRun run(MonitorDefinition monitor, String runId, List<Map<String, Object>> reference,
      List<CapturedRow> window, LabelSource labels, Instant startedAt, Instant windowStart, Instant windowEnd) {
    Set<String> outputColumns = new LinkedHashSet<>();
    Set<String> inputColumns = new LinkedHashSet<>();
    for (CapturedRow row : window) {
      outputColumns.addAll(row.outputs().keySet());
      inputColumns.addAll(row.inputs().keySet());
    }
    Set<String> referenceColumns = new LinkedHashSet<>();
    reference.forEach(r -> referenceColumns.addAll(r.keySet()));
    List<String> dataColumns = referenceColumns.stream().filter(c -> !outputColumns.contains(c)).sorted().toList();
    List<String> predictionColumns = referenceColumns.stream().filter(outputColumns::contains).sorted().toList();

    boolean exact = window.size() <= EXACT_MAX_ROWS && reference.size() <= EXACT_MAX_ROWS;
    DatasetDrift dataDrift;
    DatasetDrift predictionDrift = null;
    Map<String, List<Object>> refColumns = columns(reference);
    Map<String, List<Object>> curColumns = new HashMap<>();
    for (CapturedRow row : window) {
      row.inputs().forEach((k, v) -> curColumns.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
      row.outputs().forEach((k, v) -> curColumns.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
    }
    DataProfile refProfile = new DataProfile();
    reference.forEach(refProfile::update);
    if (exact) {
      dataDrift = DatasetDrift.exact(dataColumns, refColumns, curColumns, monitor.drift(), monitor.driftShare());
      if (!predictionColumns.isEmpty()) {
        predictionDrift = DatasetDrift.exact(predictionColumns, refColumns, curColumns, monitor.drift(),
            monitor.driftShare());
      }
    } else {
      DataProfile curProfile = new DataProfile();
      for (CapturedRow row : window) {
        curProfile.addRows(1);
        row.inputs().forEach((k, v) -> curProfile.column(k).update(v));
        row.outputs().forEach((k, v) -> curProfile.column(k).update(v));
      }
      dataDrift = DatasetDrift.fromProfiles(dataColumns, refProfile, curProfile, monitor.drift(),
          monitor.driftShare());
      if (!predictionColumns.isEmpty()) {
        predictionDrift = DatasetDrift.fromProfiles(predictionColumns, refProfile, curProfile, monitor.drift(),
            monitor.driftShare());
      }
    }
    return new MonitorRun(monitor.id(), runId, startedAt, windowStart, windowEnd, window.size(),
        exact ? "exact" : "sketch", dataDrift, predictionDrift,
        quality(dataColumns, refProfile, curColumns, window.size()),
        monitor.task() == null ? null : performance(monitor, window, labels), List.of(), List.of());
  }

  /**
   * A run from the merged hourly profiles of the window ({@code "mode": "sketch"}): drift with each column's error
   * bound, data quality from the profiles' counts, latency from their request sketch. Performance needs each row's
   * prediction next to its label, so it is not computed here: {@code Monitors} adds it from a sample of the window's
   * rows ({@link #performance}).
   */
  public MonitorRun runFromProfiles(MonitorDefinition monitor, String runId, List<Map<String, Object>> reference,
      CaptureProfile window, Instant startedAt, Instant windowStart, Instant windowEnd) {
    DataProfile refProfile = new DataProfile();
    reference.forEach(refProfile::update);
    return runFromProfiles(monitor, runId, refProfile, window, startedAt, windowStart, windowEnd);
  }

  /** As above, from the reference's profile (stored with the monitor, so a run does not profile the rows again). */
  public MonitorRun runFromProfiles(MonitorDefinition monitor, String runId, DataProfile refProfile,
      CaptureProfile window, Instant startedAt, Instant windowStart, Instant windowEnd) {
    Set<String> outputColumns = window.outputs().columns().keySet();
    List<String> dataColumns = refProfile.columns().keySet().stream().filter(c -> !outputColumns.contains(c))
        .sorted().toList();
    List<String> predictionColumns = refProfile.columns().keySet().stream().filter(outputColumns::contains)
        .sorted().toList();
    DatasetDrift dataDrift = DatasetDrift.fromProfiles(dataColumns, refProfile, window.inputs(), monitor.drift(),
        monitor.driftShare());
    DatasetDrift predictionDrift = predictionColumns.isEmpty() ? null : DatasetDrift.fromProfiles(predictionColumns,
        refProfile, window.outputs(), monitor.drift(), monitor.driftShare());
    Map<String, ColumnQuality> quality = new TreeMap<>();
    long rows = window.rows();
    for (String column : dataColumns) {
      ColumnProfile ref = refProfile.columns().get(column);
      ColumnProfile cur = window.inputs().columns().get(column);
      long nulls = window.inputs().nulls(column);
      long mismatches = 0;
      long outOfRange = 0;
      if (cur != null) {
        mismatches = switch (ref.kind()) {
          case NUMERIC -> cur.textCount();
          case CATEGORICAL -> cur.numericCount() + cur.nonFinite();
          default -> 0;
        };
        if (ref.kind() == ColumnProfile.Kind.NUMERIC && cur.numericCount() > 0) {
          outOfRange = Math.round(cur.numericCount() * (cur.fractionBelow(ref.min()) + cur.fractionAbove(ref.max())));
        }
      }
      quality.put(column, new ColumnQuality(nulls, rows == 0 ? 0 : (double) nulls / rows, mismatches, outOfRange));
    }
    List<String> notes = new ArrayList<>();
    WindowLatency latency = WindowLatency.ofProfile(window, java.time.Duration.between(windowStart, windowEnd));
    if (latency == null) {
      notes.add("latency: the window's profiles count no requests (written before profiles kept latency); the"
          + " server's pier_predictions_seconds metric has it for every window");
    } else if (latency.timed() > 0) {
      notes.add(String.format(java.util.Locale.ROOT, "latency quantiles are from the profiles' KLL sketch: within"
          + " %.2f%% in rank of the exact ones", 100 * window.latency().rankError()));
    }
    MonitorRun run = new MonitorRun(monitor.id(), runId, startedAt, windowStart, windowEnd, rows, "sketch",
        dataDrift, predictionDrift, quality, null, notes, List.of());
    return latency == null ? run : run.withLatency(latency);
  }

  private static Map<String, List<Object>> columns(List<Map<String, Object>> rows) {
    Map<String, List<Object>> out = new HashMap<>();
    for (Map<String, Object> row : rows) {
      row.forEach((k, v) -> out.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
    }
    return out;
  }

  private static Map<String, ColumnQuality> quality(List<String> columns, DataProfile reference,
      Map<String, List<Object>> current, long rows) {
    Map<String, ColumnQuality> out = new TreeMap<>();
    for (String column : columns) {
      ColumnProfile ref = reference.columns().get(column);
      List<Object> values = current.getOrDefault(column, List.of());
      long present = 0;
      long mismatches = 0;
      long outOfRange = 0;
      for (Object v : values) {
        if (v == null || (v instanceof Double d && d.isNaN())) {
          continue;
        }
        present++;
        boolean number = v instanceof Number;
        ColumnProfile.Kind kind = ref == null ? ColumnProfile.Kind.EMPTY : ref.kind();
        if ((kind == ColumnProfile.Kind.NUMERIC && !number) || (kind == ColumnProfile.Kind.CATEGORICAL && number)) {
          mismatches++;
        } else if (number && kind == ColumnProfile.Kind.NUMERIC) {
          double x = ((Number) v).doubleValue();
          if (x < ref.min() || x > ref.max()) {
            outOfRange++;
          }
        }
      }
      long nulls = rows - present;
      out.put(column, new ColumnQuality(nulls, rows == 0 ? 0 : (double) nulls / rows, mismatches, outOfRange));
    }
    return out;
  }

  /**
   * The task's performance over {@code window}'s rows whose labels {@code labels} has, with the error slices and, for a
   * binary classifier, the CBPE estimate over every row; what an exact run answers, and a sketch run over a sample.
   */
  public static Performance performance(MonitorDefinition monitor, List<CapturedRow> window, LabelSource labels) {
    Performance measured = measured(monitor, window, labels);
    if (monitor.task() != dev.pier.monitoring.Task.BINARY_CLASSIFICATION) {
      return measured;
    }
    double[] probabilities = window.stream().map(r -> probability(r.outputs(), monitor.prediction()))
        .filter(java.util.Objects::nonNull).mapToDouble(Double::doubleValue).toArray();
    return probabilities.length == 0 ? measured : measured.withEstimated(
        dev.pier.monitoring.performance.EstimatedPerformance.cbpe(probabilities, BinaryMetrics.DEFAULT_THRESHOLD));
  }

  private static Performance measured(MonitorDefinition monitor, List<CapturedRow> window, LabelSource labels) {
    List<CapturedRow> labelled = new ArrayList<>();
    List<Object> truth = new ArrayList<>();
    for (CapturedRow row : window) {
      Optional<Object> label = labels.label(row.requestId(), row.row());
      if (label.isPresent()) {
        labelled.add(row);
        truth.add(label.get());
      }
    }
    long unlabelled = window.size() - labelled.size();
    if (labelled.isEmpty()) {
      return new Performance(0, unlabelled, 0, null, null, null, Map.of());
    }
    String prediction = monitor.prediction();
    return switch (monitor.task()) {
      case BINARY_CLASSIFICATION -> {
        List<Integer> ys = new ArrayList<>();
        List<Double> ps = new ArrayList<>();
        List<CapturedRow> kept = new ArrayList<>();
        long invalid = 0;
        for (int i = 0; i < labelled.size(); i++) {
          Integer y = binaryLabel(truth.get(i));
          Double p = probability(labelled.get(i).outputs(), prediction);
          if (y == null || p == null) {
            invalid++;
            continue;
          }
          ys.add(y);
          ps.add(p);
          kept.add(labelled.get(i));
        }
        if (ys.isEmpty()) {
          yield new Performance(0, unlabelled, invalid, null, null, null, Map.of());
        }
        int[] y = ys.stream().mapToInt(Integer::intValue).toArray();
        double[] p = ps.stream().mapToDouble(Double::doubleValue).toArray();
        Map<String, BiasMetrics> bias = new LinkedHashMap<>();
        for (String column : monitor.protectedColumns()) {
          List<String> groups = kept.stream().map(r -> String.valueOf(r.inputs().get(column))).toList();
          bias.put(column, BiasMetrics.of(groups, y, p, BinaryMetrics.DEFAULT_THRESHOLD));
        }
        double[] wrong = new double[y.length];
        for (int i = 0; i < y.length; i++) {
          wrong[i] = (p[i] >= BinaryMetrics.DEFAULT_THRESHOLD ? 1 : 0) == y[i] ? 0 : 1;
        }
        yield new Performance(ys.size(), unlabelled, invalid,
            BinaryMetrics.of(y, p, BinaryMetrics.DEFAULT_THRESHOLD), null, null, bias, slices(kept, wrong, true));
      }
      case MULTICLASS_CLASSIFICATION -> {
        List<String> ys = new ArrayList<>();
        List<String> ps = new ArrayList<>();
        List<CapturedRow> keptClasses = new ArrayList<>();
        long invalid = 0;
        for (int i = 0; i < labelled.size(); i++) {
          String predicted = predictedClass(labelled.get(i).outputs(), prediction);
          Object label = truth.get(i);
          if (predicted == null || !(label instanceof String || label instanceof Number)) {
            invalid++;
            continue;
          }
          ys.add(className(label));
          ps.add(predicted);
          keptClasses.add(labelled.get(i));
        }
        double[] wrong = new double[ys.size()];
        for (int i = 0; i < wrong.length; i++) {
          wrong[i] = ys.get(i).equals(ps.get(i)) ? 0 : 1;
        }
        yield ys.isEmpty() ? new Performance(0, unlabelled, invalid, null, null, null, Map.of())
            : new Performance(ys.size(), unlabelled, invalid, null, MulticlassMetrics.of(ys, ps), null, Map.of(),
                slices(keptClasses, wrong, true));
      }
      case REGRESSION -> {
        List<double[]> pairs = new ArrayList<>();
        List<CapturedRow> keptValues = new ArrayList<>();
        long invalid = 0;
        for (int i = 0; i < labelled.size(); i++) {
          Object predicted = labelled.get(i).outputs().get(prediction);
          if (!(truth.get(i) instanceof Number y) || !(predicted instanceof Number p)) {
            invalid++;
            continue;
          }
          pairs.add(new double[] {y.doubleValue(), p.doubleValue()});
          keptValues.add(labelled.get(i));
        }
        yield pairs.isEmpty() ? new Performance(0, unlabelled, invalid, null, null, null, Map.of())
            : new Performance(pairs.size(), unlabelled, invalid, null, null, RegressionMetrics.of(
                pairs.stream().mapToDouble(a -> a[0]).toArray(), pairs.stream().mapToDouble(a -> a[1]).toArray()),
                Map.of(), slices(keptValues, pairs.stream().mapToDouble(a -> Math.abs(a[0] - a[1])).toArray(), false));
      }
    };
  }

  private static List<ErrorSlices.Slice> slices(List<CapturedRow> rows, double[] errors, boolean classification) {
    return ErrorSlices.worst(rows.stream().map(CapturedRow::inputs).toList(), errors, classification);
  }

  /** A binary label: 0/1 as a number, or a boolean. */
  private static Integer binaryLabel(Object label) {
    if (label instanceof Boolean b) {
      return b ? 1 : 0;
    }
    if (label instanceof Number n && (n.doubleValue() == 0 || n.doubleValue() == 1)) {
      return (int) n.doubleValue();
    }
    return null;
  }

  /** The positive-class probability: column 1 of an [n, 2] output ({@code name[1]}), else the value itself. */
  private static Double probability(Map<String, Object> outputs, String prediction) {
    Object v = outputs.containsKey(prediction + "[1]") ? outputs.get(prediction + "[1]") : outputs.get(prediction);
    if (v instanceof Number n && n.doubleValue() >= 0 && n.doubleValue() <= 1) {
      return n.doubleValue();
    }
    return null;
  }

  /** The predicted class: the value of the prediction column, or the index of the largest {@code name[i]}. */
  private static String predictedClass(Map<String, Object> outputs, String prediction) {
    Object v = outputs.get(prediction);
    if (v instanceof String || v instanceof Number) {
      return className(v);
    }
    int best = -1;
    double bestScore = Double.NEGATIVE_INFINITY;
    for (int i = 0; outputs.containsKey(prediction + "[" + i + "]"); i++) {
      if (outputs.get(prediction + "[" + i + "]") instanceof Number n && n.doubleValue() > bestScore) {
        bestScore = n.doubleValue();
        best = i;
      }
    }
    return best < 0 ? null : Integer.toString(best);
  }

  /** Classes by name; integral numbers without a fraction, so a label 2 matches a predicted 2.0. */
  private static String className(Object v) {
    if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && !Double.isInfinite(n.doubleValue())) {
      return Long.toString((long) n.doubleValue());
    }
    return String.valueOf(v);
  }
}
