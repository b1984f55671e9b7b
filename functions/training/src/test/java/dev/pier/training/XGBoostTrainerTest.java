package dev.pier.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.pier.engine.xgboost.XGBoostEngine;
import dev.pier.kernel.PierException;
import dev.pier.kernel.tensor.Datatype;
import dev.pier.runtime.LoadedModel;
import dev.pier.runtime.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class XGBoostTrainerTest {
  private static final TrainingTable TABLE = SyntheticTables.binary(2000, 10, 3);
  private static final Split HOLDOUT = new Holdout(0.25, Holdout.Mode.RANDOM, 11).split(TABLE);
  private static final TrainingParams PARAMS = TrainingParams.of(Map.of("objective", "binary:logistic",
      "num_round", 30, "max_depth", 4, "eta", 0.2, "subsample", 0.8, "colsample_bytree", 0.7));
  private final XGBoostTrainer trainer = new XGBoostTrainer(2);

  @TempDir
  Path dir;

  @Test
  void theSameDataParamsAndSeedGiveByteIdenticalModels() {
    TrainedModel a = trainer.train(TABLE, HOLDOUT.train(), PARAMS, 42);
    TrainedModel b = trainer.train(TABLE, HOLDOUT.train(), PARAMS, 42);
    assertThat(b.sha256()).isEqualTo(a.sha256()).hasSize(64);
    assertThat(b.model()).isEqualTo(a.model());
    // subsample and colsample draw from the seed: another seed gives another model.
    assertThat(trainer.train(TABLE, HOLDOUT.train(), PARAMS, 43).sha256()).isNotEqualTo(a.sha256());
  }

  @Test
  void aTrainedModelIsServedByPiersXgboostEngineWithTheTrainersPredictions() throws Exception {
    TrainedModel m = trainer.train(TABLE, HOLDOUT.train(), PARAMS, 42);
    Path file = Files.write(dir.resolve("model.ubj"), m.model());
    int[] rows = HOLDOUT.test();
    try (LoadedModel served = new XGBoostEngine(1).load(file, null)) {
      Tensor in = new Tensor("input", Datatype.FP32, new long[] {rows.length, TABLE.featureCount()},
          TABLE.rowMajor(rows));
      float[] p = (float[]) served.infer(List.of(in), List.of("probabilities")).get(0).data();
      double[] probabilities = new double[p.length];
      double[] y = new double[p.length];
      for (int i = 0; i < p.length; i++) {
        probabilities[i] = p[i];
        y[i] = TABLE.labels()[rows[i]];
      }
      double servedAuc = Metric.AUC.score(y, probabilities, 1);
      assertThat(trainer.evaluate(m.model(), TABLE, rows, PARAMS, Metric.AUC)).isCloseTo(servedAuc, within(1e-12));
      assertThat(servedAuc).isGreaterThan(0.85);
    }
  }

  @Test
  void perRoundValidationMetricsEqualXGBoostsOwnEvaluation() throws Exception {
    TrainingParams params = PARAMS.with(Map.of("eval_metric", "logloss"));
    TrainedModel m = trainer.train(TABLE, HOLDOUT.train(), HOLDOUT.test(), params, Metric.LOGLOSS, 42,
        IntermediateReporter.NONE);
    assertThat(m.history()).hasSize(30);
    // xgboost4j's own loop with its own logloss on the same rows.
    DMatrix train = BoosterRun.matrix(TABLE, HOLDOUT.train());
    DMatrix eval = BoosterRun.matrix(TABLE, HOLDOUT.test());
    Map<String, Object> p = new HashMap<>(params.booster());
    p.put("nthread", 2);
    p.put("seed", 42L);
    float[][] theirs = new float[1][30];
    XGBoost.train(train, p, 30, Map.of("eval", eval), theirs, null, null, 0).dispose();
    train.dispose();
    eval.dispose();
    for (int round = 0; round < 30; round++) {
      assertThat(m.history().get(round)).as("round %d", round).isCloseTo(theirs[0][round], within(2e-6));
    }
    assertThat(m.history().get(29)).isLessThan(m.history().get(0));
  }

  @Test
  void stopsEarlyWhenTheMetricStopsImprovingAndReportsEachRound() {
    TrainingParams params = PARAMS.with(Map.of("num_round", 400, "eta", 0.5, "early_stopping_rounds", 5));
    List<Integer> steps = new java.util.ArrayList<>();
    TrainedModel m = trainer.train(TABLE, HOLDOUT.train(), HOLDOUT.test(), params, Metric.LOGLOSS, 42,
        (step, value) -> steps.add(step));
    assertThat(m.rounds()).isLessThan(400).isEqualTo(m.bestRound() + 6);
    assertThat(steps).hasSize(m.rounds()).startsWith(0, 1, 2);
    assertThat(m.bestScore()).isEqualTo(m.history().stream().mapToDouble(Double::doubleValue).min().orElseThrow());
  }

  @Test
  void refusesParamsAndLabelsXGBoostCannotUseNamingThem() {
    assertThatThrownBy(() -> TrainingParams.of(Map.of("max_dpeth", 3)))
        .isInstanceOf(PierException.class).hasMessage("unknown XGBoost parameter 'max_dpeth'");
    assertThatThrownBy(() -> trainer.train(TABLE, HOLDOUT.train(), PARAMS.with(Map.of("max_depth", "deep")), 1))
        .hasMessageStartingWith("XGBoost refused the parameters:").hasMessageContaining("max_depth");
    TrainingTable regression = SyntheticTables.regression(100, 3, 1);
    assertThatThrownBy(() -> trainer.train(regression, regression.allRows(), PARAMS, 1))
        .hasMessageContaining("objective 'binary:logistic' needs labels 0 or 1; label 'y' is");
    assertThatThrownBy(() -> trainer.train(TABLE, TABLE.allRows(), TrainingParams.of(Map.of("objective",
        "multi:softprob")), 1)).hasMessageContaining("needs params.num_class");
    assertThatThrownBy(() -> trainer.train(regression, HOLDOUT.train(), HOLDOUT.test(), TrainingParams.of(Map.of()),
        Metric.AUC, 1, IntermediateReporter.NONE)).hasMessage("metric 'auc' does not fit objective 'reg:squarederror'");
  }

  @Test
  void regressionAndMulticlassObjectivesTrainAndScore() {
    TrainingTable regression = SyntheticTables.regression(800, 4, 2);
    Split s = new Holdout(0.25, Holdout.Mode.RANDOM, 1).split(regression);
    TrainedModel r = trainer.train(regression, s.train(), s.test(), TrainingParams.of(Map.of("num_round", 40)),
        Metric.R2, 1, IntermediateReporter.NONE);
    assertThat(r.bestScore()).isGreaterThan(0.8);
    // Three classes from the binary table: label + (x0 > 0.5).
    float[] y = new float[TABLE.rows()];
    for (int i = 0; i < y.length; i++) {
      y[i] = TABLE.labels()[i] + (TABLE.column(0)[i] > 0.5 ? 1 : 0);
    }
    float[][] cols = new float[TABLE.featureCount()][];
    for (int f = 0; f < cols.length; f++) {
      cols[f] = TABLE.column(f);
    }
    TrainingTable three = new TrainingTable("y", TABLE.features(), cols, y, null);
    for (String objective : List.of("multi:softprob", "multi:softmax")) {
      TrainedModel m = trainer.train(three, HOLDOUT.train(), HOLDOUT.test(), TrainingParams.of(Map.of("objective",
          objective, "num_class", 3, "num_round", 20)), Metric.MLOGLOSS, 1, IntermediateReporter.NONE);
      assertThat(m.bestScore()).as(objective).isLessThan(0.8);
    }
  }

  /**
   * A categorical feature whose codes 0 and 2 are positive and 1 and 3 negative: one categorical split of depth 1
   * separates them, which no single split on the codes as numbers can (each threshold leaves one class mixed). The
   * model is served by Pier's xgboost engine from the codes, with the same scores.
   */
  @Test
  void categoricalFeaturesAreSplitAsCategoriesAndServedFromTheirCodes() throws Exception {
    int n = 400;
    float[] codes = new float[n];
    float[] noise = new float[n];
    float[] labels = new float[n];
    java.util.Random r = new java.util.Random(3);
    for (int i = 0; i < n; i++) {
      codes[i] = i % 4;
      noise[i] = r.nextFloat();
      labels[i] = i % 2 == 0 ? 1 : 0;
    }
    TrainingParams stump = TrainingParams.of(Map.of("objective", "binary:logistic", "num_round", 1, "max_depth", 1,
        "eta", 1.0, "max_cat_to_onehot", 1));
    TrainingTable categorical = new TrainingTable("y", List.of("plan", "noise"), new float[][] {codes, noise},
        labels, null, java.util.Arrays.asList(List.of("a", "b", "c", "d"), null));
    assertThat(categorical.featureTypes()).containsExactly("c", "q");
    TrainingTable numeric = new TrainingTable("y", List.of("plan", "noise"), new float[][] {codes, noise},
        labels, null);
    int[] all = categorical.allRows();
    TrainedModel cat = trainer.train(categorical, all, stump, 1);
    assertThat(trainer.evaluate(cat.model(), categorical, all, stump, Metric.ACCURACY)).isEqualTo(1.0);
    TrainedModel num = trainer.train(numeric, all, stump, 1);
    assertThat(trainer.evaluate(num.model(), numeric, all, stump, Metric.ACCURACY)).isLessThan(0.8);

    Path file = Files.write(dir.resolve("categorical.ubj"), cat.model());
    try (LoadedModel served = new XGBoostEngine(1).load(file, null)) {
      Tensor in = new Tensor("input", Datatype.FP32, new long[] {4, 2}, new float[] {0, 0.5f, 1, 0.5f, 2, 0.5f,
          3, 0.5f});
      float[] p = (float[]) served.infer(List.of(in), List.of("probabilities")).get(0).data();
      assertThat(p[0]).isGreaterThan(0.5f);
      assertThat(p[1]).isLessThan(0.5f);
      assertThat(p[2]).isGreaterThan(0.5f);
      assertThat(p[3]).isLessThan(0.5f);
    }
  }

  /**
   * 120 queries of 8 rows; relevance 0-3 grows with feature 0 (feature 1 is noise); the rows of each query are spread
   * over the table. rank:ndcg and rank:pairwise learn it: holdout NDCG@5 (whole queries held out) well above the
   * NDCG of the noise feature's ranking, and a table without a query column is refused naming it.
   */
  @Test
  void rankingObjectivesLearnWithinQueriesHeldOutWhole() {
    int queries = 120;
    int per = 8;
    int n = queries * per;
    float[] signal = new float[n];
    float[] noise = new float[n];
    float[] relevance = new float[n];
    int[] groups = new int[n];
    java.util.Random r = new java.util.Random(9);
    for (int i = 0; i < n; i++) {
      groups[i] = i % queries; // interleaved: each query's rows are not together in the table
      signal[i] = r.nextFloat();
      noise[i] = r.nextFloat();
      relevance[i] = Math.min(3, (float) Math.floor(4 * signal[i] + 0.6 * r.nextGaussian()));
      relevance[i] = Math.max(0, relevance[i]);
    }
    TrainingTable table = new TrainingTable("rel", List.of("signal", "noise"), new float[][] {signal, noise},
        relevance, groups);
    Split split = new Holdout(0.25, Holdout.Mode.GROUP, 4).split(table);
    java.util.Set<Integer> trainQueries = new java.util.HashSet<>();
    for (int row : split.train()) {
      trainQueries.add(groups[row]);
    }
    for (int row : split.test()) {
      assertThat(trainQueries).doesNotContain(groups[row]);
    }
    assertThat(split.test().length).isEqualTo(30 * per);
    double[] y = new double[split.test().length];
    double[] byNoise = new double[y.length];
    int[] g = new int[y.length];
    for (int i = 0; i < y.length; i++) {
      y[i] = relevance[split.test()[i]];
      byNoise[i] = noise[split.test()[i]];
      g[i] = groups[split.test()[i]];
    }
    double baseline = Metric.NDCG_5.score(y, byNoise, 1, g);
    for (String objective : List.of("rank:ndcg", "rank:pairwise")) {
      TrainingParams params = TrainingParams.of(Map.of("objective", objective, "num_round", 20, "max_depth", 3));
      TrainedModel m = trainer.train(table, split.train(), params, 7);
      double ndcg = trainer.evaluate(m.model(), table, split.test(), params, Metric.NDCG_5);
      assertThat(ndcg).as(objective).isGreaterThan(0.9).isGreaterThan(baseline + 0.15);
    }
    TrainingTable noQueries = new TrainingTable("rel", List.of("signal", "noise"), new float[][] {signal, noise},
        relevance, null);
    assertThatThrownBy(() -> trainer.train(noQueries, noQueries.allRows(), TrainingParams.of(Map.of("objective",
        "rank:ndcg", "num_round", 2)), 1)).isInstanceOf(PierException.class).hasMessageContaining("query column");
  }
}
