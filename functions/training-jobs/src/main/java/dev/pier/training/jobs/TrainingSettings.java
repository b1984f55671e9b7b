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
 */
public record TrainingSettings(String bucket, String table, PriceTable prices, Map<Priority, Integer> lanes,
    int projectConcurrency, int trainerThreads) {
  public static final String WORKER_FUNCTION = "pier-training-worker";

  /** The placeholders training.asl.json needs locally. */
  public Map<String, String> substitutions() {
    return Map.of("TrainingWorkerFunction", WORKER_FUNCTION);
  }
}
