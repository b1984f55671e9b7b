package dev.pier.runtime.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.kernel.PierException;
import dev.pier.kernel.tensor.Datatype;
import dev.pier.runtime.Tensor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A declarative feature pipeline stored with a version: it turns instances of named raw features into the model's
 * FP32 input {@code [rows, columns]}, the same way wherever it runs. Each feature, in order, yields its columns:
 *
 * <ul>
 *   <li>numeric: the raw value (or {@code expression} over other raw features: {@code + - * /}, parentheses,
 *       numbers), then {@code steps} in order — {@code impute} (value for a missing one), {@code clip} [lo, hi],
 *       {@code log} (log1p), {@code standardize} {mean, std}, {@code minmax} {min, max};
 *   <li>{@code onehot} {categories, unknown}: one column per category;
 *   <li>{@code ordinal} {categories, unknown}: the category's index;
 *   <li>{@code hash} {buckets}: one-hot of a stable hash of the value (for open vocabularies).
 * </ul>
 * Unknown categories follow the feature's policy: {@code error} (400 naming feature and value), {@code ignore}
 * (all zeros for one-hot and hashing's complement, -1 for ordinal) or, for ordinal only, {@code missing} (NaN: a
 * missing value, as training jobs register XGBoost models with categorical features). Instances are maps, so values read from a feature
 * store by entity key can be merged in before the pipeline runs. Thread-safe and immutable.
 */
public final class FeaturePipeline {
  private final String input;
  private final List<Feature> features;
  private final int columns;

  private FeaturePipeline(String input, List<Feature> features) {
    this.input = input;
    this.features = List.copyOf(features);
    this.columns = features.stream().mapToInt(Feature::width).sum();
  }

  /** The model input this pipeline feeds. */
  public String input() {
    return input;
  }

  public int columns() {
    return columns;
  }

  /** Parses and checks a pipeline spec; a wrong one is a 400 naming the field. */
  public static FeaturePipeline parse(JsonNode spec, String where) {
    if (spec == null || !spec.isObject()) {
      throw PierException.badRequest(where + " must be an object with 'input' and 'features'");
    }
    JsonNode in = spec.get("input");
    JsonNode fs = spec.get("features");
    if (in == null || !in.isTextual() || fs == null || !fs.isArray() || fs.isEmpty()) {
      throw PierException.badRequest(where + " needs 'input' (the model input's name) and a non-empty 'features' array");
    }
    List<Feature> features = new ArrayList<>();
    for (int i = 0; i < fs.size(); i++) {
      features.add(Feature.parse(fs.get(i), where + ".features[" + i + "]"));
    }
    return new FeaturePipeline(in.asText(), features);
  }

  /**
   * Whether the pipeline reads raw feature {@code name} from each instance and refuses an instance without it: a
   * numeric feature with no {@code impute} step, or a category feature whose unknown policy is {@code error}. A stage
   * that merges in values from elsewhere (the online feature store) asks this to name what is missing, and why.
   */
  public boolean requires(String name) {
    for (Feature f : features) {
      if (f.name().equals(name) && f.expression() == null) {
        return switch (f.kind()) {
          case "onehot", "ordinal" -> !f.ignoreUnknown();
          case "hash" -> false;
          default -> !f.stepKinds().contains("impute");
        };
      }
    }
    return false;
  }

  /** Applies the pipeline to instances (maps of raw feature name to value: number, string, boolean or null). */
  public Tensor apply(List<Map<String, Object>> instances) {
    float[] data = new float[instances.size() * columns];
    for (int r = 0; r < instances.size(); r++) {
      int at = r * columns;
      for (Feature f : features) {
        try {
          f.write(instances.get(r), data, at);
        } catch (PierException e) {
          throw PierException.badRequest("instances[" + r + "]: " + e.getMessage());
        }
        at += f.width();
      }
    }
    return new Tensor(input, Datatype.FP32, new long[] {instances.size(), columns}, data);
  }

  /** One feature and the columns it writes. */
  private record Feature(String name, Expression expression, List<double[]> steps, List<String> stepKinds,
      String kind, List<String> categories, boolean ignoreUnknown, int buckets, boolean unknownMissing) {

    Feature(String name, Expression expression, List<double[]> steps, List<String> stepKinds, String kind,
        List<String> categories, boolean ignoreUnknown, int buckets) {
      this(name, expression, steps, stepKinds, kind, categories, ignoreUnknown, buckets, false);
    }

    int width() {
      return switch (kind) {
        case "onehot" -> categories.size();
        case "hash" -> buckets;
        default -> 1;
      };
    }

    static Feature parse(JsonNode f, String where) {
      if (!f.isObject() || !f.path("name").isTextual()) {
        throw PierException.badRequest(where + " needs a 'name'");
      }
      String name = f.get("name").asText();
      for (String kind : List.of("onehot", "ordinal")) {
        if (f.has(kind)) {
          JsonNode c = f.get(kind);
          JsonNode cats = c.path("categories");
          if (!cats.isArray() || cats.isEmpty()) {
            throw PierException.badRequest(where + "." + kind + ".categories must be a non-empty array");
          }
          List<String> categories = new ArrayList<>();
          cats.forEach(x -> categories.add(x.asText()));
          String unknown = c.path("unknown").asText("error");
          boolean missing = unknown.equals("missing") && kind.equals("ordinal");
          if (!unknown.equals("error") && !unknown.equals("ignore") && !missing) {
            throw PierException.badRequest(where + "." + kind + ".unknown must be error or ignore"
                + (kind.equals("ordinal") ? " or missing" : ""));
          }
          return new Feature(name, null, List.of(), List.of(), kind, categories, unknown.equals("ignore") || missing,
              0, missing);
        }
      }
      if (f.has("hash")) {
        int buckets = f.path("hash").path("buckets").asInt(0);
        if (buckets < 2 || buckets > 1 << 16) {
          throw PierException.badRequest(where + ".hash.buckets must be between 2 and 65536");
        }
        return new Feature(name, null, List.of(), List.of(), "hash", List.of(), true, buckets);
      }
      Expression expression = f.has("expression") ? Expression.parse(f.get("expression").asText(), where + ".expression")
          : null;
      List<double[]> steps = new ArrayList<>();
      List<String> kinds = new ArrayList<>();
      JsonNode ss = f.path("steps");
      if (!ss.isMissingNode() && !ss.isArray()) {
        throw PierException.badRequest(where + ".steps must be an array");
      }
      for (int i = 0; i < ss.size(); i++) {
        JsonNode s = ss.get(i);
        String at = where + ".steps[" + i + "]";
        if (!s.isObject() || s.size() != 1) {
          throw PierException.badRequest(at + " must be an object with one step, e.g. {\"clip\": [0, 1]}");
        }
        String kind = s.fieldNames().next();
        JsonNode v = s.get(kind);
        double[] args = switch (kind) {
          case "impute" -> new double[] {number(v, at + ".impute")};
          case "clip" -> pair(v, at + ".clip");
          case "log" -> new double[0];
          case "standardize" -> {
            double std = number(v.path("std"), at + ".standardize.std");
            if (std <= 0) {
              throw PierException.badRequest(at + ".standardize.std must be positive");
            }
            yield new double[] {number(v.path("mean"), at + ".standardize.mean"), std};
          }
          case "minmax" -> {
            double lo = number(v.path("min"), at + ".minmax.min");
            double hi = number(v.path("max"), at + ".minmax.max");
            if (hi <= lo) {
              throw PierException.badRequest(at + ".minmax.max must be greater than min");
            }
            yield new double[] {lo, hi};
          }
          default -> throw PierException.badRequest(at + ": unknown step '" + kind
              + "'; use impute, clip, log, standardize or minmax");
        };
        steps.add(args);
        kinds.add(kind);
      }
      return new Feature(name, expression, steps, kinds, "numeric", List.of(), false, 0);
    }

    void write(Map<String, Object> instance, float[] out, int at) {
      switch (kind) {
        case "onehot", "ordinal" -> {
          Object raw = instance.get(name);
          int index = raw == null ? -1 : categories.indexOf(String.valueOf(raw));
          if (index < 0 && raw instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
              && Math.abs(n.doubleValue()) < 1e15) {
            index = categories.indexOf(Long.toString(n.longValue())); // JSON's 3 arrives as 3.0: category "3"
          }
          if (index < 0 && !ignoreUnknown) {
            throw PierException.badRequest("feature '" + name + "': unknown category " + (raw == null ? "(missing)"
                : "'" + raw + "'") + "; known: " + categories);
          }
          if (kind.equals("ordinal")) {
            out[at] = index < 0 && unknownMissing ? Float.NaN : index;
          } else if (index >= 0) {
            out[at + index] = 1;
          }
        }
        case "hash" -> {
          Object raw = instance.get(name);
          if (raw != null) {
            out[at + Math.floorMod(fnv(String.valueOf(raw)), buckets)] = 1;
          }
        }
        default -> {
          Double v = expression != null ? expression.eval(instance) : numeric(instance.get(name));
          for (int i = 0; i < steps.size(); i++) {
            double[] a = steps.get(i);
            switch (stepKinds.get(i)) {
              case "impute" -> v = v == null || v.isNaN() ? a[0] : v;
              case "clip" -> v = v == null ? null : Math.max(a[0], Math.min(a[1], v));
              case "log" -> v = v == null ? null : Math.log1p(v);
              case "standardize" -> v = v == null ? null : (v - a[0]) / a[1];
              case "minmax" -> v = v == null ? null : (v - a[0]) / (a[1] - a[0]);
              default -> throw new IllegalStateException(stepKinds.get(i));
            }
          }
          if (v == null || v.isNaN()) {
            throw PierException.badRequest("feature '" + name + "' is missing and has no impute step");
          }
          out[at] = (float) v.doubleValue();
          if (Float.isInfinite(out[at])) { // the model's input is FP32: 1e308 would reach it as infinity
            throw PierException.badRequest("feature '" + name + "': " + v + " is outside FP32's range [-"
                + Float.MAX_VALUE + ", " + Float.MAX_VALUE + "]");
          }
        }
      }
    }

    private Double numeric(Object raw) {
      if (raw == null) {
        return null;
      }
      if (raw instanceof Number n) {
        return n.doubleValue();
      }
      if (raw instanceof Boolean b) {
        return b ? 1.0 : 0.0;
      }
      throw PierException.badRequest("feature '" + name + "' must be a number, got \"" + raw + "\"");
    }

    private static int fnv(String s) {
      int h = 0x811c9dc5;
      for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
        h = (h ^ (b & 0xff)) * 0x01000193;
      }
      return h;
    }

    private static double number(JsonNode v, String at) {
      if (v == null || !v.isNumber()) {
        throw PierException.badRequest(at + " must be a number");
      }
      return v.asDouble();
    }

    private static double[] pair(JsonNode v, String at) {
      if (!v.isArray() || v.size() != 2 || !v.get(0).isNumber() || !v.get(1).isNumber() || v.get(1).asDouble() < v.get(0).asDouble()) {
        throw PierException.badRequest(at + " must be [low, high] with low <= high");
      }
      return new double[] {v.get(0).asDouble(), v.get(1).asDouble()};
    }
  }

  /** Arithmetic over raw features: numbers, names, + - * /, unary minus, parentheses. */
  static final class Expression {
    private final Node root;

    private Expression(Node root) {
      this.root = root;
    }

    static Expression parse(String text, String where) {
      Parser p = new Parser(text, where);
      Node n = p.sum();
      p.skip();
      if (p.pos != text.length()) {
        throw PierException.badRequest(where + ": unexpected '" + text.charAt(p.pos) + "' at " + p.pos);
      }
      return new Expression(n);
    }

    Double eval(Map<String, Object> instance) {
      return root.eval(instance);
    }

    private interface Node {
      Double eval(Map<String, Object> in);
    }

    private static final class Parser {
      final String s;
      final String where;
      int pos;

      Parser(String s, String where) {
        this.s = s;
        this.where = where;
      }

      void skip() {
        while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
          pos++;
        }
      }

      Node sum() {
        Node left = product();
        while (true) {
          skip();
          if (pos < s.length() && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) {
            char op = s.charAt(pos++);
            Node a = left;
            Node b = product();
            left = in -> both(a.eval(in), b.eval(in), op);
          } else {
            return left;
          }
        }
      }

      Node product() {
        Node left = unary();
        while (true) {
          skip();
          if (pos < s.length() && (s.charAt(pos) == '*' || s.charAt(pos) == '/')) {
            char op = s.charAt(pos++);
            Node a = left;
            Node b = unary();
            left = in -> both(a.eval(in), b.eval(in), op);
          } else {
            return left;
          }
        }
      }

      Node unary() {
        skip();
        if (pos < s.length() && s.charAt(pos) == '-') {
          pos++;
          Node n = unary();
          return in -> {
            Double v = n.eval(in);
            return v == null ? null : -v;
          };
        }
        return atom();
      }

      Node atom() {
        skip();
        if (pos >= s.length()) {
          throw PierException.badRequest(where + ": expression ends too early");
        }
        char c = s.charAt(pos);
        if (c == '(') {
          pos++;
          Node n = sum();
          skip();
          if (pos >= s.length() || s.charAt(pos) != ')') {
            throw PierException.badRequest(where + ": missing ')'");
          }
          pos++;
          return n;
        }
        int start = pos;
        if (Character.isDigit(c) || c == '.') {
          while (pos < s.length() && (Character.isDigit(s.charAt(pos)) || s.charAt(pos) == '.')) {
            pos++;
          }
          double v = Double.parseDouble(s.substring(start, pos));
          return in -> v;
        }
        if (Character.isLetter(c) || c == '_') {
          while (pos < s.length() && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '_')) {
            pos++;
          }
          String name = s.substring(start, pos);
          return in -> {
            Object raw = in.get(name);
            if (raw == null) {
              return null;
            }
            if (!(raw instanceof Number n)) {
              throw PierException.badRequest("feature '" + name + "' must be a number, got \"" + raw + "\"");
            }
            return n.doubleValue();
          };
        }
        throw PierException.badRequest(where + ": unexpected '" + c + "' at " + pos);
      }

      static Double both(Double a, Double b, char op) {
        if (a == null || b == null) {
          return null;
        }
        return switch (op) {
          case '+' -> a + b;
          case '-' -> a - b;
          case '*' -> a * b;
          default -> b == 0 ? Double.NaN : a / b;
        };
      }
    }
  }

  /** Reads instances from JSON: an array of objects of raw feature values. */
  public static List<Map<String, Object>> instances(JsonNode array) {
    if (array == null || !array.isArray() || array.isEmpty()) {
      throw PierException.badRequest("'instances' must be a non-empty array of objects");
    }
    List<Map<String, Object>> out = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      JsonNode o = array.get(i);
      if (!o.isObject()) {
        throw PierException.badRequest("instances[" + i + "] must be an object of feature values");
      }
      Map<String, Object> m = new HashMap<>();
      o.fields().forEachRemaining(e -> {
        JsonNode v = e.getValue();
        m.put(e.getKey(), v.isNull() ? null : v.isNumber() ? (Object) v.doubleValue() : v.isBoolean()
            ? (Object) v.booleanValue() : v.isValueNode() ? v.asText() : v.toString());
      });
      out.add(m);
    }
    return out;
  }
}
