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
public record JobCost(double total, double lambda, double stepFunctions, double s3, double dynamodb) {
  static final double LAMBDA_GB_SECOND = 0.0000166667;
  static final double LAMBDA_REQUEST = 0.0000002;
  static final double STATE_TRANSITION = 0.000025;
  static final double S3_GET = 0.0000004;
  static final double S3_PUT = 0.000005;
  static final double DYNAMODB_WRITE = 0.000000625;
  static final double DYNAMODB_READ = 0.000000125;

  public static JobCost of(BatchJob job, BatchSettings settings) {
    long chunks = job.plan() != null ? job.plan().chunks()
        : job.total() == null ? 0 : (job.total() + settings.chunkRows() - 1) / settings.chunkRows();
    double lambda = job.scoringMillis() / 1000.0 * settings.workerMemoryGb() * LAMBDA_GB_SECOND
        + (chunks + 4) * LAMBDA_REQUEST;
    double stepFunctions = (2 * chunks + 8) * STATE_TRANSITION;
    int getsPerChunk = job.format() == InputFormat.PARQUET ? 3 : 1;
    double s3 = (getsPerChunk * chunks + 2) * S3_GET + (2 * chunks + 5) * S3_PUT;
    double dynamodb = (4 * chunks + 4) * DYNAMODB_WRITE + (2 * chunks + 6) * DYNAMODB_READ;
    return new JobCost(round(lambda + stepFunctions + s3 + dynamodb), round(lambda), round(stepFunctions), round(s3),
        round(dynamodb));
  }

  private static double round(double usd) {
    return Math.round(usd * 1_000_000) / 1_000_000.0;
  }
}
