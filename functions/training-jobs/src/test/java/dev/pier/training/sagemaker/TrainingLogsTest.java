package dev.pier.training.sagemaker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.InputLogEvent;

/** A training job's round log read through the real CloudWatch Logs SDK (against {@link LogsStandIn}). */
class TrainingLogsTest {
  static LogsStandIn logs;
  static CloudWatchLogsClient client;

  @BeforeAll
  static void start() throws Exception {
    logs = new LogsStandIn();
    client = CloudWatchLogsClient.builder().endpointOverride(logs.endpoint()).region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
        .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
  }

  @AfterAll
  static void stop() {
    client.close();
    logs.close();
  }

  private static void write(String stream, long at, List<String> lines) {
    client.createLogStream(b -> b.logGroupName(TrainingLogs.GROUP).logStreamName(stream));
    List<InputLogEvent> events = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      events.add(InputLogEvent.builder().timestamp(at + i).message(lines.get(i)).build());
    }
    client.putLogEvents(b -> b.logGroupName(TrainingLogs.GROUP).logStreamName(stream).logEvents(events));
  }

  @Test
  void readsEveryPageOfTheFirstHostsStreamsAndNothingWhereThereIsNoStream() {
    TrainingLogs reader = new TrainingLogs(() -> client);
    assertThat(reader.rounds("job-a")).as("no log group yet").isEmpty();
    client.createLogGroup(b -> b.logGroupName(TrainingLogs.GROUP));
    List<String> lines = new ArrayList<>(List.of("Running XGBoost"));
    for (int r = 0; r < 20; r++) {
      lines.add("[" + r + "]#011train-rmse:" + (10.0 - r * 0.25) + "#011validation-rmse:" + (11.0 - r * 0.125));
    }
    write("job-a/algo-1-1765130000", 1_000, lines);
    write("job-a/algo-2-1765130000", 1_000, List.of("[0]#011validation-rmse:99")); // another host: not read
    write("job-ab/algo-1-1765130000", 1_000, List.of("[0]#011validation-rmse:98")); // another job: not read
    int before = logs.filterCalls.get();
    RoundLog log = reader.rounds("job-a").orElseThrow();
    assertThat(logs.filterCalls.get() - before).as("21 events, 7 a page").isEqualTo(3);
    assertThat(log.history("validation-rmse")).hasSize(20).startsWith(11.0, 10.875).endsWith(11.0 - 19 * 0.125);
    assertThat(log.history("train-rmse")).hasSize(20);
    assertThat(reader.rounds("job-b")).as("no stream").isEmpty();

    // GetLogEvents pages forward until CloudWatch hands back the token it was given
    List<String> got = new ArrayList<>();
    client.getLogEventsPaginator(b -> b.logGroupName(TrainingLogs.GROUP).logStreamName("job-a/algo-1-1765130000")
        .startFromHead(true)).events().forEach(e -> got.add(e.message()));
    assertThat(got).isEqualTo(lines);
  }
}
