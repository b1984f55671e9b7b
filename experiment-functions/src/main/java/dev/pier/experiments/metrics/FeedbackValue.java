package dev.pier.experiments.metrics;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * How a ground-truth label ({@code POST /api/v1/feedback}) joined to one predicted row of an experiment's unit becomes
 * that unit's metric event. The event is timed at the prediction, so (like any event) it counts only when the
 * prediction was made at or after the unit's first exposure. A binary metric is 1 for a unit with any event of value
 * other than 0; a continuous one sums them.
 */
public enum FeedbackValue {
  /** The label itself: a number, or a boolean as 1/0 ({@code converted}, {@code revenue}). */
  LABEL,
  /** 1 when the predicted class equals the label, else 0 (the unit's count of correct predictions). */
  CORRECT,
  /** {@code |prediction - label|} for a numeric prediction (regression error; lower is better). */
  ABS_ERROR;

  @JsonValue
  public String json() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static FeedbackValue parse(String s) {
    return valueOf(s.toUpperCase(Locale.ROOT));
  }

  /**
   * The event value of a row predicted as {@code predicted} (a number, or a class name; null when the output had
   * none) and labelled {@code label} (a number, string or boolean); null when the pair gives none (a label that is
   * not a number for {@link #LABEL}, a non-numeric prediction or label for {@link #ABS_ERROR}, no prediction).
   */
  public Double value(Object predicted, Object label) {
    return switch (this) {
      case LABEL -> number(label);
      case CORRECT -> predicted == null ? null : className(predicted).equals(className(label)) ? 1.0 : 0.0;
      case ABS_ERROR -> {
        Double p = predicted instanceof Number n ? n.doubleValue() : null;
        Double l = number(label);
        yield p == null || l == null ? null : Math.abs(p - l);
      }
    };
  }

  private static Double number(Object v) {
    if (v instanceof Boolean b) return b ? 1.0 : 0.0;
    if (v instanceof Number n && Double.isFinite(n.doubleValue())) return n.doubleValue();
    return null;
  }

  /** Classes by name; integral numbers without a fraction, so a label 2 matches a predicted 2.0; true is 1. */
  static String className(Object v) {
    if (v instanceof Boolean b) return b ? "1" : "0";
    if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && !Double.isInfinite(n.doubleValue())) {
      return Long.toString((long) n.doubleValue());
    }
    return String.valueOf(v);
  }
}
