package dev.pier.training.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pier.kernel.aws.DynamoTables;
import dev.pier.training.StandIns;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trial records in the jobs table (the DynamoDB stand-in): each trial is written once when suggested and once when
 * finished, conditionally, so a number is never recorded twice and a finished trial never changes. Prints the cost per
 * trial for the first and the last thousand of 3,000 ({@code -Dpier.training.bookkeeping-trials}; {@code ./pier bench
 * training} runs 10,000) and the CPU time of the JVM per trial (a figure, not an assertion: this machine's load varies).
 */
class TrialBookkeepingTest {
  @TempDir static Path work;
  static StandIns standIns;
  static TrainingJobsTable jobs;

  @BeforeAll
  static void start() throws Exception {
    standIns = new StandIns(work.resolve("aws"));
    DynamoTables.createIfMissing(standIns.clients.dynamoDb(), "jobs", DynamoTables.SINGLE_TABLE, null);
    jobs = new TrainingJobsTable(standIns.clients.dynamoDb(), "jobs");
  }

  @AfterAll
  static void stop() {
    standIns.close();
  }

  private static TrialRecord running(int n) {
    return new TrialRecord(n, Map.of("max_depth", 3 + n % 5), "RUNNING", null, null, null, null, null, null, null, 0,
        0);
  }

  private static TrialRecord finished(int n, double score) {
    return new TrialRecord(n, Map.of("max_depth", 3 + n % 5), "SUCCEEDED", score, 0.01, List.of(score),
        List.of(score), 0, null, "run-" + n, 1.5, 0.0001);
  }

  @Test
  void aTrialIsRecordedOnceAndAFinishedTrialNeverChanges() {
    assertThat(jobs.createTrial("tj-a", running(0))).isTrue();
    assertThat(jobs.createTrial("tj-a", running(0))).isFalse();
    assertThat(jobs.putTrial("tj-a", finished(0, 0.9))).isTrue();
    assertThat(jobs.putTrial("tj-a", finished(0, 0.1))).isFalse();
    assertThat(jobs.trial("tj-a", 0).orElseThrow().cvMean()).isEqualTo(0.9);
  }

  @ParameterizedTest(name = "DynamoDB over {0}")
  @MethodSource("dev.pier.training.jobs.SearchBookkeepingTest#transports")
  void thousandsOfTrialsAreBookedAtAFlatCostEach(String transport, @TempDir Path dir) throws Exception {
    try (StandIns own = new StandIns(dir.resolve("aws"), transport.equals("in-process"))) {
      DynamoTables.createIfMissing(own.clients.dynamoDb(), "jobs", DynamoTables.SINGLE_TABLE, null);
      booksThousandsOfTrials(new TrainingJobsTable(own.clients.dynamoDb(), "jobs"), transport);
    }
  }

  private static void booksThousandsOfTrials(TrainingJobsTable jobs, String transport) {
    int n = Integer.getInteger("pier.training.bookkeeping-trials", 3000); // ./pier bench training: 10,000
    long[] nanos = new long[n];
    long[] cpu = new long[n + 1]; // the JVM's CPU time before each trial and after the last
    for (int i = 0; i < n; i++) {
      cpu[i] = BenchClock.cpuNanos();
      long t = System.nanoTime();
      jobs.createTrial("tj-many", running(i));
      jobs.putTrial("tj-many", finished(i, i / (double) n));
      nanos[i] = System.nanoTime() - t;
    }
    assertThat(jobs.trials("tj-many")).hasSize(n).extracting(TrialRecord::number)
        .containsExactlyElementsOf(java.util.stream.IntStream.range(0, n).boxed().toList());
    cpu[n] = BenchClock.cpuNanos();
    long cpuFirst = cpu[Math.min(1000, n)] - cpu[0];
    long cpuLast = cpu[n] - cpu[Math.max(0, n - 1000)];
    System.out.printf(java.util.Locale.ROOT, "trial bookkeeping (2 conditional writes, %s), %d trials: first 1000 %.2f"
        + " ms/trial wall, %.2f ms/trial CPU; last 1000 %.2f ms/trial wall, %.2f ms/trial CPU%n", transport, n,
        mean(nanos, 0, 1000), cpuFirst / 1e6 / 1000, mean(nanos, n - 1000, n), cpuLast / 1e6 / 1000);
  }

  private static double mean(long[] nanos, int from, int to) {
    long sum = 0;
    for (int i = from; i < to; i++) {
      sum += nanos[i];
    }
    return sum / 1e6 / (to - from);
  }
}
