package dev.pier.batch;

import java.util.Comparator;
import java.util.List;

/**
 * Sizes a job's chunks and concurrency from what its model version measurably does: the scoring throughput of the
 * version's recent jobs ({@code rows / scoring time}, the same worker code wherever it runs). Without history the
 * configured sizes apply ({@code pier.batch.chunk-rows}, {@code pier.batch.concurrency}).
 *
 * <ul>
 *   <li>A chunk holds about {@value #TARGET_CHUNK_SECONDS} s of scoring: long enough that per-chunk costs (one
 *       Lambda invocation, about four state transitions, a ranged GET and two PUTs) stay small beside the work, short
 *       enough that a retried chunk redoes little. Bounded to [{@value #MIN_CHUNK_ROWS}, {@value #MAX_CHUNK_ROWS}]
 *       rows: the upper bound keeps a chunk's rows and results well inside a 2 GB worker.
 *   <li>Concurrency is what finishes the job in about {@value #TARGET_JOB_SECONDS} s, at most the configured
 *       {@code pier.batch.concurrency}: a small job does not fan out, a big one uses what it is allowed.
 * </ul>
 */
public final class ChunkSizing {
  static final double TARGET_CHUNK_SECONDS = 8;
  static final int MIN_CHUNK_ROWS = 1_000;
  static final int MAX_CHUNK_ROWS = 500_000;
  static final double TARGET_JOB_SECONDS = 300;
  /** Jobs of fewer rows measure start-up (a cold model, JIT warm-up) more than scoring. */
  static final long MIN_MEASURED_ROWS = 10_000;
  /** Recent jobs only: a version's throughput is stable, the platform around it may change. */
  static final int HISTORY = 5;

  private ChunkSizing() {}

  /** The version's scoring throughput (rows/s) over its latest finished jobs, or 0 when unmeasured. */
  public static double measuredRowsPerSecond(List<BatchJob> jobs, String model, int version) {
    List<BatchJob> recent = jobs.stream()
        .filter(j -> j.model().equals(model) && j.version() == version && j.state() == JobState.SUCCEEDED)
        .filter(j -> j.done() >= MIN_MEASURED_ROWS && j.scoringMillis() > 0)
        .sorted(Comparator.comparing(BatchJob::createdAt).reversed())
        .limit(HISTORY)
        .toList();
    long rows = recent.stream().mapToLong(BatchJob::done).sum();
    long millis = recent.stream().mapToLong(BatchJob::scoringMillis).sum();
    return millis == 0 ? 0 : rows * 1000.0 / millis;
  }

  /** Rows per chunk for a job about to be planned. */
  public static int chunkRows(double rowsPerSecond, BatchSettings settings) {
    if (rowsPerSecond <= 0) {
      return settings.chunkRows();
    }
    long rows = Math.round(rowsPerSecond * TARGET_CHUNK_SECONDS);
    return (int) Math.max(MIN_CHUNK_ROWS, Math.min(MAX_CHUNK_ROWS, rows));
  }

  /** The plan of a job with {@code rows} rows cut into {@code chunks} chunks of {@code chunkRows}. */
  public static BatchJob.Plan plan(long rows, int chunks, int chunkRows, double rowsPerSecond,
      BatchSettings settings) {
    if (rowsPerSecond <= 0) {
      return new BatchJob.Plan(chunks, chunkRows, Math.max(1, Math.min(chunks, settings.concurrency())), "default", 0);
    }
    double seconds = rows / rowsPerSecond;
    int wanted = (int) Math.ceil(seconds / TARGET_JOB_SECONDS);
    int concurrency = Math.max(1, Math.min(Math.min(wanted, chunks), settings.concurrency()));
    return new BatchJob.Plan(chunks, chunkRows, concurrency, "measured", rowsPerSecond);
  }
}
