package dev.pier.training.tuning;

import dev.pier.training.CrossValidator;
import dev.pier.training.CvResult;
import dev.pier.training.IntermediateReporter;
import dev.pier.training.Metric;
import dev.pier.training.Split;
import dev.pier.training.TrainingParams;
import dev.pier.training.TrainingTable;
import java.util.List;
import java.util.Map;

/** A trial as cross-validated XGBoost: the job's params with the trial's values on top, over fixed folds. */
public record XGBoostObjective(CrossValidator cv, TrainingTable table, List<Split> folds, TrainingParams base,
    Metric metric, long seed) implements Objective {
  @Override
  public CvResult evaluate(Map<String, Object> params, IntermediateReporter reporter) {
    return cv.run(table, folds, base.with(params), metric, seed, reporter);
  }
}
