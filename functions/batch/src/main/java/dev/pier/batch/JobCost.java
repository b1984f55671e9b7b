package dev.pier.batch;

/**
 * What a batch job costs, or would cost, on the AWS deployment, from its own records: scoring time, rows and chunks.
 * Prices are public us-east-1 list prices (on-demand, x86, no free tier), checked 2026-11:
 *
 * <ul>
 *   <li>Lambda: {@value #LAMBDA_GB_SECOND} USD per GB-second, {@value #LAMBDA_REQUEST} USD per request;
 *   <li>Step Functions Standard: {@value #STATE_TRANSITION} USD per state transition;
 *   <li>S3 Standard: {@value #S3_GET} USD per GET, {@value #S3_PUT} USD per PUT or LIST;
 *   <li>DynamoDB on-demand: {@value #DYNAMODB_WRITE} USD per write request unit, {@value #DYNAMODB_READ} per read
 *       request unit.
 * </ul>
 * Counts per job: 4 Lambda requests and about 8 state transitions of its own (route, validate, choice, map, write
 * results, finalize), 1 plan PUT, 1 whole-input GET (text inputs are counted while planning), the results' manifest and
 * errors PUTs and 2 LISTs, 6 reads and 4 writes of the job item; per chunk: 1 Lambda request, 2 state transitions
 * (the child execution and its task), 1 ranged GET (3 for Parquet: footer, column chunks, page headers), 2 PUTs
 * (results, and errors or map result), 2 consistent reads and a 2-item transaction (4 write units).
 * The estimate leaves out what does not scale with the job (logs, KMS requests under bucket keys, retries).
 */
public record JobCost(double total, double lambda, double stepFunctions, double s3, double dynamodb,
    double emrServerless) {
  /** EMR Serverless (x86, us-east-1, checked 2026-11): USD per vCPU-hour and per GB-hour of its workers. */
  static final double EMR_VCPU_HOUR = 0.052624;
  static final double EMR_GB_HOUR = 0.0057785;

  static final double LAMBDA_GB_SECOND = 0.0000166667;
  static final double LAMBDA_REQUEST = 0.0000002;
  static final double STATE_TRANSITION = 0.000025;
  static final double S3_GET = 0.0000004;
  static final double S3_PUT = 0.000005;
  static final double DYNAMODB_WRITE = 0.000000625;
  static final double DYNAMODB_READ = 0.000000125;

  public static JobCost of(BatchJob job, BatchSettings settings) {
    if (job.engine() == Engine.SPARK) {
      return spark(job, settings);
    }
    long chunks = job.plan() != null ? job.plan().chunks()
        : job.total() == null ? 0 : (job.total() + settings.chunkRows() - 1) / settings.chunkRows();
    double lambda = job.scoringMillis() / 1000.0 * settings.workerMemoryGb() * LAMBDA_GB_SECOND
        + (chunks + 4) * LAMBDA_REQUEST;
    double stepFunctions = (2 * chunks + 8) * STATE_TRANSITION;
    int getsPerChunk = job.format() == InputFormat.PARQUET ? 3 : 1;
    double s3 = (getsPerChunk * chunks + 2) * S3_GET + (2 * chunks + 5) * S3_PUT;
    double dynamodb = (4 * chunks + 4) * DYNAMODB_WRITE + (2 * chunks + 6) * DYNAMODB_READ;
    return new JobCost(round(lambda + stepFunctions + s3 + dynamodb), round(lambda), round(stepFunctions), round(s3),
        round(dynamodb), 0);
  }

  /**
   * A Spark job on EMR Serverless: its tasks' scoring time (summed over partitions) on workers of
   * {@link BatchSettings#SPARK_WORKER_VCPU} vCPUs and {@link BatchSettings#SPARK_WORKER_GB} GB (one task per vCPU),
   * plus a driver of the same size for the job's wall time; S3 (one GET of the input per partition, one PUT per result
   * file, the manifest and errors) and DynamoDB (the job item and one chunk record per partition) as for Lambda jobs.
   */
  private static JobCost spark(BatchJob job, BatchSettings settings) {
    long partitions = job.plan() != null ? job.plan().chunks() : 0;
    double taskHours = job.scoringMillis() / 3_600_000.0 / BatchSettings.SPARK_WORKER_VCPU;
    double wallHours = job.startedAt() == null ? 0 : java.time.Duration.between(job.startedAt(),
        job.finishedAt() != null ? job.finishedAt() : java.time.Instant.now()).toMillis() / 3_600_000.0;
    double emr = (taskHours + wallHours) * (BatchSettings.SPARK_WORKER_VCPU * EMR_VCPU_HOUR
        + BatchSettings.SPARK_WORKER_GB * EMR_GB_HOUR);
    double s3 = (partitions + 2) * S3_GET + (partitions + 5) * S3_PUT;
    double dynamodb = (4 * partitions + 4) * DYNAMODB_WRITE + (2 * partitions + 6) * DYNAMODB_READ;
    return new JobCost(round(emr + s3 + dynamodb), 0, 0, round(s3), round(dynamodb), round(emr));
  }

  private static double round(double usd) {
    return Math.round(usd * 1_000_000) / 1_000_000.0;
  }
}
