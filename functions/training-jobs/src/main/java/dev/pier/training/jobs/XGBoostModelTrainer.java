package dev.pier.training.jobs;

import dev.pier.training.CrossValidator;
import dev.pier.training.CvResult;
import dev.pier.training.Metric;
import dev.pier.training.Split;
import dev.pier.training.Task;
import dev.pier.training.TrainedModel;
import dev.pier.training.TrainingParams;
import dev.pier.training.TrainingTable;
import dev.pier.training.XGBoostTrainer;
import java.util.List;
import java.util.Map;

/** The workflow's trainer for {@code "algorithm": "xgboost"}: the training library's xgboost4j trainer. */
public final class XGBoostModelTrainer implements ModelTrainer {
  private final XGBoostTrainer trainer;
  private final CrossValidator cv;

  /** @param threads XGBoost threads per training: fixed, so the same inputs give byte-identical models */
  public XGBoostModelTrainer(int threads) {
    this.trainer = new XGBoostTrainer(threads);
    this.cv = new CrossValidator(trainer);
  }

  @Override
  public void check(Map<String, Object> params, String metric) {
    TrainingParams p = TrainingParams.of(params);
    Metric.of(metric).requireFits(p.task(), p.objective());
  }

  @Override
  public boolean classification(Map<String, Object> params) {
    Task t = TrainingParams.of(params).task();
    return t == Task.BINARY || t == Task.MULTICLASS;
  }

  @Override
  public boolean ranking(Map<String, Object> params) {
    return TrainingParams.of(params).task() == Task.RANKING;
  }

  @Override
  public CvOutcome crossValidate(TrainingTable table, List<Split> folds, Map<String, Object> params, String metric,
      long seed, Progress progress) {
    CvResult r = cv.run(table, folds, TrainingParams.of(params), Metric.of(metric), seed, progress::round);
    return new CvOutcome(r.mean(), r.std(), r.folds(), r.meanHistory(), r.bestRound());
  }

  @Override
  public Model fit(TrainingTable table, int[] rows, Map<String, Object> params, int rounds, long seed) {
    TrainedModel m = trainer.train(table, rows, TrainingParams.of(params).withNumRound(rounds).withoutEarlyStopping(),
        seed);
    return new Model(m.model(), m.sha256(), m.rounds());
  }

  @Override
  public double score(byte[] model, TrainingTable table, int[] rows, Map<String, Object> params, String metric) {
    return trainer.evaluate(model, table, rows, TrainingParams.of(params), Metric.of(metric));
  }

  @Override
  public boolean greaterIsBetter(String metric) {
    return Metric.of(metric).greaterIsBetter();
  }

  @Override
  public String framework() {
    return "xgboost";
  }

  @Override
  public String extension() {
    return "." + TrainedModel.FORMAT;
  }
}
