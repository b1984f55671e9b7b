package dev.pier.training.tuning;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pier.training.CrossValidator;
import dev.pier.training.Holdout;
import dev.pier.training.Metric;
import dev.pier.training.Split;
import dev.pier.training.StratifiedKFold;
import dev.pier.training.TrainedModel;
import dev.pier.training.TrainingParams;
import dev.pier.training.TrainingTable;
import dev.pier.training.XGBoostTrainer;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The library end to end: holdout, folds, a TPE search over cross-validated XGBoost, the refit, the holdout score. */
class XGBoostSearchTest {
  @Test
  void tunesCrossValidatedXGBoostThenRefitsTheBestOnAllTrainingRows() {
    TrainingTable table = table(800, 6);
    Split holdout = new Holdout(0.2, Holdout.Mode.STRATIFIED, 1).split(table);
    List<Split> folds = new StratifiedKFold(3, true, 1).split(table, holdout.train());
    TrainingParams base = TrainingParams.of(Map.of("objective", "binary:logistic", "num_round", 12));
    XGBoostTrainer trainer = new XGBoostTrainer(1);
    SearchSpace space = SearchSpace.parse(Map.of(
        "max_depth", Map.of("type", "int", "low", 1, "high", 6),
        "eta", Map.of("type", "float", "low", 0.05, "high", 0.5, "log", true),
        "booster", Map.of("type", "categorical", "choices", List.of("gbtree", "dart"))));
    TuningConfig config = new TuningConfig("job-1", space, new TpeSampler(1, true), new MedianPruner(5, 3, 1, 1),
        true, 14, 2, 0, null, null);
    XGBoostObjective objective = new XGBoostObjective(new CrossValidator(trainer), table, folds, base, Metric.AUC, 1);
    TuningResult r = new Tuner(config, objective, new InMemoryTrialStore()).run();

    assertThat(r.trials()).hasSize(14).noneMatch(t -> t.state() == TrialState.FAIL);
    Trial best = r.best();
    assertThat(best.cv().folds()).hasSize(3);
    assertThat(best.value()).isEqualTo(best.cv().mean()).isGreaterThan(0.8);
    TrainingParams refit = base.with(best.params()).withNumRound(best.cv().bestRound() + 1);
    TrainedModel model = trainer.train(table, holdout.train(), refit, 1);
    assertThat(trainer.evaluate(model.model(), table, holdout.test(), refit, Metric.AUC)).isGreaterThan(0.8);
  }

  private static TrainingTable table(int rows, int features) {
    Random rng = new Random(8);
    float[][] x = new float[features][rows];
    float[] y = new float[rows];
    for (int r = 0; r < rows; r++) {
      double s = 0;
      for (int f = 0; f < features; f++) {
        x[f][r] = (float) rng.nextGaussian();
        s += f < 3 ? x[f][r] : 0;
      }
      y[r] = s + rng.nextGaussian() * 0.5 > 0 ? 1 : 0;
    }
    List<String> names = java.util.stream.IntStream.range(0, features).mapToObj(f -> "f" + f).toList();
    return new TrainingTable("y", names, x, y, null);
  }
}
