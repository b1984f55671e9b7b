package dev.pier.monitoring.drift;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A column's values for exact drift, cleaned the way Evidently cleans them: nulls, NaN and infinities dropped. It is
 * numeric when every remaining value is a number (booleans are categories). Category keys are the string of a
 * category and the {@code Double} of a number, so {@code 1} and {@code 1.0} are one value — as in a
 * {@link dev.pier.monitoring.profile.ColumnProfile}.
 */
public final class RawColumn {
  private final List<Object> values;
  private final boolean numeric;
  private double[] sorted;
  private Map<Object, Long> frequencies;

  private RawColumn(List<Object> values, boolean numeric) {
    this.values = values;
    this.numeric = numeric;
  }

  public static RawColumn of(Collection<?> raw) {
    List<Object> kept = new ArrayList<>(raw.size());
    boolean numeric = true;
    for (Object v : raw) {
      switch (v) {
        case null -> { }
        case Boolean b -> {
          kept.add(b.toString());
          numeric = false;
        }
        case Number n -> {
          double x = n.doubleValue();
          if (Double.isFinite(x)) {
            kept.add(x == 0.0 ? 0.0 : x);
          }
        }
        default -> {
          kept.add(v.toString());
          numeric = false;
        }
      }
    }
    return new RawColumn(kept, numeric && !kept.isEmpty());
  }

  public static RawColumn of(double... numbers) {
    List<Object> list = new ArrayList<>(numbers.length);
    for (double x : numbers) {
      list.add(x);
    }
    return of(list);
  }

  public int size() {
    return values.size();
  }

  public boolean isNumeric() {
    return numeric;
  }

  /** The numbers in ascending order; IllegalStateException for a categorical column. */
  public double[] sortedNumbers() {
    if (!numeric) {
      throw new IllegalStateException("column is categorical");
    }
    if (sorted == null) {
      sorted = values.stream().mapToDouble(v -> (Double) v).toArray();
      Arrays.sort(sorted);
    }
    return sorted;
  }

  /** Count per distinct value, in first-seen order. */
  public Map<Object, Long> frequencies() {
    if (frequencies == null) {
      Map<Object, Long> f = new LinkedHashMap<>();
      for (Object v : values) {
        f.merge(v, 1L, Long::sum);
      }
      frequencies = f;
    }
    return frequencies;
  }
}
