package dev.pier.monitoring.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A monitor's {@code checks}: what in a run raises an alert.
 *
 * <pre>
 * {"dataset_drift": true, "prediction_drift": true, "column_drift": ["age"] (or true for every column),
 *  "performance": {"roc_auc": {"min": 0.7}, "mae": {"max": 3.5}},
 *  "null_share": {"max": 0.05}, "out_of_range_share": {"max": 0.1}, "latency_p95_ms": {"max": 250}}
 * </pre>
 *
 * @param columnDrift the input columns whose drift alerts; null for none, empty for every column
 * @param performance metric name to its bound
 * @param nullShare per column, the largest share of rows without a value before an alert; null for no check
 * @param outOfRangeShare per column, the largest share of values outside the reference's range; null for no check
 * @param latencyP95Ms the largest p95 latency of the window's captured requests, in milliseconds; null for no check
 */
public record Checks(boolean datasetDrift, boolean predictionDrift, Set<String> columnDrift,
    Map<String, Bound> performance, Double nullShare, Double outOfRangeShare, Double latencyP95Ms) {

  public static final Checks NONE = new Checks(false, false, null, Map.of(), null, null, null);
  static final Set<String> FIELDS = new TreeSet<>(Set.of("dataset_drift", "prediction_drift", "column_drift",
      "performance", "null_share", "out_of_range_share", "latency_p95_ms"));
  /** The metrics runs report, by task (performance.binary, .multiclass, .regression). */
  public static final Set<String> METRICS = new TreeSet<>(Set.of("accuracy", "precision", "recall", "f1", "roc_auc",
      "log_loss", "macro_f1", "mae", "rmse", "mape", "r2"));

  /** An alert when the value is below {@code min} or above {@code max}. */
  public record Bound(Double min, Double max) {
    public boolean violatedBy(double value) {
      return (min != null && value < min) || (max != null && value > max);
    }

    @Override
    public String toString() {
      return min != null ? "min " + min : "max " + max;
    }
  }

  /** Reads {@code checks} (null or absent: none), adding each problem, named by its field, to {@code problems}. */
  public static Checks parse(JsonNode checks, List<String> problems) {
    if (checks == null || checks.isNull()) {
      return NONE;
    }
    if (!checks.isObject()) {
      problems.add("checks must be an object");
      return NONE;
    }
    for (Iterator<String> it = checks.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!FIELDS.contains(f)) {
        problems.add("checks." + f + " is not a check; checks are " + String.join(", ", FIELDS));
      }
    }
    boolean dataset = flag(checks, "dataset_drift", problems);
    boolean prediction = flag(checks, "prediction_drift", problems);
    Set<String> columns = null;
    JsonNode c = checks.get("column_drift");
    if (c != null && !c.isNull()) {
      if (c.isBoolean()) {
        columns = c.asBoolean() ? Set.of() : null;
      } else if (c.isArray() && !c.isEmpty()) {
        columns = new TreeSet<>();
        for (JsonNode name : c) {
          if (!name.isTextual() || name.asText().isEmpty()) {
            problems.add("checks.column_drift must be true or a non-empty array of column names");
            break;
          }
          columns.add(name.asText());
        }
      } else {
        problems.add("checks.column_drift must be true or a non-empty array of column names");
      }
    }
    Map<String, Bound> performance = new LinkedHashMap<>();
    JsonNode p = checks.get("performance");
    if (p != null && !p.isNull()) {
      if (!p.isObject()) {
        problems.add("checks.performance must be an object of metric: {\"min\": x} or {\"max\": x}");
      } else {
        for (Iterator<Map.Entry<String, JsonNode>> it = p.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          String where = "checks.performance." + e.getKey();
          if (!METRICS.contains(e.getKey())) {
            problems.add(where + " is not a metric; one of " + String.join(", ", METRICS));
            continue;
          }
          Bound bound = bound(e.getValue(), where, problems);
          if (bound != null) {
            performance.put(e.getKey(), bound);
          }
        }
      }
    }
    Double latency = null;
    JsonNode l = checks.get("latency_p95_ms");
    if (l != null && !l.isNull()) {
      if (!l.isObject() || l.size() != 1 || !l.path("max").isNumber() || !(l.get("max").asDouble() > 0)) {
        problems.add("checks.latency_p95_ms must be {\"max\": milliseconds above 0}");
      } else {
        latency = l.get("max").asDouble();
      }
    }
    return new Checks(dataset, prediction, columns, performance, max(checks, "null_share", problems),
        max(checks, "out_of_range_share", problems), latency);
  }

  public boolean isEmpty() {
    return equals(NONE);
  }

  private static boolean flag(JsonNode checks, String field, List<String> problems) {
    JsonNode n = checks.get(field);
    if (n == null || n.isNull()) {
      return false;
    }
    if (!n.isBoolean()) {
      problems.add("checks." + field + " must be true or false");
      return false;
    }
    return n.asBoolean();
  }

  private static Bound bound(JsonNode n, String where, List<String> problems) {
    if (n == null || !n.isObject() || n.size() != 1 || !(n.has("min") || n.has("max"))
        || !n.elements().next().isNumber()) {
      problems.add(where + " must be {\"min\": number} or {\"max\": number}");
      return null;
    }
    return n.has("min") ? new Bound(n.get("min").asDouble(), null) : new Bound(null, n.get("max").asDouble());
  }

  private static Double max(JsonNode checks, String field, List<String> problems) {
    JsonNode n = checks.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    String where = "checks." + field;
    if (!n.isObject() || n.size() != 1 || !n.path("max").isNumber() || n.get("max").asDouble() < 0
        || n.get("max").asDouble() > 1) {
      problems.add(where + " must be {\"max\": share between 0 and 1}");
      return null;
    }
    return n.get("max").asDouble();
  }

  /** The columns named in {@code column_drift} (for checking them against the reference). */
  public List<String> namedColumns() {
    return columnDrift == null ? List.of() : new ArrayList<>(columnDrift);
  }
}
