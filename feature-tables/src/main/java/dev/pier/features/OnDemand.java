package dev.pier.features;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.kernel.PierException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.jexl3.JexlContext;
import org.apache.commons.jexl3.JexlException;

/**
 * On-demand features, the one code path for every reader (online reads, the prediction pipeline's lookup, the
 * point-in-time batch lookup, historical retrieval): {@link #plan} splits the features asked for into those read from
 * a store — adding the source features the expressions read — and those computed; {@link Plan#compute} then
 * evaluates each on-demand feature per row from the looked-up values and the request's fields.
 *
 * <p>An on-demand value is null, with the status of its first input that is not {@code PRESENT}, when an input is
 * missing; its event time is the newest of its inputs'. Inputs reach the expression as looked up (numbers, text,
 * booleans, lists), timestamps as epoch seconds. A result that does not fit the declared type, or an error such as
 * integer division by zero, is a 400 naming the feature, the row and what went wrong.
 *
 * <p>A catalog without on-demand views costs one {@code isEmpty} per read.
 */
public final class OnDemand {
  private OnDemand() {}

  /** The request fields of each row: Feast's request data (entity columns that are not join keys, instance fields). */
  public interface Request {
    /** The field's value in row {@code row}; null when the row does not have it (JSON null is a NullNode). */
    JsonNode field(int row, String name);

    /** How a 400 names the row, e.g. {@code instance 3} or {@code entity_rows[3]}. */
    String where(int row);
  }

  /** One variable of an expression: a looked-up feature or a request field. */
  private record Input(String variable, FeatureRef feature, Field request) {}

  /** The on-demand features of one view asked for, with their inputs. */
  private record Group(OnDemandFeatureView view, List<FeatureRef> outputs, List<Input> inputs) {}

  /**
   * @param lookups the features to read from a store: those asked for, then the inputs of on-demand ones
   * @param hidden inputs read only for on-demand features, not asked for themselves
   */
  public record Plan(List<FeatureRef> lookups, List<FeatureRef> onDemand, List<Group> groups, Set<FeatureRef> hidden) {
    /** True when nothing is computed. */
    public boolean none() {
      return groups.isEmpty();
    }

    /** The request fields the computed features read, each once (the first view's declaration), in plan order. */
    public List<Field> requestFields() {
      Map<String, Field> out = new LinkedHashMap<>();
      for (Group g : groups) {
        for (Input in : g.inputs()) {
          if (in.request() != null) {
            out.putIfAbsent(in.request().name(), in.request());
          }
        }
      }
      return List.copyOf(out.values());
    }

    /**
     * Computes the on-demand features for {@code rows} rows.
     *
     * @param found the looked-up values of {@link #lookups()}, one list per feature, one value per row
     */
    public Map<FeatureRef, List<FeatureValue>> compute(int rows, Map<FeatureRef, List<FeatureValue>> found,
        Request request) {
      Map<FeatureRef, List<FeatureValue>> out = new LinkedHashMap<>();
      for (Group g : groups) {
        List<List<FeatureValue>> columns = new ArrayList<>();
        for (FeatureRef r : g.outputs()) {
          List<FeatureValue> column = new ArrayList<>(rows);
          out.put(r, column);
          columns.add(column);
        }
        Map<String, Object> vars = new HashMap<>();
        JexlContext context = new ReadOnly(vars);
        for (int row = 0; row < rows; row++) {
          vars.clear();
          FeatureStatus missing = null;
          Instant newest = null;
          for (Input in : g.inputs()) {
            Object value;
            if (in.feature() != null) {
              FeatureValue v = found.get(in.feature()).get(row);
              if (v.status() != FeatureStatus.PRESENT && missing == null) {
                missing = v.status();
              }
              if (v.eventTime() != null && (newest == null || v.eventTime().isAfter(newest))) {
                newest = v.eventTime();
              }
              value = v.value();
            } else {
              JsonNode raw = request.field(row, in.request().name());
              if (raw == null) {
                throw PierException.badRequest(request.where(row) + " has no '" + in.request().name()
                    + "', a request field of on-demand feature view '" + g.view().name() + "'");
              }
              try {
                value = in.request().dtype().fromJson(raw);
              } catch (IllegalArgumentException e) {
                throw PierException.badRequest(request.where(row) + "." + in.request().name() + ": " + e.getMessage()
                    + " (a request field of on-demand feature view '" + g.view().name() + "')");
              }
              if (value == null && missing == null) {
                missing = FeatureStatus.NULL_VALUE;
              }
            }
            vars.put(in.variable(), input(value));
          }
          for (int o = 0; o < g.outputs().size(); o++) {
            FeatureRef r = g.outputs().get(o);
            if (missing != null) {
              columns.get(o).add(new FeatureValue(null, missing, newest));
              continue;
            }
            Field f = g.view().feature(r.feature());
            Object result;
            try {
              result = coerce(g.view().compiled().get(r.feature()).evaluate(context), f.dtype());
            } catch (JexlException e) {
              throw PierException.badRequest("on-demand feature '" + r + "' for " + request.where(row) + ": '"
                  + g.view().expressions().get(r.feature()) + "' failed: " + Expressions.message(e));
            } catch (IllegalArgumentException e) {
              throw PierException.badRequest("on-demand feature '" + r + "' for " + request.where(row) + ": "
                  + e.getMessage());
            }
            columns.get(o).add(new FeatureValue(result, result == null ? FeatureStatus.NULL_VALUE
                : FeatureStatus.PRESENT, newest));
          }
        }
      }
      return out;
    }
  }

  /**
   * Splits {@code refs}; when none is on-demand, the plan's lookups are {@code refs} itself and it computes nothing.
   */
  public static Plan plan(Catalog catalog, List<FeatureRef> refs) {
    if (!asksOnDemand(catalog, refs)) {
      return new Plan(refs, List.of(), List.of(), Set.of());
    }
    Map<String, List<FeatureRef>> byView = new LinkedHashMap<>();
    Set<FeatureRef> lookups = new LinkedHashSet<>();
    for (FeatureRef r : refs) {
      if (catalog.onDemandViews().containsKey(r.view())) {
        byView.computeIfAbsent(r.view(), v -> new ArrayList<>()).add(r);
      } else {
        lookups.add(r);
      }
    }
    Set<FeatureRef> hidden = new LinkedHashSet<>();
    List<Group> groups = new ArrayList<>();
    List<FeatureRef> onDemand = new ArrayList<>();
    for (var e : byView.entrySet()) {
      OnDemandFeatureView v = catalog.onDemandViews().get(e.getKey());
      Set<String> variables = new LinkedHashSet<>();
      for (FeatureRef r : e.getValue()) {
        variables.addAll(v.compiled().get(r.feature()).variables());
      }
      List<Input> inputs = new ArrayList<>();
      for (String name : variables) {
        Object bound = bind(v, catalog, name);
        if (bound instanceof String problem) {
          throw new PierException(500, "on-demand feature view '" + v.name() + "': " + problem);
        }
        if (bound instanceof FeatureRef f) {
          if (lookups.add(f)) {
            hidden.add(f);
          }
          inputs.add(new Input(name, f, null));
        } else {
          inputs.add(new Input(name, null, (Field) bound));
        }
      }
      groups.add(new Group(v, e.getValue(), inputs));
      onDemand.addAll(e.getValue());
    }
    return new Plan(List.copyOf(lookups), onDemand, groups, hidden);
  }

  private static boolean asksOnDemand(Catalog catalog, List<FeatureRef> refs) {
    if (catalog.onDemandViews().isEmpty()) {
      return false;
    }
    for (int i = 0; i < refs.size(); i++) {
      if (catalog.onDemandViews().containsKey(refs.get(i).view())) {
        return true;
      }
    }
    return false;
  }

  /**
   * What a variable of {@code v}'s expressions reads: a request {@link Field}, a source view's {@link FeatureRef} (by
   * feature name when one source has it, or {@code view__feature}), or a String saying why it is neither.
   */
  static Object bind(OnDemandFeatureView v, Catalog catalog, String name) {
    Field request = v.requestField(name);
    FeatureRef found = null;
    List<String> in = new ArrayList<>();
    for (String s : v.sources()) {
      FeatureView view = catalog.featureViews().get(s);
      if (view == null) {
        continue;
      }
      if (view.feature(name) != null) {
        found = new FeatureRef(s, name);
        in.add(s);
      } else if (name.startsWith(s + "__") && view.feature(name.substring(s.length() + 2)) != null) {
        return request != null ? "'" + name + "' is both a request field and a source feature"
            : new FeatureRef(s, name.substring(s.length() + 2));
      }
    }
    if (request != null) {
      return in.isEmpty() ? request : "'" + name + "' is both a request field and a feature of " + in.get(0)
          + "; rename the request field";
    }
    if (in.size() > 1) {
      return "'" + name + "' is a feature of " + String.join(" and ", in) + "; write " + in.get(0) + "__" + name;
    }
    return found != null ? found : "'" + name + "' is neither a request field nor a feature of its sources ("
        + String.join(", ", v.sources()) + ")";
  }

  /**
   * The problems with an on-demand view once applied over {@code all}: sources that are not feature views, names
   * its expressions read that nothing provides, and expressions whose answer for sample inputs of the declared types
   * does not fit the feature's declared type.
   */
  static List<String> check(OnDemandFeatureView v, Catalog all) {
    String where = "on_demand_feature_views (" + v.name() + ")";
    List<String> problems = new ArrayList<>();
    if (all.featureViews().containsKey(v.name())) {
      problems.add(where + ".name: '" + v.name() + "' is already a feature view's name");
    }
    for (String s : v.sources()) {
      if (!all.featureViews().containsKey(s)) {
        problems.add(where + ".sources: " + (all.onDemandViews().containsKey(s)
            ? "'" + s + "' is an on-demand feature view; sources are feature views" : "feature view '" + s
            + "' does not exist"));
      }
    }
    if (!problems.isEmpty()) {
      return problems;
    }
    for (Field out : v.schema()) {
      Expressions.Compiled c = v.compiled().get(out.name());
      Map<String, Object> sample = new HashMap<>();
      boolean bound = true;
      for (String name : c.variables()) {
        Object b = bind(v, all, name);
        if (b instanceof String problem) {
          problems.add(where + ".expressions." + out.name() + ": " + problem);
          bound = false;
        } else {
          Dtype t = b instanceof Field f ? f.dtype() : all.dtype((FeatureRef) b);
          sample.put(name, input(sample(t)));
        }
      }
      if (!bound) {
        continue;
      }
      Object result;
      try {
        result = c.evaluate(new ReadOnly(sample));
      } catch (JexlException e) {
        String m = Expressions.message(e);
        if (m.contains("undefined") || m.contains("permission") || m.contains("unsolvable") || m.contains("method")) {
          problems.add(where + ".expressions." + out.name() + ": '" + c.text() + "': " + m);
        }
        continue; // e.g. a division by zero with the sample values: nothing known about the type
      }
      try {
        coerce(result, out.dtype());
      } catch (IllegalArgumentException e) {
        problems.add(where + ".expressions." + out.name() + ": '" + c.text() + "' does not answer its declared type: "
            + e.getMessage());
      }
    }
    return problems;
  }

  /** A typical non-zero value of a type, to try an expression at apply. */
  private static Object sample(Dtype t) {
    Object one = switch (t.scalar()) {
      case BOOL -> Boolean.TRUE;
      case INT32 -> 3;
      case INT64 -> 3L;
      case FLOAT32 -> 2.5f;
      case FLOAT64 -> 2.5d;
      case STRING -> "a";
      case BYTES -> new byte[] {1};
      case UNIX_TIMESTAMP -> Instant.ofEpochSecond(1_700_000_000L);
    };
    return t.list() ? List.of(one) : one;
  }

  /** A looked-up or request value as an expression sees it: timestamps as epoch seconds. */
  private static Object input(Object value) {
    if (value instanceof Instant t) {
      return t.getEpochSecond();
    }
    if (value instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof Instant) {
      return l.stream().map(OnDemand::input).toList();
    }
    return value;
  }

  /** An expression's answer as a value of {@code type}; {@link IllegalArgumentException} saying why it is not one. */
  static Object coerce(Object v, Dtype type) {
    if (v == null) {
      return null;
    }
    if (type.list()) {
      if (!(v instanceof List<?> l)) {
        throw new IllegalArgumentException("expected " + type + ", got " + describe(v));
      }
      List<Object> out = new ArrayList<>(l.size());
      Dtype element = new Dtype(type.scalar(), false);
      for (Object e : l) {
        out.add(coerce(e, element));
      }
      return out;
    }
    switch (type.scalar()) {
      case BOOL -> {
        if (v instanceof Boolean) {
          return v;
        }
      }
      case INT32, INT64 -> {
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte
            || v instanceof java.math.BigInteger) {
          long l = ((Number) v).longValue();
          if (v instanceof java.math.BigInteger b && b.bitLength() > 63
              || type.scalar() == Dtype.Scalar.INT32 && (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE)) {
            throw new IllegalArgumentException(v + " is out of range for " + type);
          }
          return type.scalar() == Dtype.Scalar.INT32 ? (Object) (int) l : (Object) l;
        }
      }
      case FLOAT32 -> {
        if (v instanceof Number n) {
          return n.floatValue();
        }
      }
      case FLOAT64 -> {
        if (v instanceof Number n) {
          return n.doubleValue();
        }
      }
      case STRING -> {
        if (v instanceof String || v instanceof Character) {
          return v.toString();
        }
      }
      case BYTES -> {
        if (v instanceof byte[]) {
          return v;
        }
      }
      case UNIX_TIMESTAMP -> {
        if (v instanceof Integer || v instanceof Long) {
          return Instant.ofEpochSecond(((Number) v).longValue());
        }
      }
    }
    throw new IllegalArgumentException("expected " + type + ", got " + describe(v));
  }

  private static String describe(Object v) {
    return switch (v) {
      case String s -> "text '" + s + "'";
      case Boolean b -> "boolean " + b;
      case Double d -> "decimal " + d;
      case Float f -> "decimal " + f;
      case java.math.BigDecimal d -> "decimal " + d;
      case Number n -> "integer " + n;
      case List<?> l -> "a list";
      default -> "a " + v.getClass().getSimpleName();
    };
  }

  /** Variables by name; an expression cannot set any (the sandbox has no assignment anyway). */
  private record ReadOnly(Map<String, Object> vars) implements JexlContext {
    @Override
    public Object get(String name) {
      return vars.get(name);
    }

    @Override
    public void set(String name, Object value) {
      throw new UnsupportedOperationException("expressions cannot assign");
    }

    @Override
    public boolean has(String name) {
      return vars.containsKey(name);
    }
  }
}
