package dev.pier.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CrossValidatorTest {
  private static final TrainingTable TABLE = SyntheticTables.binary(1500, 8, 5);
  private static final TrainingParams PARAMS = TrainingParams.of(Map.of("objective", "binary:logistic",
      "num_round", 20, "max_depth", 3, "eta", 0.3));
  private final XGBoostTrainer trainer = new XGBoostTrainer(2);
  private final CrossValidator cv = new CrossValidator(trainer);

  @Test
  void reportsEachFoldsScoreTheirMeanAndPopulationStandardDeviation() {
    List<Split> folds = new StratifiedKFold(5, true, 1).split(TABLE, TABLE.allRows());
    CvResult r = cv.run(TABLE, folds, PARAMS, Metric.AUC, 7, IntermediateReporter.NONE);
    assertThat(r.folds()).hasSize(5);
    double mean = r.folds().stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    double var = r.folds().stream().mapToDouble(v -> (v - mean) * (v - mean)).sum() / 5;
    assertThat(r.mean()).isCloseTo(mean, within(1e-12));
    assertThat(r.std()).isCloseTo(Math.sqrt(var), within(1e-12)).isPositive();
    assertThat(r.meanHistory()).hasSize(20);
    assertThat(r.mean()).isEqualTo(r.meanHistory().get(r.bestRound())).isGreaterThan(0.85);
  }

  @Test
  void eachFoldScoresWhatAModelTrainedOnItsTrainingRowsScoresOnItsTestRows() {
    List<Split> folds = new KFold(3, false, 0).split(TABLE, TABLE.allRows());
    CvResult r = cv.run(TABLE, folds, PARAMS, Metric.LOGLOSS, 7, IntermediateReporter.NONE);
    for (int f = 0; f < 3; f++) {
      TrainedModel alone = trainer.train(TABLE, folds.get(f).train(), folds.get(f).test(),
          PARAMS.withNumRound(r.bestRound() + 1), Metric.LOGLOSS, 7, IntermediateReporter.NONE);
      assertThat(r.folds().get(f)).isEqualTo(alone.history().get(r.bestRound()));
    }
  }

  /**
   * A separating feature gives the best AUC after the first tree, and every later round ties it: picking the
   * best round regardless would score and refit one round of the twenty asked for (an underfit refit).
   */
  @Test
  void withoutEarlyStoppingTheTrialIsScoredAtTheRoundsAskedEvenWhenAnEarlyRoundTies() {
    int n = 200;
    float[] x = new float[n];
    float[] y = new float[n];
    java.util.Random rng = new java.util.Random(2);
    for (int i = 0; i < n; i++) {
      y[i] = i % 2;
      x[i] = y[i] + 0.1f * rng.nextFloat();
    }
    TrainingTable t = new TrainingTable("y", List.of("x"), new float[][] {x}, y, null);
    List<Split> folds = new StratifiedKFold(3, true, 1).split(t, t.allRows());
    CvResult r = cv.run(t, folds, PARAMS, Metric.AUC, 7, IntermediateReporter.NONE);
    double first = r.meanHistory().get(0);
    assertThat(first).isGreaterThan(0.99);
    assertThat(r.meanHistory()).hasSize(20).allMatch(m -> m == first); // the best mean already at round 0, then ties
    assertThat(r.bestRound()).isEqualTo(19);
    assertThat(r.mean()).isEqualTo(r.meanHistory().get(19));
  }

  @Test
  void withEarlyStoppingTheTrialIsTheBestRoundAndStopsItsPatienceLater() {
    List<Split> folds = new KFold(3, false, 0).split(TABLE, TABLE.allRows());
    TrainingParams early = TrainingParams.of(Map.of("objective", "binary:logistic", "num_round", 400,
        "max_depth", 6, "eta", 0.5, "early_stopping_rounds", 5));
    CvResult r = cv.run(TABLE, folds, early, Metric.LOGLOSS, 7, IntermediateReporter.NONE);
    List<Double> means = r.meanHistory();
    assertThat(means.size()).isLessThan(400).isEqualTo(r.bestRound() + 6);
    double min = means.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
    assertThat(means.indexOf(min)).isEqualTo(r.bestRound());
    assertThat(r.mean()).isEqualTo(min);
  }

  @Test
  void reportsTheFoldsMeanAfterEachRoundAndStopsWhenPruned() {
    List<Split> folds = new KFold(3, false, 0).split(TABLE, TABLE.allRows());
    List<Double> reported = new ArrayList<>();
    assertThatThrownBy(() -> cv.run(TABLE, folds, PARAMS, Metric.AUC, 7, (step, value) -> {
      reported.add(value);
      if (step == 4) {
        throw new TrialPruned(step);
      }
    })).isInstanceOf(TrialPruned.class);
    assertThat(reported).hasSize(5);
  }

  @Test
  void anUndefinedMetricOnAFoldIsAClearError() {
    float[] y = new float[40];
    for (int i = 20; i < 40; i++) {
      y[i] = 1;
    }
    float[] x = new float[40];
    TrainingTable t = new TrainingTable("y", List.of("x"), new float[][] {x}, y, null);
    List<Split> folds = new KFold(2, false, 0).split(t, t.allRows()); // each fold holds one class
    assertThatThrownBy(() -> cv.run(t, folds, PARAMS, Metric.AUC, 1, IntermediateReporter.NONE))
        .hasMessage("metric 'auc' is undefined on fold 1 (its validation rows hold one class)");
  }
}
