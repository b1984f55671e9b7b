package dev.pier.training;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Deterministic tables for tests and the benchmark: features uniform in [-1, 1); a binary label from a linear score of
 * the first five features plus one interaction and Gaussian noise, so that it is learnable but not perfectly.
 */
final class SyntheticTables {
  private SyntheticTables() {}

  static TrainingTable binary(int rows, int features, long seed) {
    Random rng = new Random(seed);
    float[][] columns = new float[features][rows];
    float[] labels = new float[rows];
    for (int r = 0; r < rows; r++) {
      double score = 0;
      for (int f = 0; f < features; f++) {
        float x = (float) (rng.nextDouble() * 2 - 1);
        columns[f][r] = x;
        if (f < 5) {
          score += (f + 1) * 0.4 * x;
        }
      }
      if (features > 6) {
        score += 1.5 * columns[5][r] * columns[6][r];
      }
      labels[r] = score + rng.nextGaussian() * 0.8 > 0 ? 1 : 0;
    }
    List<String> names = new ArrayList<>();
    for (int f = 0; f < features; f++) {
      names.add("x" + f);
    }
    return new TrainingTable("y", names, columns, labels, null);
  }

  /** The same features with a continuous target. */
  static TrainingTable regression(int rows, int features, long seed) {
    TrainingTable b = binary(rows, features, seed);
    Random rng = new Random(seed + 1);
    float[] y = new float[rows];
    for (int r = 0; r < rows; r++) {
      y[r] = (float) (3 * b.column(0)[r] - 2 * b.column(1)[r] * b.column(1)[r] + rng.nextGaussian() * 0.3);
    }
    float[][] columns = new float[features][];
    for (int f = 0; f < features; f++) {
      columns[f] = b.column(f);
    }
    return new TrainingTable("y", b.features(), columns, y, null);
  }
}
