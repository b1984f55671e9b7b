package dev.pier.experiments;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.experiments.flags.Condition;
import dev.pier.experiments.flags.FlagParser;
import dev.pier.experiments.metrics.MetricType;
import dev.pier.kernel.PierException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads the body of {@code POST /api/v1/experiments} into an {@link ExperimentDefinition}, collecting every problem
 * (named by its JSON path) into one 400 instead of stopping at the first.
 */
public final class DefinitionParser {

  private static final double WEIGHT_TOLERANCE = 1e-9;

  private final List<String> problems = new ArrayList<>();

  public static ExperimentDefinition parse(JsonNode body) {
    return new DefinitionParser().read(body);
  }

  private ExperimentDefinition read(JsonNode body) {
    if (body == null || !body.isObject()) throw PierException.badRequest("the body must be a JSON object");
    String name = text(body, "name", true);
    String hypothesis = text(body, "hypothesis", false);
    String flag = text(body, "flag", false);
    String model = text(body, "model", flag == null);
    String alias = flag == null ? orDefault(text(body, "alias", false), "production") : text(body, "alias", false);
    if (flag != null && model != null) problems.add("model: an experiment on flag '" + flag + "' names no model");
    if (flag != null && alias != null) problems.add("alias: an experiment on flag '" + flag + "' names no alias");
    String layer = orDefault(text(body, "layer", false), "default");
    String unit = orDefault(text(body, "unit", false), "user");
    List<Arm> arms = arms(body.get("arms"));
    armsMatch(arms, flag);

    JsonNode metrics = body.get("metrics");
    Metric primary = null;
    List<Metric> secondary = List.of(), guardrails = List.of();
    if (metrics == null || !metrics.isObject()) {
      problems.add("metrics: required, an object with a primary metric");
    } else {
      primary = metric(metrics.get("primary"), "metrics.primary", true, false);
      secondary = metricList(metrics.get("secondary"), "metrics.secondary", false);
      guardrails = metricList(metrics.get("guardrails"), "metrics.guardrails", true);
      Set<String> seen = new HashSet<>();
      List<Metric> all = new ArrayList<>();
      if (primary != null) all.add(primary);
      all.addAll(secondary);
      all.addAll(guardrails);
      for (Metric m : all) {
        if (!seen.add(m.name())) problems.add("metrics: '" + m.name() + "' is listed twice");
        if (flag != null && m.fromFeedback()) {
          problems.add("metrics: '" + m.name() + "' takes feedback on predictions, and flag '" + flag
              + "' makes none");
        }
      }
    }
    Design design = design(body.get("design"), primary);
    Analysis analysis = choice(body, "analysis", Analysis.class, Analysis.FREQUENTIST);
    Correction correction = choice(body, "correction", Correction.class, Correction.HOLM);
    boolean cuped = !body.has("cuped") || body.get("cuped").asBoolean(true);
    if (body.has("cuped") && !body.get("cuped").isBoolean()) problems.add("cuped: must be true or false");

    Auto auto = auto(body.get("auto"));
    List<Condition> targeting = targeting(body.get("targeting"));
    if (!problems.isEmpty()) throw PierException.badRequest("invalid experiment: " + String.join("; ", problems));
    return new ExperimentDefinition(name, hypothesis, model, alias, layer, unit, arms, primary, secondary, guardrails,
        design, analysis, correction, cuped, auto, targeting, flag);
  }

  /**
   * A flag experiment's arms serve its variants (each a different one, so a reported variant names one arm); a model
   * experiment's arms serve versions. Whether the variants exist is the service's check (it reads the flag).
   */
  private void armsMatch(List<Arm> arms, String flag) {
    Set<String> variants = new HashSet<>();
    for (int i = 0; i < arms.size(); i++) {
      Arm a = arms.get(i);
      String path = "arms[" + i + "]";
      if (flag == null && a.variant() != null) {
        problems.add(path + ".variant: arms serve flag variants only in an experiment that names its \"flag\"");
      }
      if (flag != null && a.version() != null) {
        problems.add(path + ".version: an experiment on flag '" + flag + "' serves variants, not model versions");
      }
      if (flag != null && a.variant() != null && !variants.add(a.variant())) {
        problems.add(path + ".variant: '" + a.variant() + "' is served by another arm");
      }
    }
  }

  /** {@code "targeting": {"conditions": [{"attribute", "operator", "value" | "values"}, …]}}, as flag rules. */
  private List<Condition> targeting(JsonNode node) {
    if (node == null || node.isNull()) return List.of();
    if (!node.isObject()) {
      problems.add("targeting: must be an object {\"conditions\": [...]}");
      return List.of();
    }
    return FlagParser.conditions(node.get("conditions"), "targeting.conditions", problems);
  }

  private List<Arm> arms(JsonNode node) {
    List<Arm> arms = new ArrayList<>();
    if (node == null || !node.isArray() || node.size() < 2) {
      problems.add("arms: required, at least two (the first is control)");
      return arms;
    }
    Set<String> names = new HashSet<>();
    double sum = 0;
    for (int i = 0; i < node.size(); i++) {
      JsonNode a = node.get(i);
      String path = "arms[" + i + "]";
      if (!a.isObject()) {
        problems.add(path + ": must be an object");
        continue;
      }
      String name = text(a, "name", true, path + ".name");
      if (name != null && !names.add(name)) problems.add(path + ".name: '" + name + "' is used by another arm");
      if (Holdout.ARM.equals(name)) problems.add(path + ".name: '" + name + "' is reserved for held-out units");
      Integer version = null;
      String variant = null;
      if (a.has("version")) {
        if (!a.get("version").canConvertToInt() || a.get("version").asInt() < 1) {
          problems.add(path + ".version: must be a version number (1 or more)");
        } else {
          version = a.get("version").asInt();
        }
      }
      if (a.has("variant")) variant = a.get("variant").asText();
      if (version == null && variant == null) problems.add(path + ": needs a model version or a flag variant");
      double weight = 0;
      if (!a.has("weight") || !a.get("weight").isNumber()) {
        problems.add(path + ".weight: required, a number in (0, 1]");
      } else {
        weight = a.get("weight").asDouble();
        if (!(weight > 0 && weight <= 1)) problems.add(path + ".weight: must lie in (0, 1], got " + weight);
      }
      sum += weight;
      arms.add(new Arm(name, version, variant, weight));
    }
    if (arms.size() == node.size() && Math.abs(sum - 1) > WEIGHT_TOLERANCE) {
      problems.add("arms: weights must sum to 1, they sum to " + sum);
    }
    return arms;
  }

  private Metric metric(JsonNode node, String path, boolean required, boolean guardrail) {
    if (node == null || node.isNull()) {
      if (required) problems.add(path + ": required");
      return null;
    }
    if (!node.isObject()) {
      problems.add(path + ": must be an object with name and type");
      return null;
    }
    String name = text(node, "name", true, path + ".name");
    MetricType type = MetricType.BINARY;
    if (node.has("type")) {
      try {
        type = MetricType.valueOf(node.get("type").asText().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        problems.add(path + ".type: must be " + types(path) + ", got '" + node.get("type").asText() + "'");
      }
    } else if (!guardrail) {
      problems.add(path + ".type: required, " + types(path));
    }
    // guardrails are usually costs (errors, latency): lower is better unless said otherwise
    boolean higherIsBetter = node.has("higher_is_better") ? node.get("higher_is_better").asBoolean() : !guardrail;
    Double maxHarm = null;
    if (node.has("max_relative_harm")) {
      maxHarm = node.get("max_relative_harm").asDouble();
      if (!node.get("max_relative_harm").isNumber() || maxHarm < 0) {
        problems.add(path + ".max_relative_harm: must be a number >= 0");
      }
    } else if (guardrail) {
      maxHarm = 0.0;
    }
    if (name == null) return null;
    if (node.has("feedback")) {
      // ground truth from monitoring joined to the arm's predictions, instead of events
      dev.pier.experiments.metrics.FeedbackValue feedback = null;
      try {
        feedback = node.get("feedback").isTextual()
            ? dev.pier.experiments.metrics.FeedbackValue.parse(node.get("feedback").asText()) : null;
      } catch (IllegalArgumentException e) {
        // named below
      }
      if (feedback == null) {
        problems.add(path + ".feedback: must be label, correct or abs_error, got " + node.get("feedback"));
      }
      if (type == MetricType.PERCENTILE) {
        problems.add(path + ".feedback: a feedback metric is binary or continuous, not a percentile");
      }
      return new Metric(name, type, higherIsBetter, maxHarm, null, null, feedback);
    }
    if (type != MetricType.PERCENTILE) return new Metric(name, type, higherIsBetter, maxHarm);
    if (path.equals("metrics.primary")) {
      problems.add(path + ".type: a percentile is a guardrail or secondary metric, not the primary");
    }
    // latency_p95_ms: the 95th percentile of latency_ms, unless "of" and "quantile" say otherwise
    java.util.regex.Matcher named = PERCENTILE_NAME.matcher(name);
    String of = text(node, "of", false, path + ".of");
    if (of == null && named.matches()) of = named.group(1) + (named.group(3) == null ? "" : named.group(3));
    Double quantile = null;
    if (node.has("quantile")) {
      quantile = node.get("quantile").asDouble();
      if (!node.get("quantile").isNumber() || !(quantile > 0 && quantile < 1)) {
        problems.add(path + ".quantile: must be a number in (0, 1)");
      }
    } else if (named.matches()) {
      quantile = Integer.parseInt(named.group(2)) / 100.0;
    }
    if (of == null || quantile == null) {
      problems.add(path + ": a percentile metric needs \"of\" (the metric whose events it ranks) and \"quantile\""
          + " (e.g. 0.95), or a name like latency_p95_ms (the 0.95 quantile of latency_ms)");
    } else if (of.equals(name)) {
      problems.add(path + ".of: a percentile ranks another metric's events, not its own");
    }
    return new Metric(name, type, higherIsBetter, maxHarm, of, quantile);
  }

  /** The metric types a metric at {@code path} may have: a percentile is never the primary. */
  private static String types(String path) {
    return path.equals("metrics.primary") ? "binary or continuous" : "binary, continuous or percentile";
  }

  /** {@code <base>_p<NN>[_<unit>]}: the NN-th percentile of {@code <base>[_<unit>]}. */
  private static final java.util.regex.Pattern PERCENTILE_NAME =
      java.util.regex.Pattern.compile("(.+)_p([1-9][0-9]?)(_[a-z0-9]+)?");

  private List<Metric> metricList(JsonNode node, String path, boolean guardrail) {
    List<Metric> out = new ArrayList<>();
    if (node == null || node.isNull()) return out;
    if (!node.isArray()) {
      problems.add(path + ": must be a list");
      return out;
    }
    for (int i = 0; i < node.size(); i++) {
      Metric m = metric(node.get(i), path + "[" + i + "]", true, guardrail);
      if (m != null) out.add(m);
    }
    return out;
  }

  private Design design(JsonNode node, Metric primary) {
    if (node == null || !node.isObject()) {
      problems.add("design: required, {alpha, power, mde, baseline}");
      return null;
    }
    double alpha = number(node, "alpha", 0.05, "design.alpha", true);
    double power = number(node, "power", 0.8, "design.power", true);
    double mde = number(node, "mde", Double.NaN, "design.mde", false);
    if (!Double.isNaN(mde) && (mde == 0 || mde <= -1)) problems.add("design.mde: must be a non-zero relative lift > -1");
    double baseline = number(node, "baseline", Double.NaN, "design.baseline", false);
    Double sd = node.has("baseline_sd") ? node.get("baseline_sd").asDouble() : null;
    Long daily = node.has("daily_units") ? node.get("daily_units").asLong() : null;
    if (daily != null && daily <= 0) problems.add("design.daily_units: must be positive");
    if (primary != null && !Double.isNaN(baseline)) {
      if (primary.type() == MetricType.BINARY && !(baseline > 0 && baseline < 1)) {
        problems.add("design.baseline: a binary primary metric's baseline is a rate in (0, 1), got " + baseline);
      } else if (primary.type() == MetricType.BINARY && !Double.isNaN(mde) && !(baseline * (1 + mde) < 1)) {
        problems.add("design.mde: baseline * (1 + mde) must stay below 1");
      } else if (primary.type() == MetricType.CONTINUOUS && (sd == null || !(sd > 0))) {
        problems.add("design.baseline_sd: required and positive for a continuous primary metric");
      } else if (primary.type() == MetricType.CONTINUOUS && baseline == 0) {
        problems.add("design.baseline: a relative mde needs a non-zero baseline mean");
      }
    }
    return new Design(alpha, power, mde, baseline, sd, daily);
  }

  private Auto auto(JsonNode node) {
    if (node == null || node.isNull()) return Auto.DEFAULT;
    if (!node.isObject()) {
      problems.add("auto: must be an object");
      return Auto.DEFAULT;
    }
    Auto d = Auto.DEFAULT;
    boolean promote = flag(node, "promote", d.promote());
    boolean stop = flag(node, "stop_on_guardrail", d.stopOnGuardrail());
    int minDays = node.has("min_days") ? node.get("min_days").asInt(-1) : d.minDays();
    if (minDays < 0) problems.add("auto.min_days: must be a whole number >= 0");
    long minUnits = node.has("min_units_per_arm") ? node.get("min_units_per_arm").asLong(-1) : d.minUnitsPerArm();
    if (minUnits < 0) problems.add("auto.min_units_per_arm: must be a whole number >= 0");
    double chance = node.has("chance_to_win") ? node.get("chance_to_win").asDouble(-1) : d.chanceToWin();
    if (!(chance > 0.5 && chance < 1)) problems.add("auto.chance_to_win: must lie in (0.5, 1)");
    return new Auto(promote, stop, minDays, minUnits, chance);
  }

  private boolean flag(JsonNode node, String field, boolean fallback) {
    if (!node.has(field)) return fallback;
    if (!node.get(field).isBoolean()) problems.add("auto." + field + ": must be true or false");
    return node.get(field).asBoolean(fallback);
  }

  private double number(JsonNode node, String field, double fallback, String path, boolean level) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      if (Double.isNaN(fallback)) problems.add(path + ": required");
      return fallback;
    }
    if (!v.isNumber()) {
      problems.add(path + ": must be a number");
      return fallback;
    }
    double d = v.asDouble();
    if (level && !(d > 0 && d < 1)) problems.add(path + ": must lie in (0, 1), got " + d);
    return d;
  }

  private <E extends Enum<E>> E choice(JsonNode body, String field, Class<E> type, E fallback) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) return fallback;
    String raw = v.asText().toUpperCase(Locale.ROOT).replace('-', '_');
    if (raw.equals("BH")) raw = "BENJAMINI_HOCHBERG";
    try {
      return Enum.valueOf(type, raw);
    } catch (IllegalArgumentException e) {
      List<String> allowed = new ArrayList<>();
      for (E c : type.getEnumConstants()) allowed.add(c.name().toLowerCase(Locale.ROOT).replace('_', '-'));
      problems.add(field + ": must be one of " + allowed + ", got '" + v.asText() + "'");
      return fallback;
    }
  }

  private String text(JsonNode node, String field, boolean required) {
    return text(node, field, required, field);
  }

  private String text(JsonNode node, String field, boolean required, String path) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull() || (v.isTextual() && v.asText().isBlank())) {
      if (required) problems.add(path + ": required");
      return null;
    }
    if (!v.isTextual()) {
      problems.add(path + ": must be a string");
      return null;
    }
    return v.asText();
  }

  private static String orDefault(String value, String fallback) {
    return value == null ? fallback : value;
  }
}
