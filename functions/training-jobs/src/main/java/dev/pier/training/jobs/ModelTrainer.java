package dev.pier.training.jobs;

import dev.pier.training.Split;
import dev.pier.training.TrainingTable;
import java.util.List;
import java.util.Map;

/**
 * What the job workflow needs of an algorithm: check a job's params and metric before it runs, cross-validate a
 * trial, fit the final model, score it on held-out rows. {@link XGBoostModelTrainer} is the xgboost one (the
 * training library's trainer).
 */
public interface ModelTrainer {
  /** A trial's cross-validated score. */
  record CvOutcome(double mean, double std, List<Double> folds, List<Double> history, int bestRound) {}

  /**
   * A fitted model: its bytes (the serving framework's format) and their SHA-256; {@code holdout} its score on the
   * holdout where the trainer measured it while fitting (a script's refit reports it in its log), else null.
   */
  record Model(byte[] bytes, String sha256, int rounds, Double holdout) {
    public Model(byte[] bytes, String sha256, int rounds) {
      this(bytes, sha256, rounds, null);
    }
  }

  /** Called after each round with the folds' mean; throwing stops the trial (a cancel, a limit, the pruner). */
  @FunctionalInterface
  interface Progress {
    void round(int step, double mean);
  }

  /** A 400 naming what is wrong with {@code params} or {@code metric} for this algorithm. */
  void check(Map<String, Object> params, String metric);

  /** The label's kind the objective wants: whether stratified splits make sense (classification). */
  boolean classification(Map<String, Object> params);

  /** Whether the objective ranks rows within queries (a job then needs a {@code query} column). */
  default boolean ranking(Map<String, Object> params) {
    return false;
  }

  CvOutcome crossValidate(TrainingTable table, List<Split> folds, Map<String, Object> params, String metric, long seed,
      Progress progress);

  Model fit(TrainingTable table, int[] rows, Map<String, Object> params, int rounds, long seed);

  /**
   * The refit: {@link #fit} on {@code rows}, told the {@code holdout} rows and the job's metric in case the trainer
   * scores them as it fits (a script does: its {@code test} channel); the workflow then takes {@link Model#holdout}
   * rather than calling {@link #score}.
   */
  default Model fit(TrainingTable table, int[] rows, int[] holdout, Map<String, Object> params, int rounds,
      String metric, long seed) {
    return fit(table, rows, params, rounds, seed);
  }

  /** Whether the refit trains the best trial's number of rounds (recorded as its {@code num_round} param). */
  default boolean usesRounds() {
    return true;
  }

  double score(byte[] model, TrainingTable table, int[] rows, Map<String, Object> params, String metric);

  /** Whether a larger value of {@code metric} is better. */
  boolean greaterIsBetter(String metric);

  /** The framework its models are registered as (a {@code dev.pier.kernel.engine.Framework} id). */
  String framework();

  /** The file extension of its model bytes ({@code .ubj}). */
  String extension();
}
