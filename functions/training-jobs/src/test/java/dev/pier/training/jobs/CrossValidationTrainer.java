package dev.pier.training.jobs;

import dev.pier.training.Split;
import dev.pier.training.TrainingTable;
import java.util.List;
import java.util.Map;

/**
 * A trainer for tests that decide what cross-validation does (score a fixed surface, hold a trial open, die on a
 * chosen call); checks, refit and scoring are XGBoost's, one thread.
 */
abstract class CrossValidationTrainer implements ModelTrainer {
  final XGBoostModelTrainer real = new XGBoostModelTrainer(1);

  @Override
  public abstract CvOutcome crossValidate(TrainingTable table, List<Split> folds, Map<String, Object> p, String metric,
      long seed, Progress progress);

  @Override
  public void check(Map<String, Object> p, String metric) {
    real.check(p, metric);
  }

  @Override
  public boolean classification(Map<String, Object> p) {
    return real.classification(p);
  }

  @Override
  public Model fit(TrainingTable table, int[] rows, Map<String, Object> p, int rounds, long seed) {
    return real.fit(table, rows, p, rounds, seed);
  }

  @Override
  public double score(byte[] model, TrainingTable table, int[] rows, Map<String, Object> p, String metric) {
    return real.score(model, table, rows, p, metric);
  }

  @Override
  public boolean greaterIsBetter(String metric) {
    return real.greaterIsBetter(metric);
  }

  @Override
  public String framework() {
    return real.framework();
  }

  @Override
  public String extension() {
    return real.extension();
  }
}
