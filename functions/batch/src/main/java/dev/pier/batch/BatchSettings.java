package dev.pier.batch;

import java.time.Duration;
import java.util.Map;

/**
 * Batch scoring's configuration ({@code pier.batch.*}).
 *
 * @param bucket the batch bucket: uploads under {@code incoming/<model>/}, job outputs under {@code outputs/<id>/},
 *     chunk plans and map results under {@code jobs/<id>/}
 * @param chunkRows rows per chunk (one ranged read, one result part, one progress step)
 * @param batchRows rows per model call inside a chunk
 * @param concurrency chunks of one job scored at once (the distributed Map's MaxConcurrency)
 * @param lanes jobs run at once per priority lane
 * @param toleratedFailurePercentage chunks (not rows) that may fail, after retries, before the job fails
 * @param watchInterval how often local mode lists {@code incoming/} for new uploads
 * @param workerMemoryGb the worker Lambda's memory, for the cost estimate
 */
public record BatchSettings(
    String bucket,
    String jobsTable,
    int chunkRows,
    int batchRows,
    int concurrency,
    Map<Priority, Integer> lanes,
    double toleratedFailurePercentage,
    Duration watchInterval,
    double workerMemoryGb) {

  /** The size of a Spark job's EMR Serverless workers (and driver), for its cost estimate and its submission. */
  public static final int SPARK_WORKER_VCPU = 4;
  public static final int SPARK_WORKER_GB = 16;

  /** The worker Lambda's name in the state machine's Task parameters, after local substitution. */
  public static final String WORKER_FUNCTION = "pier-batch-worker";
}
