package dev.pier.batch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChunkSizingTest {
  private static final BatchSettings SETTINGS = new BatchSettings("pier-batch", "pier-jobs", 50_000, 4096, 4,
      Map.of(), 0, Duration.ofSeconds(1), 2);

  private static BatchJob job(String model, int version, JobState state, long rows, long scoringMillis, int age) {
    return new BatchJob("bj-" + age, model, "production", version, state, Priority.NORMAL,
        new S3Uri("b", "in.jsonl"), new S3Uri("b", "out/"), InputFormat.JSONL, rows, rows, 0, scoringMillis,
        Instant.parse("2026-11-27T12:00:00Z").minusSeconds(age), null, null, null, "api", null);
  }

  @Test
  void throughputIsMeasuredOnTheVersionsRecentSucceededJobsOnly() {
    var jobs = List.of(
        job("m", 1, JobState.SUCCEEDED, 100_000, 1_000, 1),
        job("m", 1, JobState.SUCCEEDED, 50_000, 500, 2),
        job("m", 2, JobState.SUCCEEDED, 1_000_000, 1_000, 3), // another version
        job("m", 1, JobState.FAILED, 1_000_000, 1, 4), // failed
        job("m", 1, JobState.SUCCEEDED, 10, 100, 5), // too small to measure scoring
        job("other", 1, JobState.SUCCEEDED, 1_000_000, 1, 6));

    assertThat(ChunkSizing.measuredRowsPerSecond(jobs, "m", 1)).isEqualTo(100_000.0);
    assertThat(ChunkSizing.measuredRowsPerSecond(jobs, "m", 3)).isZero();
  }

  @Test
  void aChunkHoldsAboutEightSecondsOfScoringWithinBounds() {
    assertThat(ChunkSizing.chunkRows(10_000, SETTINGS)).isEqualTo(80_000);
    assertThat(ChunkSizing.chunkRows(200_000, SETTINGS)).isEqualTo(500_000);
    assertThat(ChunkSizing.chunkRows(50, SETTINGS)).isEqualTo(1_000);
    assertThat(ChunkSizing.chunkRows(0, SETTINGS)).isEqualTo(50_000); // unmeasured: configured
  }

  @Test
  void concurrencyFinishesTheJobInAboutFiveMinutesWithinTheConfiguredMaximum() {
    assertThat(ChunkSizing.plan(1_000_000, 20, 50_000, 1_000, SETTINGS).concurrency()).isEqualTo(4); // 1000 s
    assertThat(ChunkSizing.plan(1_000_000, 20, 50_000, 2_000, SETTINGS).concurrency()).isEqualTo(2); // 500 s
    assertThat(ChunkSizing.plan(10_000, 1, 80_000, 100_000, SETTINGS))
        .isEqualTo(new BatchJob.Plan(1, 80_000, 1, "measured", 100_000));
    assertThat(ChunkSizing.plan(10_000, 1, 50_000, 0, SETTINGS))
        .isEqualTo(new BatchJob.Plan(1, 50_000, 1, "default", 0));
    assertThat(ChunkSizing.plan(500_000, 10, 50_000, 0, SETTINGS).concurrency()).isEqualTo(4);
  }

  @Test
  void costAddsLambdaTimeStateTransitionsS3RequestsAndDynamoDbWritesAtListPrices() {
    BatchJob done = new BatchJob("bj-1", "m", "production", 1, JobState.SUCCEEDED, Priority.NORMAL,
        new S3Uri("b", "in.jsonl"), new S3Uri("b", "out/"), InputFormat.JSONL, 1_000_000L, 1_000_000, 0, 5_000,
        Instant.now(), null, null, null, "api", new BatchJob.Plan(10, 100_000, 2, "measured", 200_000));

    // by hand: Lambda 5 s x 2 GB x 0.0000166667 + 14 requests x 0.0000002; 28 transitions x 0.000025;
    // 12 GETs x 0.0000004 + 25 PUTs x 0.000005; 44 WRU x 0.000000625 + 26 RRU x 0.000000125
    assertThat(JobCost.of(done, SETTINGS)).isEqualTo(new JobCost(0.00103, 0.000169, 0.0007, 0.00013, 0.000031, 0));
    BatchJob parquet = new BatchJob("bj-2", "m", "production", 1, JobState.SUCCEEDED, Priority.NORMAL,
        new S3Uri("b", "in.parquet"), new S3Uri("b", "out/"), InputFormat.PARQUET, 1_000_000L, 1_000_000, 0, 5_000,
        Instant.now(), null, null, null, "api", done.plan());
    assertThat(JobCost.of(parquet, SETTINGS).s3()).isEqualTo(0.000138); // footer and column-chunk reads per chunk
  }
}
