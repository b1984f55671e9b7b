package dev.pier.training.sagemaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.training.tuning.MedianPruner;
import dev.pier.training.tuning.Pruner;
import dev.pier.training.tuning.SuccessiveHalvingPruner;
import dev.pier.training.tuning.Trial;
import dev.pier.training.tuning.TrialState;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.InputLogEvent;

/**
 * Where a watched SageMaker trial stands between polls ({@link TrialWatch}'s position, carried by the execution): it
 * stays within Step Functions' 256 KiB however many rounds the folds log, and what it keeps for the pruner judges as
 * the whole history would.
 */
class TrialWatchTest {
  /** Step Functions' limit on an execution's state (input, output, a state's data). */
  static final int STATE_LIMIT = 256 * 1024;
  static final ObjectMapper JSON = new ObjectMapper();
  static LogsStandIn logs;
  static CloudWatchLogsClient client;

  @BeforeAll
  static void start() throws Exception {
    logs = new LogsStandIn(10_000); // CloudWatch's own most a page: 20,000 rounds a fold read in few calls
    client = CloudWatchLogsClient.builder().endpointOverride(logs.endpoint()).region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
        .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
    client.createLogGroup(b -> b.logGroupName(TrainingLogs.GROUP));
  }

  @AfterAll
  static void stop() {
    client.close();
    logs.close();
  }

  /** Fold {@code f}'s validation AUC after round {@code r}: distinct per fold and round, full precision. */
  static double auc(int f, int r) {
    return 0.5 + 0.4 * (1 - Math.exp(-r / 3000.0)) + f * 1e-3 + Math.sin(r * 0.37 + f) * 1e-4;
  }

  /** Writes rounds {@code from} to {@code to} (exclusive) of a fold's log, one event a millisecond per round. */
  static void write(String stream, int fold, int from, int to) {
    List<InputLogEvent> events = new ArrayList<>();
    for (int r = from; r < to; r++) {
      events.add(InputLogEvent.builder().timestamp(1_000_000L + r)
          .message("[" + r + "]#011train-auc:0.99#011validation-auc:" + auc(fold, r)).build());
    }
    client.putLogEvents(b -> b.logGroupName(TrainingLogs.GROUP).logStreamName(stream).logEvents(events));
  }

  @Test
  void aWatchedTrialsPositionStaysWithinStepFunctionsLimitOverTwentyThousandRoundsOfFiveFolds() throws Exception {
    int folds = 5;
    int rounds = 20_000;
    List<String> names = new ArrayList<>();
    for (int f = 0; f < folds; f++) {
      String name = "tj-long-t0-f" + f;
      names.add(name);
      client.createLogStream(b -> b.logGroupName(TrainingLogs.GROUP).logStreamName(name + "/algo-1-1765130000"));
    }
    TrialWatch watch = new TrialWatch(() -> null, new TrainingLogs(() -> client));
    ObjectNode position = TrialWatch.start(names);
    int[] logged = new int[folds];
    int largest = 0;
    int judged = -1;
    for (int poll = 0; judged < rounds - 1; poll++) {
      for (int f = 0; f < folds; f++) {
        // 1,000 rounds a poll; the last fold waits for capacity for 8 polls, then trains twice as fast: meanwhile the
        // others run up to 8,000 rounds ahead of it, more than the position holds
        int pace = f == folds - 1 ? (poll < 8 ? 0 : 2_000) : 1_000;
        int to = Math.min(rounds, logged[f] + pace);
        if (to > logged[f]) {
          write(names.get(f) + "/algo-1-1765130000", f, logged[f], to);
          logged[f] = to;
        }
      }
      watch.read(position, "validation-auc");
      SortedMap<Integer, Double> steps = TrialWatch.steps(position);
      for (var step : steps.entrySet()) { // judged in order, as the worker's watch task does
        assertThat(step.getKey()).isEqualTo(judged + 1);
        double mean = 0;
        for (int f = 0; f < folds; f++) {
          mean += auc(f, step.getKey());
        }
        assertThat(step.getValue()).as("round %d", step.getKey()).isCloseTo(mean / folds, within(1e-12));
        TrialWatch.judged(position, step.getKey(), step.getValue(), true);
        judged = step.getKey();
      }
      largest = Math.max(largest, JSON.writeValueAsBytes(position).length);
      assertThat(poll).as("polls").isLessThan(100);
    }
    assertThat(largest).as("the position's largest size, in bytes").isLessThan(STATE_LIMIT / 2);
    // what the position held before: every fold's every round
    ObjectNode whole = TrialWatch.start(names);
    for (int f = 0; f < folds; f++) {
      var values = (com.fasterxml.jackson.databind.node.ArrayNode) whole.path("folds").get(f).path("rounds");
      for (int r = 0; r < rounds; r++) {
        values.add(auc(f, r));
      }
    }
    assertThat(JSON.writeValueAsString(whole).getBytes(StandardCharsets.UTF_8).length).isGreaterThan(STATE_LIMIT);
    // a pruned trial's history, read whole once its folds ended: the folds' mean by round through the pruned step
    List<Double> history = watch.history(position, "validation-auc", 11_999);
    assertThat(history).hasSize(12_000);
    assertThat(history.get(11_999)).isCloseTo(
        java.util.stream.IntStream.range(0, folds).mapToDouble(f -> auc(f, 11_999)).sum() / folds, within(1e-12));
    System.out.println("watch position: at most " + largest + " bytes over " + rounds + " rounds of " + folds
        + " folds (every round held: " + JSON.writeValueAsBytes(whole).length + ")");
  }

  @Test
  void whatThePositionShowsThePrunerJudgesAsTheWholeHistoryWould() {
    Random random = new Random(17);
    for (boolean maximize : new boolean[] {true, false}) {
      List<Trial> done = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        SortedMap<Integer, Double> steps = new TreeMap<>();
        for (int s = 0; s < 60; s++) {
          steps.put(s, 0.5 + 0.3 * random.nextDouble() + s * 0.002);
        }
        done.add(new Trial(t, TrialState.COMPLETE, Map.of(), steps.get(59), steps, null, null));
      }
      for (Pruner pruner : List.of(new MedianPruner(5, 0, 1, 1), new MedianPruner(5, 3, 4, 1),
          new SuccessiveHalvingPruner(1, 4, 0, 0), new SuccessiveHalvingPruner(0, 3, 0, 0))) {
        for (int trial = 0; trial < 40; trial++) {
          ObjectNode position = TrialWatch.start(List.of("a"));
          SortedMap<Integer, Double> whole = new TreeMap<>();
          for (int step = 0; step < 60; step++) {
            double value = random.nextInt(25) == 0 ? Double.NaN : 0.45 + 0.35 * random.nextDouble() + step * 0.002;
            whole.put(step, value);
            Trial full = new Trial(100, TrialState.RUNNING, Map.of(), null, whole, null, null);
            Trial shown = new Trial(100, TrialState.RUNNING, Map.of(), null, TrialWatch.shown(position, step, value),
                null, null);
            assertThat(pruner.prune(shown, done, maximize)).as("%s at step %d", pruner, step)
                .isEqualTo(pruner.prune(full, done, maximize));
            TrialWatch.judged(position, step, value, maximize);
          }
        }
      }
    }
  }
}
