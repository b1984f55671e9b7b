package dev.pier.training;

import dev.pier.kernel.PierException;
import java.util.ArrayList;
import java.util.List;

/**
 * K-fold cross-validation of XGBoost params, the folds trained in lockstep as {@code xgb.cv} does: after each round
 * every fold's model is scored on its validation rows and the folds' mean is reported (so a pruner can stop a poor
 * trial after a few rounds, and early stopping watches the mean rather than one fold). All folds' matrices are held
 * at once: memory is about folds × the training rows.
 *
 * <p>The trial's score and its {@link CvResult#bestRound()} (the refit trains {@code bestRound + 1} rounds) follow
 * XGBoost: with {@code early_stopping_rounds} the round whose folds' mean was best (the earliest on ties), as
 * {@code xgb.cv} and a booster's {@code best_iteration} give it; without it the last round — the {@code num_round} the
 * job asked for — so a metric that peaks early (AUC already 1.0 after the first tree, say) neither truncates the refit
 * model to that round nor scores the trial by its luckiest round.
 */
public final class CrossValidator {
  private final XGBoostTrainer trainer;

  public CrossValidator(XGBoostTrainer trainer) {
    this.trainer = trainer;
  }

  public CvResult run(TrainingTable table, List<Split> folds, TrainingParams params, Metric metric, long seed,
      IntermediateReporter reporter) {
    metric.requireFits(params.task(), params.objective());
    int k = folds.size();
    List<BoosterRun> runs = new ArrayList<>(k);
    try {
      for (Split s : folds) {
        runs.add(new BoosterRun(table, s.train(), s.test(), params, metric, seed, trainer.threads()));
      }
      double[][] history = new double[k][params.numRound()];
      List<Double> means = new ArrayList<>();
      int best = -1;
      for (int round = 0; round < params.numRound(); round++) {
        double sum = 0;
        for (int f = 0; f < k; f++) {
          double score = runs.get(f).step();
          if (Double.isNaN(score)) {
            throw PierException.badRequest("metric '" + metric.id() + "' is undefined on fold " + (f + 1)
                + (metric == Metric.AUC || metric == Metric.AUCPR ? " (its validation rows hold one class)" : ""));
          }
          history[f][round] = score;
          sum += score;
        }
        double mean = sum / k;
        means.add(mean);
        if (best < 0 || XGBoostTrainer.better(metric, mean, means.get(best))) {
          best = round;
        }
        reporter.report(round, mean);
        if (params.earlyStoppingRounds() > 0 && round - best >= params.earlyStoppingRounds()) {
          break;
        }
      }
      if (params.earlyStoppingRounds() == 0) {
        best = means.size() - 1; // no early stopping: the rounds asked for, scored as trained
      }
      List<Double> perFold = new ArrayList<>(k);
      double mean = 0;
      for (int f = 0; f < k; f++) {
        perFold.add(history[f][best]);
        mean += history[f][best];
      }
      mean /= k;
      double var = 0;
      for (double v : perFold) {
        var += (v - mean) * (v - mean);
      }
      return new CvResult(metric.id(), mean, Math.sqrt(var / k), List.copyOf(perFold), List.copyOf(means), best);
    } finally {
      runs.forEach(BoosterRun::close);
    }
  }
}
