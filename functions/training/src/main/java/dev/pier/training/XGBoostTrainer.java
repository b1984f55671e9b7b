package dev.pier.training;

import dev.pier.kernel.PierException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;

/**
 * Trains XGBoost in-process with xgboost4j — the same library and version Pier's {@code xgboost} engine serves with,
 * so a trained model is registered as a version of framework {@code xgboost} as it is.
 *
 * <p>Reproducible: the booster's {@code seed} is the job's seed (unless the params set one) and its {@code nthread}
 * is fixed by this trainer (unless the params set one), so the same table, rows, params and seed give byte-identical
 * model bytes. (XGBoost's histogram sums can differ in their last bits with another thread count, so the thread
 * count is part of what must match.)
 *
 * <p>Thread-safe: each call builds its own booster and matrices.
 */
public final class XGBoostTrainer {
  private final int threads;

  /** @param threads XGBoost's {@code nthread} for each training (1 when trials run in parallel on few cores) */
  public XGBoostTrainer(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads " + threads);
    }
    this.threads = threads;
  }

  public int threads() {
    return threads;
  }

  /** {@code params.numRound()} rounds on {@code rows}, nothing held out (the refit of a finished search). */
  public TrainedModel train(TrainingTable table, int[] rows, TrainingParams params, long seed) {
    return train(table, rows, null, params, null, seed, IntermediateReporter.NONE);
  }

  /**
   * Rounds on {@code rows}, scoring {@code evalRows} with {@code metric} after each and reporting it; stops early when
   * the params' {@code early_stopping_rounds} pass without a better score. The model keeps every round trained.
   */
  public TrainedModel train(TrainingTable table, int[] rows, int[] evalRows, TrainingParams params, Metric metric,
      long seed, IntermediateReporter reporter) {
    if (evalRows != null) {
      metric.requireFits(params.task(), params.objective());
    }
    try (BoosterRun run = new BoosterRun(table, rows, evalRows, params, metric, seed, threads)) {
      List<Double> history = new ArrayList<>();
      int best = -1;
      for (int round = 0; round < params.numRound(); round++) {
        double score = run.step();
        if (evalRows == null) {
          continue;
        }
        if (Double.isNaN(score)) {
          throw PierException.badRequest("metric '" + metric.id() + "' is undefined on the validation rows");
        }
        history.add(score);
        if (best < 0 || better(metric, score, history.get(best))) {
          best = round;
        }
        reporter.report(round, score);
        if (params.earlyStoppingRounds() > 0 && round - best >= params.earlyStoppingRounds()) {
          break;
        }
      }
      byte[] bytes = run.modelBytes();
      return new TrainedModel(bytes, sha256(bytes), run.rounds(), List.copyOf(history),
          evalRows == null ? run.rounds() - 1 : best);
    }
  }

  /** The metric of a trained model on {@code rows} (the holdout evaluation of the final model). */
  public double evaluate(byte[] model, TrainingTable table, int[] rows, TrainingParams params, Metric metric) {
    metric.requireFits(params.task(), params.objective());
    int columns = params.task() == Task.MULTICLASS ? params.numClass() : 1;
    Booster booster = null;
    DMatrix m = null;
    try {
      booster = XGBoost.loadModel(model);
      booster.setParam("nthread", threads);
      rows = BoosterRun.byQuery(table, rows, params);
      m = BoosterRun.matrix(table, rows, params);
      float[] y = table.labels(rows);
      double[] labels = new double[y.length];
      for (int i = 0; i < y.length; i++) {
        labels[i] = y[i];
      }
      return metric.score(labels, BoosterRun.predictions(booster, m, params.objective(), columns), columns,
          table.groups(rows));
    } catch (XGBoostError | java.io.IOException e) {
      throw new IllegalStateException("could not evaluate the model: " + e.getMessage(), e);
    } finally {
      if (m != null) {
        m.dispose();
      }
      if (booster != null) {
        booster.dispose();
      }
    }
  }

  static boolean better(Metric metric, double candidate, double incumbent) {
    return metric.greaterIsBetter() ? candidate > incumbent : candidate < incumbent;
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
