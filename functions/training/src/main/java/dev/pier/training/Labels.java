package dev.pier.training;

import dev.pier.kernel.PierException;

/** Refuses labels the objective cannot learn, naming the first bad row, before XGBoost sees them. */
final class Labels {
  private Labels() {}

  static void check(TrainingTable table, int[] rows, TrainingParams params) {
    String objective = params.objective();
    float[] y = table.labels();
    switch (params.task()) {
      case BINARY -> {
        for (int r : rows) {
          if (y[r] != 0 && y[r] != 1) {
            throw PierException.badRequest("objective '" + objective + "' needs labels 0 or 1; label '"
                + table.label() + "' is " + y[r] + " in row " + (r + 1));
          }
        }
      }
      case MULTICLASS -> {
        int k = params.numClass();
        if (k < 2) {
          throw PierException.badRequest("objective '" + objective + "' needs params.num_class (at least 2)");
        }
        for (int r : rows) {
          if (y[r] != Math.rint(y[r]) || y[r] < 0 || y[r] >= k) {
            throw PierException.badRequest("objective '" + objective + "' needs labels 0 … " + (k - 1) + "; label '"
                + table.label() + "' is " + y[r] + " in row " + (r + 1));
          }
        }
      }
      case RANKING -> {
        for (int r : rows) {
          if (y[r] != Math.rint(y[r]) || y[r] < 0) {
            throw PierException.badRequest("objective '" + objective + "' needs relevance labels 0, 1, 2, …; label '"
                + table.label() + "' is " + y[r] + " in row " + (r + 1));
          }
        }
      }
      case REGRESSION -> { }
    }
  }
}
