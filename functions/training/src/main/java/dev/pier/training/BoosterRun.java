package dev.pier.training;

import dev.pier.kernel.PierException;
import java.util.HashMap;
import java.util.Map;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;

/**
 * One booster being trained round by round on some rows of a table, scored on others after each round. Rounds are
 * driven from outside so that cross-validation can advance its folds in lockstep (as {@code xgb.cv} does) and report
 * the folds' mean after every round. Holds native memory: close it.
 */
final class BoosterRun implements AutoCloseable {
  private final DMatrix train;
  private final DMatrix eval;
  private final double[] evalLabels;
  private final int[] evalGroups;
  private final Booster booster;
  private final Metric metric;
  private final String objective;
  private final int columns;
  private int rounds;

  /**
   * @param evalRows rows to score after each round, or null
   * @param metric how to score them, or null without {@code evalRows}
   */
  BoosterRun(TrainingTable table, int[] rows, int[] evalRows, TrainingParams params, Metric metric, long seed,
      int threads) {
    Labels.check(table, rows, params);
    rows = byQuery(table, rows, params);
    evalRows = evalRows == null ? null : byQuery(table, evalRows, params);
    this.evalGroups = evalRows == null ? null : table.groups(evalRows);
    this.metric = metric;
    this.objective = params.objective();
    this.columns = params.task() == Task.MULTICLASS ? Math.max(params.numClass(), 1) : 1;
    DMatrix dtrain = null;
    DMatrix deval = null;
    try {
      dtrain = matrix(table, rows, params);
      Map<String, DMatrix> watches = new HashMap<>();
      if (evalRows != null) {
        deval = matrix(table, evalRows, params);
        watches.put("eval", deval);
        float[] y = table.labels(evalRows);
        this.evalLabels = new double[y.length];
        for (int i = 0; i < y.length; i++) {
          evalLabels[i] = y[i];
        }
      } else {
        this.evalLabels = null;
      }
      Map<String, Object> p = new HashMap<>(params.booster());
      p.putIfAbsent("nthread", threads);
      if (!p.containsKey("random_state")) {
        p.putIfAbsent("seed", seed);
      }
      // Zero rounds: a booster with its parameters set and both matrices in its prediction cache, so that scoring the
      // validation rows after each round only adds the new tree's outputs.
      this.booster = XGBoost.train(dtrain, p, 0, watches, null, null);
    } catch (XGBoostError e) {
      dispose(dtrain, deval);
      throw PierException.badRequest("XGBoost refused the parameters: " + firstLine(e.getMessage()));
    }
    this.train = dtrain;
    this.eval = deval;
  }

  /**
   * For a ranking objective, {@code rows} stably ordered by their query group, as XGBoost needs each query's rows
   * together (a 400 when the table has no query column); else {@code rows} as they are.
   */
  static int[] byQuery(TrainingTable table, int[] rows, TrainingParams params) {
    if (params.task() != Task.RANKING) {
      return rows;
    }
    if (table.groups() == null) {
      throw PierException.badRequest("objective '" + params.objective() + "' ranks rows within queries: name the"
          + " query column");
    }
    int[] groups = table.groups();
    return java.util.Arrays.stream(rows).boxed().sorted(java.util.Comparator.comparingInt(r -> groups[r]))
        .mapToInt(Integer::intValue).toArray();
  }

  /** The rows' matrix; with a ranking objective's rows ({@link #byQuery}), their query groups' sizes too. */
  static DMatrix matrix(TrainingTable table, int[] rows, TrainingParams params) throws XGBoostError {
    DMatrix m = matrix(table, rows);
    if (params.task() == Task.RANKING) {
      int[] groups = table.groups(rows);
      java.util.List<Integer> sizes = new java.util.ArrayList<>();
      for (int i = 0; i < groups.length; i++) {
        if (i == 0 || groups[i] != groups[i - 1]) {
          sizes.add(0);
        }
        sizes.set(sizes.size() - 1, sizes.get(sizes.size() - 1) + 1);
      }
      m.setGroup(sizes.stream().mapToInt(Integer::intValue).toArray());
    }
    return m;
  }

  static DMatrix matrix(TrainingTable table, int[] rows) throws XGBoostError {
    DMatrix m = new DMatrix(table.rowMajor(rows), rows.length, table.featureCount(), Float.NaN);
    m.setLabel(table.labels(rows));
    m.setFeatureNames(table.features().toArray(String[]::new));
    if (table.hasCategories()) {
      m.setFeatureTypes(table.featureTypes()); // XGBoost's native categorical splits on the code columns
    }
    return m;
  }

  /** Adds one round; returns the validation metric after it (NaN without validation rows). */
  double step() {
    try {
      booster.update(train, rounds);
      rounds++;
      return eval == null ? Double.NaN
          : metric.score(evalLabels, predictions(booster, eval, objective, columns), columns, evalGroups);
    } catch (XGBoostError e) {
      // XGBoost checks most parameter values when the first round configures the booster.
      throw PierException.badRequest((rounds == 0 ? "XGBoost refused the parameters: "
          : "XGBoost failed in round " + (rounds + 1) + ": ") + firstLine(e.getMessage()));
    }
  }

  /**
   * The validation predictions as the metric takes them: P(y = 1), class probabilities, or values. Objectives whose
   * prediction is no probability are mapped to one: {@code binary:logitraw}'s margin through the sigmoid,
   * {@code multi:softmax}'s class margins through the softmax.
   */
  static double[] predictions(Booster booster, DMatrix m, String objective, int columns) throws XGBoostError {
    boolean softmax = objective.equals("multi:softmax");
    float[][] raw = booster.predict(m, softmax);
    double[] out = new double[raw.length * columns];
    for (int i = 0; i < raw.length; i++) {
      if (softmax) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : raw[i]) {
          max = Math.max(max, v);
        }
        double sum = 0;
        for (int c = 0; c < columns; c++) {
          sum += Math.exp(raw[i][c] - max);
        }
        for (int c = 0; c < columns; c++) {
          out[i * columns + c] = Math.exp(raw[i][c] - max) / sum;
        }
      } else if (objective.equals("binary:logitraw")) {
        out[i] = 1 / (1 + Math.exp(-raw[i][0]));
      } else {
        for (int c = 0; c < columns; c++) {
          out[i * columns + c] = raw[i][c];
        }
      }
    }
    return out;
  }

  int rounds() {
    return rounds;
  }

  byte[] modelBytes() {
    try {
      return booster.toByteArray(TrainedModel.FORMAT);
    } catch (XGBoostError e) {
      throw new IllegalStateException("XGBoost could not save the model: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    booster.dispose();
    dispose(train, eval);
  }

  private static void dispose(DMatrix... ms) {
    for (DMatrix m : ms) {
      if (m != null) {
        m.dispose();
      }
    }
  }

  static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    // XGBoost prefixes its messages with "[hh:mm:ss] file.cc:line: "; the rest is the reason.
    String line = s.strip().lines().findFirst().orElse("");
    int at = line.indexOf(": ", line.indexOf(".cc:") + 1);
    return line.contains(".cc:") && at > 0 ? line.substring(at + 2) : line;
  }
}
