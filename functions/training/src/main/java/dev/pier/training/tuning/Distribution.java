package dev.pier.training.tuning;

import java.util.List;

/**
 * Where one hyperparameter's values come from, in Optuna's terms. Samplers work on an internal number per value
 * (the value for numbers, the choice's index for categorical ones), as Optuna's {@code to_internal_repr} does.
 */
public sealed interface Distribution permits Distribution.IntRange, Distribution.FloatRange, Distribution.Categorical {

  /** Whether {@code value} is one this distribution can give (a warm-start trial's value is checked so). */
  boolean contains(Object value);

  /** The internal number of a value this distribution contains. */
  double toInternal(Object value);

  /** The value of an internal number. */
  Object toExternal(double internal);

  /** Integers {@code low, low + step, …, high}; {@code log} samples uniformly in log space (then step is 1). */
  record IntRange(long low, long high, long step, boolean log) implements Distribution {
    @Override
    public boolean contains(Object value) {
      if (!(value instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
        return false;
      }
      long v = n.longValue();
      return v >= low && v <= high && (v - low) % step == 0;
    }

    @Override
    public double toInternal(Object value) {
      return ((Number) value).doubleValue();
    }

    @Override
    public Object toExternal(double internal) {
      long v = Math.round(internal);
      return v == (int) v ? (Object) (int) v : (Object) v;
    }
  }

  /** Reals in {@code [low, high]}; with a {@code step} (or null) only {@code low + k × step}; {@code log} as above. */
  record FloatRange(double low, double high, Double step, boolean log) implements Distribution {
    @Override
    public boolean contains(Object value) {
      if (!(value instanceof Number n)) {
        return false;
      }
      double v = n.doubleValue();
      if (v < low || v > high) {
        return false;
      }
      if (step == null) {
        return true;
      }
      double k = (v - low) / step;
      return Math.abs(k - Math.rint(k)) < 1e-8;
    }

    @Override
    public double toInternal(Object value) {
      return ((Number) value).doubleValue();
    }

    @Override
    public Object toExternal(double internal) {
      return internal;
    }
  }

  /** One of {@code choices} (strings, numbers, booleans). */
  record Categorical(List<Object> choices) implements Distribution {
    public Categorical {
      choices = List.copyOf(choices);
    }

    @Override
    public boolean contains(Object value) {
      return indexOf(value) >= 0;
    }

    int indexOf(Object value) {
      for (int i = 0; i < choices.size(); i++) {
        Object c = choices.get(i);
        if (c.equals(value) || c instanceof Number a && value instanceof Number b
            && a.doubleValue() == b.doubleValue()) {
          return i;
        }
      }
      return -1;
    }

    @Override
    public double toInternal(Object value) {
      return indexOf(value);
    }

    @Override
    public Object toExternal(double internal) {
      return choices.get((int) internal);
    }
  }
}
