package dev.pier.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.kernel.PierException;
import dev.pier.monitoring.drift.DriftMethod;
import dev.pier.monitoring.drift.DriftSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The body of {@code POST /api/v1/monitors}, checked: every problem is a 400 naming the field (and the row or column
 * where it applies).
 *
 * <pre>
 * {"model": "churn", "version": "production", "reference": {"rows": [{...}, ...]}, "window": "1h",
 *  "schedule": "rate(1 hour)", "task": "binary_classification", "prediction": "probability[1]",
 *  "protected": ["gender"], "drift": {"age": {"method": "psi", "threshold": 0.2}}, "drift_share": 0.5,
 *  "checks": {...}, "alerts": {...}}
 * </pre>
 */
public record MonitorRequest(String model, String version, List<Map<String, Object>> referenceRows, Duration window,
    String schedule, Task task, String prediction, List<String> protectedColumns, Map<String, DriftSpec> drift,
    double driftShare, JsonNode checks, JsonNode alerts) {

  static final Set<String> FIELDS = new TreeSet<>(Set.of("model", "version", "reference", "window", "schedule",
      "task", "prediction", "protected", "drift", "drift_share", "checks", "alerts"));
  private static final Pattern WINDOW = Pattern.compile("(\\d{1,6})([mhd])");
  /** Reference rows carried in a request; larger references belong in S3 (a uri reference). */
  static final int MAX_REFERENCE_ROWS = 100_000;

  public static MonitorRequest parse(JsonNode body) {
    if (body == null || !body.isObject()) {
      throw PierException.badRequest("the body must be a JSON object with model and reference");
    }
    for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!FIELDS.contains(f)) {
        throw PierException.badRequest("unknown field '" + f + "'; a monitor has " + String.join(", ", FIELDS));
      }
    }
    String model = requiredText(body, "model");
    JsonNode v = body.get("version");
    String version = v == null || v.isNull() ? "production" : v.isIntegralNumber() ? v.asText() : text(body, "version");
    List<Map<String, Object>> rows = referenceRows(body.get("reference"));
    Duration window = window(text(body, "window"));
    Task task = null;
    String taskName = text(body, "task");
    if (taskName != null) {
      try {
        task = Task.byName(taskName);
      } catch (IllegalArgumentException e) {
        throw PierException.badRequest("task: " + e.getMessage());
      }
    }
    String prediction = text(body, "prediction");
    if (task != null && prediction == null) {
      throw PierException.badRequest("prediction: a monitor with a task names the output column that holds the"
          + " prediction");
    }
    List<String> protectedColumns = new ArrayList<>();
    JsonNode p = body.get("protected");
    if (p != null && !p.isNull()) {
      if (!p.isArray()) {
        throw PierException.badRequest("protected must be an array of column names");
      }
      p.forEach(c -> {
        if (!c.isTextual() || c.asText().isEmpty()) {
          throw PierException.badRequest("protected must be an array of column names");
        }
        protectedColumns.add(c.asText());
      });
    }
    double share = 0.5;
    JsonNode s = body.get("drift_share");
    if (s != null && !s.isNull()) {
      if (!s.isNumber() || !(s.asDouble() > 0 && s.asDouble() <= 1)) {
        throw PierException.badRequest("drift_share must be a number in (0, 1]");
      }
      share = s.asDouble();
    }
    return new MonitorRequest(model, version, rows, window, text(body, "schedule"), task, prediction,
        protectedColumns, drift(body.get("drift")), share, json(body, "checks"), json(body, "alerts"));
  }

  private static List<Map<String, Object>> referenceRows(JsonNode reference) {
    if (reference == null || !reference.isObject()) {
      throw PierException.badRequest("reference is required: {\"rows\": [{column: value, ...}, ...]}");
    }
    if (reference.has("uri")) {
      throw PierException.badRequest("reference.uri is not supported by this build yet; give the rows inline as"
          + " reference.rows");
    }
    JsonNode rows = reference.get("rows");
    if (rows == null || !rows.isArray() || rows.isEmpty()) {
      throw PierException.badRequest("reference.rows must be a non-empty array of objects");
    }
    if (rows.size() > MAX_REFERENCE_ROWS) {
      throw PierException.badRequest("reference.rows has " + rows.size() + " rows; at most " + MAX_REFERENCE_ROWS
          + " inline");
    }
    List<Map<String, Object>> out = new ArrayList<>(rows.size());
    for (int i = 0; i < rows.size(); i++) {
      JsonNode row = rows.get(i);
      if (!row.isObject()) {
        throw PierException.badRequest("reference.rows[" + i + "] must be an object of column values");
      }
      Map<String, Object> values = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = row.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> cell = it.next();
        JsonNode value = cell.getValue();
        Object scalar = switch (value.getNodeType()) {
          case NUMBER -> value.doubleValue();
          case STRING -> value.textValue();
          case BOOLEAN -> value.booleanValue();
          case NULL -> null;
          default -> throw PierException.badRequest("reference.rows[" + i + "]." + cell.getKey()
              + " must be a number, string, boolean or null");
        };
        values.put(cell.getKey(), scalar);
      }
      out.add(values);
    }
    return out;
  }

  static Duration window(String text) {
    if (text == null) {
      return Duration.ofHours(1);
    }
    Matcher m = WINDOW.matcher(text);
    if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
      throw PierException.badRequest("window must be a positive number of minutes, hours or days such as 30m, 1h or"
          + " 7d; got '" + text + "'");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }

  private static Map<String, DriftSpec> drift(JsonNode drift) {
    Map<String, DriftSpec> out = new LinkedHashMap<>();
    if (drift == null || drift.isNull()) {
      return out;
    }
    if (!drift.isObject()) {
      throw PierException.badRequest("drift must be an object of column: {method, threshold}");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = drift.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode spec = e.getValue();
      String where = "drift." + e.getKey();
      if (!spec.isObject()) {
        throw PierException.badRequest(where + " must be an object with method and/or threshold");
      }
      DriftMethod method = null;
      if (spec.hasNonNull("method")) {
        try {
          method = DriftMethod.byName(spec.get("method").asText());
        } catch (IllegalArgumentException ex) {
          throw PierException.badRequest(where + ".method: " + ex.getMessage());
        }
      }
      Double threshold = null;
      if (spec.hasNonNull("threshold")) {
        if (!spec.get("threshold").isNumber() || !(spec.get("threshold").asDouble() > 0)) {
          throw PierException.badRequest(where + ".threshold must be a positive number");
        }
        threshold = spec.get("threshold").asDouble();
      }
      out.put(e.getKey(), new DriftSpec(method, threshold));
    }
    return out;
  }

  private static String requiredText(JsonNode body, String field) {
    String value = text(body, field);
    if (value == null || value.isEmpty()) {
      throw PierException.badRequest(field + " is required");
    }
    return value;
  }

  private static String text(JsonNode body, String field) {
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isTextual()) {
      throw PierException.badRequest(field + " must be a string");
    }
    return n.asText();
  }

  private static JsonNode json(JsonNode body, String field) {
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isObject()) {
      throw PierException.badRequest(field + " must be an object");
    }
    return n.deepCopy();
  }
}
