package dev.pier.training.tuning;

import dev.pier.kernel.PierException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The hyperparameters a search varies, in Optuna's terms, parsed from a job's {@code tuning.space}:
 * <pre>{@code
 * {"max_depth": {"type": "int", "low": 2, "high": 8},
 *  "eta": {"type": "float", "low": 0.01, "high": 0.3, "log": true},
 *  "booster": {"type": "categorical", "choices": ["gbtree", "dart"]}}
 * }</pre>
 * {@code int} and {@code float} take an optional {@code step} (not with {@code log}); {@code log} needs
 * {@code low > 0}. Every mistake is a 400 naming the parameter. Iteration order is the given order.
 */
public record SearchSpace(Map<String, Distribution> params) {
  public SearchSpace {
    if (params.isEmpty()) {
      throw PierException.badRequest("tuning.space is empty: name at least one parameter to search");
    }
    params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
  }

  public static SearchSpace parse(Map<String, ?> json) {
    if (json == null || json.isEmpty()) {
      throw PierException.badRequest("tuning.space is empty: name at least one parameter to search");
    }
    Map<String, Distribution> out = new LinkedHashMap<>();
    for (Map.Entry<String, ?> e : json.entrySet()) {
      out.put(e.getKey(), distribution(e.getKey(), e.getValue()));
    }
    return new SearchSpace(out);
  }

  private static Distribution distribution(String name, Object spec) {
    String at = "tuning.space." + name;
    if (!(spec instanceof Map<?, ?> m)) {
      throw PierException.badRequest(at + " must be an object with a 'type'");
    }
    Object type = m.get("type");
    boolean log = Boolean.TRUE.equals(m.get("log"));
    Object stepValue = m.get("step");
    if ("categorical".equals(type)) {
      if (!(m.get("choices") instanceof List<?> choices) || choices.isEmpty()) {
        throw PierException.badRequest(at + ".choices must be a non-empty list");
      }
      for (Object c : choices) {
        if (!(c instanceof String || c instanceof Number || c instanceof Boolean)) {
          throw PierException.badRequest(at + ".choices may hold strings, numbers and booleans only");
        }
      }
      return new Distribution.Categorical(List.copyOf(choices));
    }
    if (!"int".equals(type) && !"float".equals(type)) {
      throw PierException.badRequest(at + ".type '" + type + "' is unknown: int, float or categorical");
    }
    double low = number(at + ".low", m.get("low"));
    double high = number(at + ".high", m.get("high"));
    if (low > high) {
      throw PierException.badRequest(at + ": low " + m.get("low") + " is above high " + m.get("high"));
    }
    if (log && low <= 0) {
      throw PierException.badRequest(at + ": a log scale needs low > 0");
    }
    if (log && stepValue != null) {
      throw PierException.badRequest(at + ": step and log cannot be combined");
    }
    if ("int".equals(type)) {
      if (low != Math.rint(low) || high != Math.rint(high)) {
        throw PierException.badRequest(at + ": low and high of an int must be whole numbers");
      }
      long step = stepValue == null ? 1 : (long) number(at + ".step", stepValue);
      if (step < 1 || stepValue != null && number(at + ".step", stepValue) != step) {
        throw PierException.badRequest(at + ".step must be a whole number of at least 1");
      }
      // Optuna's rule: high is lowered to the last value on the step grid.
      long hi = (long) low + ((long) high - (long) low) / step * step;
      return new Distribution.IntRange((long) low, hi, step, log);
    }
    Double step = null;
    if (stepValue != null) {
      step = number(at + ".step", stepValue);
      if (!(step > 0)) {
        throw PierException.badRequest(at + ".step must be above 0");
      }
      high = low + Math.floor((high - low) / step + 1e-9) * step;
    }
    return new Distribution.FloatRange(low, high, step, log);
  }

  private static double number(String at, Object v) {
    if (v instanceof Number n && Double.isFinite(n.doubleValue())) {
      return n.doubleValue();
    }
    throw PierException.badRequest(at + " must be a number");
  }

  /** Whether every parameter of this space has a value in {@code values} that its distribution contains. */
  public boolean admits(Map<String, Object> values) {
    for (Map.Entry<String, Distribution> e : params.entrySet()) {
      if (!values.containsKey(e.getKey()) || !e.getValue().contains(values.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }
}
