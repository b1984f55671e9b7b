package dev.pier.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.batch.ScheduleExpression;
import dev.pier.kernel.PierException;
import dev.pier.monitoring.alerts.AlertTargets;
import dev.pier.monitoring.alerts.Checks;
import dev.pier.monitoring.drift.DriftMethod;
import dev.pier.monitoring.drift.DriftSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The body of {@code POST /api/v1/monitors} (or of {@code PATCH /api/v1/monitors/{id}}), checked: every problem in
 * the body is named, by its field (and row or column where it applies), in one 400.
 *
 * <pre>
 * {"model": "churn", "version": "production", "reference": {"rows": [{...}, ...]}, "window": "1h",
 *  "schedule": "rate(1 hour)", "task": "binary_classification", "prediction": "probability[1]",
 *  "protected": ["gender"], "drift": {"age": {"method": "psi", "threshold": 0.2}}, "drift_share": 0.5,
 *  "checks": {...}, "alerts": {...}, "capture": {"sample_rate": 1.0}}
 * </pre>
 *
 * @param reference null in a patch
 * @param captureRate the sample rate capture is turned on at for the version when it is off (default 1.0); null in
 *     a patch
 * @param fields the fields the body named (a patch changes only those)
 */
public record MonitorRequest(String model, String version, ReferenceSpec reference, Duration window,
    String schedule, Task task, String prediction, List<String> protectedColumns, Map<String, DriftSpec> drift,
    double driftShare, JsonNode checks, JsonNode alerts, Double captureRate, Set<String> fields) {

  static final Set<String> FIELDS = new TreeSet<>(Set.of("model", "version", "reference", "window", "schedule",
      "task", "prediction", "protected", "drift", "drift_share", "checks", "alerts", "capture"));
  /**
   * What a monitor keeps for its life: a different model, version or reference is a different monitor; capture is
   * turned on once, at creation (the version's own rate is changed on the version).
   */
  static final Set<String> FIXED = new TreeSet<>(Set.of("model", "version", "reference", "capture"));
  private static final Pattern WINDOW = Pattern.compile("(\\d{1,6})([mhd])");
  /** Reference rows: inline, or read from a dataset or captures; a reference is read whole on every run. */
  static final int MAX_REFERENCE_ROWS = 100_000;

  /** Inline reference rows, or the empty list for a reference read from elsewhere. */
  public List<Map<String, Object>> referenceRows() {
    return reference instanceof ReferenceSpec.Rows r ? r.rows() : List.of();
  }

  public static MonitorRequest parse(JsonNode body) {
    return parse(body, false);
  }

  /** A {@code PATCH}: any field but model, version and reference; only those named change. */
  public static MonitorRequest parsePatch(JsonNode body) {
    return parse(body, true);
  }

  private static MonitorRequest parse(JsonNode body, boolean patch) {
    if (body == null || !body.isObject()) {
      throw PierException.badRequest(patch ? "the body must be a JSON object of the fields to change"
          : "the body must be a JSON object with model and reference");
    }
    List<String> problems = new ArrayList<>();
    Set<String> fields = new LinkedHashSet<>();
    for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      fields.add(f);
      if (!FIELDS.contains(f)) {
        problems.add("unknown field '" + f + "'; a monitor has " + String.join(", ", FIELDS));
      } else if (patch && FIXED.contains(f)) {
        problems.add(f + " cannot change; create a new monitor for another model, version or reference");
      }
    }
    String model = patch ? null : requiredText(body, "model", problems);
    String version = null;
    ReferenceSpec reference = null;
    Double captureRate = null;
    if (!patch) {
      captureRate = captureRate(body.get("capture"), problems);
      JsonNode v = body.get("version");
      version = v == null || v.isNull() ? "production" : v.isIntegralNumber() ? v.asText() : text(body, "version",
          problems);
      reference = reference(body.get("reference"), problems);
    }
    Duration window = window(text(body, "window", problems), problems);
    String schedule = text(body, "schedule", problems);
    if (schedule != null) {
      try {
        ScheduleExpression.parse(schedule, Instant.EPOCH);
      } catch (PierException e) {
        problems.add("schedule: " + e.getMessage());
      }
    }
    Task task = null;
    String taskName = text(body, "task", problems);
    if (taskName != null) {
      try {
        task = Task.byName(taskName);
      } catch (IllegalArgumentException e) {
        problems.add("task: " + e.getMessage());
      }
    }
    String prediction = text(body, "prediction", problems);
    if (!patch && taskName != null && prediction == null) {
      problems.add("prediction: a monitor with a task names the output column that holds the prediction");
    }
    List<String> protectedColumns = new ArrayList<>();
    JsonNode p = body.get("protected");
    if (p != null && !p.isNull()) {
      boolean names = p.isArray();
      if (names) {
        for (JsonNode c : p) {
          names &= c.isTextual() && !c.asText().isEmpty();
          protectedColumns.add(c.asText());
        }
      }
      if (!names) {
        problems.add("protected must be an array of column names");
      }
    }
    double share = 0.5;
    JsonNode s = body.get("drift_share");
    if (s != null && !s.isNull()) {
      if (!s.isNumber() || !(s.asDouble() > 0 && s.asDouble() <= 1)) {
        problems.add("drift_share must be a number in (0, 1]");
      } else {
        share = s.asDouble();
      }
    }
    Map<String, DriftSpec> drift = drift(body.get("drift"), problems);
    JsonNode checks = object(body, "checks", problems);
    Checks.parse(checks, problems);
    JsonNode alerts = object(body, "alerts", problems);
    AlertTargets.parse(alerts, problems);
    if (!problems.isEmpty()) {
      throw PierException.badRequest(String.join("; ", problems));
    }
    return new MonitorRequest(model, version, reference, window, schedule, task, prediction, protectedColumns, drift,
        share, checks, alerts, captureRate, fields);
  }

  /** {@code "capture": {"sample_rate": r}} with r in (0, 1]; 1.0 when absent. */
  private static Double captureRate(JsonNode capture, List<String> problems) {
    if (capture == null || capture.isNull()) {
      return 1.0;
    }
    JsonNode rate = capture.get("sample_rate");
    if (!capture.isObject() || capture.size() != 1 || rate == null || !rate.isNumber()
        || !(rate.asDouble() > 0 && rate.asDouble() <= 1)) {
      problems.add("capture must be {\"sample_rate\": r} with r above 0 and at most 1 (the rate capture is turned on"
          + " at when the version's capture is off)");
      return null;
    }
    return rate.asDouble();
  }

  private static ReferenceSpec reference(JsonNode reference, List<String> problems) {
    String shapes = "{\"rows\": [...]}, {\"uri\": \"s3://…\", \"format\": \"parquet|csv|jsonl\"}, {\"captures\":"
        + " {\"from\", \"to\"}} or {\"training_data\": true}";
    if (reference == null || !reference.isObject()) {
      problems.add("reference is required: " + shapes);
      return null;
    }
    List<String> kinds = new ArrayList<>();
    for (String k : List.of("rows", "uri", "captures", "training_data")) {
      if (reference.has(k)) {
        kinds.add(k);
      }
    }
    for (Iterator<String> it = reference.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!Set.of("rows", "uri", "format", "captures", "training_data").contains(f)) {
        problems.add("reference." + f + " is not a field; a reference is one of " + shapes);
      }
    }
    if (kinds.size() != 1) {
      problems.add("reference must have exactly one of rows, uri, captures, training_data; it has "
          + (kinds.isEmpty() ? "none" : String.join(", ", kinds)));
      return null;
    }
    String format = null;
    JsonNode f = reference.get("format");
    if (f != null && !f.isNull()) {
      if (!f.isTextual() || !Set.of("parquet", "csv", "jsonl").contains(f.asText())) {
        problems.add("reference.format must be parquet, csv or jsonl");
      } else {
        format = f.asText();
      }
    }
    return switch (kinds.getFirst()) {
      case "rows" -> rows(reference.get("rows"), problems);
      case "uri" -> {
        JsonNode uri = reference.get("uri");
        if (!uri.isTextual() || !uri.asText().startsWith("s3://")) {
          problems.add("reference.uri must be an s3://bucket/key location");
          yield null;
        }
        if (format == null && ReferenceLoader.formatOf(uri.asText()) == null) {
          problems.add("reference.format is required when the uri's extension is not .parquet, .csv or .jsonl");
        }
        yield new ReferenceSpec.Dataset(uri.asText(), format);
      }
      case "captures" -> captures(reference.get("captures"), problems);
      default -> {
        if (!reference.get("training_data").isBoolean() || !reference.get("training_data").asBoolean()) {
          problems.add("reference.training_data must be true");
        }
        yield new ReferenceSpec.TrainingData(format);
      }
    };
  }

  private static ReferenceSpec captures(JsonNode c, List<String> problems) {
    if (!c.isObject()) {
      problems.add("reference.captures must be {\"from\": time, \"to\": time, \"version\": n}");
      return null;
    }
    Instant from = instant(c, "from", problems);
    Instant to = instant(c, "to", problems);
    if (from != null && to != null && !from.isBefore(to)) {
      problems.add("reference.captures: from must be before to");
    }
    Integer version = null;
    if (c.hasNonNull("version")) {
      if (!c.get("version").isIntegralNumber() || c.get("version").asInt() < 1) {
        problems.add("reference.captures.version must be a version number");
      } else {
        version = c.get("version").asInt();
      }
    }
    return new ReferenceSpec.Captures(from, to, version);
  }

  private static Instant instant(JsonNode c, String field, List<String> problems) {
    String where = "reference.captures." + field;
    if (!c.path(field).isTextual()) {
      problems.add(where + " is required: an ISO-8601 time such as 2026-12-06T10:00:00Z");
      return null;
    }
    try {
      return Instant.parse(c.get(field).asText());
    } catch (DateTimeParseException e) {
      problems.add(where + " must be an ISO-8601 time such as 2026-12-06T10:00:00Z; got '" + c.get(field).asText()
          + "'");
      return null;
    }
  }

  private static ReferenceSpec rows(JsonNode rows, List<String> problems) {
    if (rows == null || !rows.isArray() || rows.isEmpty()) {
      problems.add("reference.rows must be a non-empty array of objects");
      return null;
    }
    if (rows.size() > MAX_REFERENCE_ROWS) {
      problems.add("reference.rows has " + rows.size() + " rows; at most " + MAX_REFERENCE_ROWS
          + " inline (a larger reference belongs in S3: reference.uri)");
      return null;
    }
    List<Map<String, Object>> out = new ArrayList<>(rows.size());
    for (int i = 0; i < rows.size() && problems.size() < 20; i++) {
      JsonNode row = rows.get(i);
      if (!row.isObject()) {
        problems.add("reference.rows[" + i + "] must be an object of column values");
        continue;
      }
      Map<String, Object> values = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = row.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> cell = it.next();
        JsonNode value = cell.getValue();
        switch (value.getNodeType()) {
          case NUMBER -> values.put(cell.getKey(), value.doubleValue());
          case STRING -> values.put(cell.getKey(), value.textValue());
          case BOOLEAN -> values.put(cell.getKey(), value.booleanValue());
          case NULL -> values.put(cell.getKey(), null);
          default -> problems.add("reference.rows[" + i + "]." + cell.getKey()
              + " must be a number, string, boolean or null");
        }
      }
      out.add(values);
    }
    return new ReferenceSpec.Rows(out);
  }

  static Duration window(String text) {
    List<String> problems = new ArrayList<>();
    Duration d = window(text, problems);
    if (!problems.isEmpty()) {
      throw PierException.badRequest(problems.getFirst());
    }
    return d;
  }

  private static Duration window(String text, List<String> problems) {
    if (text == null) {
      return Duration.ofHours(1);
    }
    Matcher m = WINDOW.matcher(text);
    if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
      problems.add("window must be a positive number of minutes, hours or days such as 30m, 1h or 7d; got '"
          + text + "'");
      return Duration.ofHours(1);
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }

  private static Map<String, DriftSpec> drift(JsonNode drift, List<String> problems) {
    Map<String, DriftSpec> out = new LinkedHashMap<>();
    if (drift == null || drift.isNull()) {
      return out;
    }
    if (!drift.isObject()) {
      problems.add("drift must be an object of column: {method, threshold}");
      return out;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = drift.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode spec = e.getValue();
      String where = "drift." + e.getKey();
      if (!spec.isObject()) {
        problems.add(where + " must be an object with method and/or threshold");
        continue;
      }
      DriftMethod method = null;
      if (spec.hasNonNull("method")) {
        try {
          method = DriftMethod.byName(spec.get("method").asText());
        } catch (IllegalArgumentException ex) {
          problems.add(where + ".method: " + ex.getMessage());
        }
      }
      Double threshold = null;
      if (spec.hasNonNull("threshold")) {
        if (!spec.get("threshold").isNumber() || !(spec.get("threshold").asDouble() > 0)) {
          problems.add(where + ".threshold must be a positive number");
        } else {
          threshold = spec.get("threshold").asDouble();
        }
      }
      out.put(e.getKey(), new DriftSpec(method, threshold));
    }
    return out;
  }

  private static String requiredText(JsonNode body, String field, List<String> problems) {
    if (!body.hasNonNull(field)) {
      problems.add(field + " is required");
      return null;
    }
    String value = text(body, field, problems);
    if (value != null && value.isEmpty()) {
      problems.add(field + " must not be empty");
      return null;
    }
    return value;
  }

  private static String text(JsonNode body, String field, List<String> problems) {
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isTextual()) {
      problems.add(field + " must be a string");
      return null;
    }
    return n.asText();
  }

  private static JsonNode object(JsonNode body, String field, List<String> problems) {
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isObject()) {
      problems.add(field + " must be an object");
      return null;
    }
    return n.deepCopy();
  }
}
