package dev.pier.registry;

import dev.pier.kernel.PierException;
import java.util.Arrays;

/**
 * What model-agnostic explanations (KernelSHAP, LIME) of a version need: background rows of its (single, tabular)
 * input, whose average stands for "feature absent". Kept with the version, so capped in size (DynamoDB items are
 * at most 400 KB).
 */
public record ExplainSettings(float[][] background) {
  public static final int MAX_ROWS = 200;
  public static final int MAX_VALUES = 20_000;

  public ExplainSettings {
    if (background == null || background.length == 0) {
      throw PierException.badRequest("explain.background must be a non-empty array of rows");
    }
    if (background.length > MAX_ROWS) {
      throw PierException.badRequest("explain.background has " + background.length + " rows; at most " + MAX_ROWS);
    }
    int width = background[0].length;
    for (float[] row : background) {
      if (row.length != width || width == 0) {
        throw PierException.badRequest("explain.background rows must all have the same, non-zero length");
      }
    }
    if ((long) width * background.length > MAX_VALUES) {
      throw PierException.badRequest("explain.background holds more than " + MAX_VALUES + " values");
    }
    background = Arrays.stream(background).map(float[]::clone).toArray(float[][]::new);
  }

  public int features() {
    return background[0].length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ExplainSettings e && Arrays.deepEquals(background, e.background);
  }

  @Override
  public int hashCode() {
    return Arrays.deepHashCode(background);
  }

  @Override
  public String toString() {
    return "ExplainSettings[" + background.length + " background rows x " + features() + "]";
  }
}
