package dev.pier.training.jobs;

import dev.pier.batch.Priority;
import dev.pier.training.cost.PriceTable;
import java.util.Map;

/**
 * Training's configuration.
 *
 * @param bucket where refit models are written ({@code training/<job>/model.ubj})
 * @param table the jobs table (training jobs, trials and dataset versions live beside batch jobs)
 * @param lanes how many jobs of each priority run at once (local mode's queue)
 * @param projectConcurrency how many jobs of one project run at once; more wait in the queue
 * @param trainerThreads XGBoost threads per training (fixed, so models are byte-identical run to run)
 * @param scriptWork where script-mode jobs lay out SageMaker's {@code /opt/ml} per run ({@code <job>/<run>/})
 * @param scriptMode whether this server runs script-mode jobs (their commands run here, as the server's user)
 * @param sagemaker where set (AWS mode), trials' folds and the refit run as SageMaker training jobs; null: in the worker
 */
public record TrainingSettings(String bucket, String table, PriceTable prices, Map<Priority, Integer> lanes,
    int projectConcurrency, int trainerThreads, java.nio.file.Path scriptWork, boolean scriptMode,
    dev.pier.training.sagemaker.SageMakerSettings sagemaker) {
  public static final String WORKER_FUNCTION = "pier-training-worker";
  /** The state machine (sagemaker-training.asl.json) that runs one SageMaker training job to its end. */
  public static final String SAGEMAKER_TRAINING = "pier-sagemaker-training";

  public TrainingSettings(String bucket, String table, PriceTable prices, Map<Priority, Integer> lanes,
      int projectConcurrency, int trainerThreads, java.nio.file.Path scriptWork, boolean scriptMode) {
    this(bucket, table, prices, lanes, projectConcurrency, trainerThreads, scriptWork, scriptMode, null);
  }

  /** These settings with trials and refits on SageMaker. */
  public TrainingSettings withSageMaker(dev.pier.training.sagemaker.SageMakerSettings on) {
    return new TrainingSettings(bucket, table, prices, lanes, projectConcurrency, trainerThreads, scriptWork,
        scriptMode, on);
  }

  public TrainingSettings(String bucket, String table, PriceTable prices, Map<Priority, Integer> lanes,
      int projectConcurrency, int trainerThreads) {
    this(bucket, table, prices, lanes, projectConcurrency, trainerThreads,
        java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "pier-training-scripts"), true);
  }

  /** The trainer of {@code job}: {@code xgboost} for the built-in algorithm, the job's script in script mode. */
  public ModelTrainer trainer(ModelTrainer xgboost, String jobId, TrainingJobSpec spec) {
    if (!spec.scriptMode()) {
      return xgboost;
    }
    return new dev.pier.training.script.ScriptModelTrainer(spec.script(), scriptWork.resolve(jobId),
        spec.resources() == null ? 0 : spec.resources().maxRuntimeSeconds());
  }

  /** The placeholders training.asl.json needs locally. */
  public Map<String, String> substitutions() {
    return Map.of("TrainingWorkerFunction", WORKER_FUNCTION, "SageMakerTrainingStateMachine", SAGEMAKER_TRAINING);
  }
}
