package dev.pier.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.pier.statemachines.AslDefinition;
import dev.pier.statemachines.LocalStateMachineRunner;
import dev.pier.statemachines.StatesError;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The feature worker Lambda's handler, invoked through its stream entry point with exactly the payloads the
 * {@code feature-materialization} state machine sends: the bundled ASL runs on the local runner, whose
 * {@code lambda:invoke} task serializes the {@code Payload} to bytes, calls {@link FeatureWorkerHandler#handleRequest}
 * and answers its output under {@code Payload}, as the Lambda integration does. An exception the handler throws
 * reaches the ASL by its class name, as Lambda's {@code errorType}.
 */
class FeatureWorkerHandlerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");
  private static final Instant NOW = Instant.parse("2026-12-02T00:00:00Z");
  private static final String DOC = """
      entities: [{name: driver, join_keys: [driver_id], value_type: INT64}]
      sources:
        - {name: driver_stats, kind: parquet, path: "s3://worker/driver_stats/", created_timestamp_column: created}
        - {name: broken, kind: parquet, path: "s3://worker/driver_stats/"}
      feature_views:
        - {name: driver_hourly_stats, entities: [driver], ttl: 2h, source: driver_stats,
           schema: [{name: conv_rate, dtype: FLOAT64}, {name: trips, dtype: INT64}]}
        - {name: misfit, entities: [driver], ttl: 2h, source: broken, schema: [{name: speed, dtype: FLOAT64}]}
      """;

  @TempDir static Path dataDir;
  @TempDir static Path work;
  private static OfflineFixture fixture;
  private static ExecutorService unused;
  private Materialization materialization;
  private FeatureWorkerHandler handler;
  private final List<String> launched = new CopyOnWriteArrayList<>();
  private final List<JsonNode> payloads = new CopyOnWriteArrayList<>();
  private final ByteArrayOutputStream metrics = new ByteArrayOutputStream();

  @BeforeAll
  static void start() throws Exception {
    fixture = OfflineFixture.start(dataDir, work, "worker");
    unused = Executors.newSingleThreadExecutor();
  }

  @AfterAll
  static void stop() {
    unused.shutdownNow();
    fixture.close();
  }

  @BeforeEach
  void setUp() {
    OfflineFixture.Tables t = fixture.fresh(DOC);
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    materialization = new Materialization(fixture.standIns.clients.dynamoDb(), t.registryTable(), t.registry(),
        t.offline(), t.store(), unused, clock);
    materialization.launchWith(launched::add); // as in AWS: a job is started elsewhere (a state machine execution)
    handler = new FeatureWorkerHandler(materialization, clock, new PrintStream(metrics, true, StandardCharsets.UTF_8));
  }

  /** Calls the handler as Lambda's runtime does: the event as bytes in, the answer as bytes out. */
  private JsonNode invoke(JsonNode event) throws Exception {
    payloads.add(event);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (InputStream in = new ByteArrayInputStream(JSON.writeValueAsBytes(event))) {
      handler.handleRequest(in, out);
    }
    return JSON.readTree(out.toByteArray());
  }

  /** The bundled ASL on the local runner, its Lambda tasks answered by the handler. */
  private LocalStateMachineRunner.ExecutionResult execute(String jobId) {
    LocalStateMachineRunner runner = LocalStateMachineRunner.builder()
        .task("arn:aws:states:::lambda:invoke", (parameters, context) -> {
          assertThat(parameters.path("FunctionName").asText()).isEqualTo("arn:aws:lambda:eu-west-1:1:function:fw:live");
          try {
            return JsonNodeFactory.instance.objectNode().set("Payload", invoke(parameters.path("Payload")));
          } catch (StatesError e) {
            throw e;
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        })
        .build();
    AslDefinition asl = AslDefinition.bundled(MaterializationWorkflow.DEFINITION,
        Map.of("FeatureWorkerFunction", "arn:aws:lambda:eu-west-1:1:function:fw:live"));
    return runner.run(asl, JsonNodeFactory.instance.objectNode().put("job_id", jobId), jobId);
  }

  @Test
  void theStateMachinesPayloadsRunAJobToSucceededAndReportFreshness() throws Exception {
    Materialization.Job job = materialization.start(T0, T0.plus(Duration.ofHours(12)), List.of("driver_hourly_stats"));
    assertThat(launched).containsExactly(job.id());

    var result = execute(job.id());

    assertThat(result.status()).isEqualTo(LocalStateMachineRunner.ExecutionResult.Status.SUCCEEDED);
    assertThat(payloads).extracting(p -> p.path("action").asText())
        .containsExactly("materialize-plan", "materialize-chunk", "materialize-chunk", "materialize-finish");
    JsonNode chunk = payloads.get(1);
    assertThat(chunk.path("job_id").asText()).isEqualTo(job.id());
    assertThat(chunk.path("view").asText()).isEqualTo("driver_hourly_stats");
    assertThat(chunk.path("file").asText()).endsWith(".parquet");
    Materialization.Job done = materialization.get(job.id());
    assertThat(done.state()).isEqualTo(Materialization.State.SUCCEEDED);
    assertThat(done.rows()).isEqualTo(4); // the four drivers with rows in the first 12 hours (MaterializationTest)
    assertThat(materialization.watermark("driver_hourly_stats")).isEqualTo(T0.plus(Duration.ofHours(12)));

    // embedded metrics: per view and overall, the watermark's lag behind now (12 h) after Finish
    List<JsonNode> lines = new ArrayList<>();
    for (String l : metrics.toString(StandardCharsets.UTF_8).split("\n")) {
      lines.add(JSON.readTree(l));
    }
    JsonNode last = lines.get(lines.size() - 1);
    assertThat(last.path("_aws").path("CloudWatchMetrics").get(0).path("Namespace").asText())
        .isEqualTo(FeatureWorkerHandler.NAMESPACE);
    assertThat(last.path("FeatureView").asText()).isEqualTo("driver_hourly_stats");
    assertThat(last.path("MaterializationLagSeconds").asDouble()).isEqualTo(12 * 3600.0);
    assertThat(last.has("OnlineAgeSeconds")).isTrue();
    // the source's newest row (driver_stats.csv) is later than the 12 h watermark: the lag behind the source
    var freshness = materialization.statistics().freshness("driver_hourly_stats",
        materialization.watermark("driver_hourly_stats"));
    assertThat(freshness.sourceNewest()).isEqualTo(newestInFixture());
    assertThat(last.path("MaterializationLagBehindSourceSeconds").asDouble()).isEqualTo(
        (double) Duration.between(T0.plus(Duration.ofHours(12)), newestInFixture()).toSeconds());
  }

  /** The newest event_timestamp of the fixture's driver_stats.csv, read the way the CSV is written. */
  private static Instant newestInFixture() throws Exception {
    return Files.readAllLines(OfflineFixture.FIXTURES.resolve("driver_stats.csv")).stream().skip(1)
        .filter(l -> !l.isBlank()).map(l -> java.time.LocalDateTime.parse(l.split(",")[1].replace(' ', 'T'))
            .toInstant(ZoneOffset.UTC)).max(Instant::compareTo).orElseThrow();
  }

  @Test
  void aFileThatDoesNotMatchItsViewFailsTheExecutionAndTheJobByTheAslsCatch() {
    Materialization.Job job = materialization.start(T0, T0.plus(Duration.ofDays(1)), List.of("misfit"));

    var result = execute(job.id());

    assertThat(result.status()).isEqualTo(LocalStateMachineRunner.ExecutionResult.Status.FAILED);
    assertThat(result.error()).isEqualTo("Pier.MaterializationFailed");
    Materialization.Job failed = materialization.get(job.id());
    assertThat(failed.state()).isEqualTo(Materialization.State.FAILED);
    assertThat(failed.error()).contains("does not match the view's schema").contains("speed");
    assertThat(materialization.watermark("misfit")).isNull();
    // an invalid chunk is not retried: each file is tried once (both may start: the Map writes two at a time)
    assertThat(payloads.get(0).path("action").asText()).isEqualTo("materialize-plan");
    assertThat(payloads.get(payloads.size() - 1).path("action").asText()).isEqualTo("materialize-fail");
    List<String> files = payloads.stream().filter(p -> p.path("action").asText().equals("materialize-chunk"))
        .map(p -> p.path("file").asText()).toList();
    assertThat(files).isNotEmpty().doesNotHaveDuplicates();
    assertThat(payloads).extracting(p -> p.path("action").asText()).doesNotContain("materialize-finish");
  }

  @Test
  void aScheduleStartsAnIncrementalJobFromTheWatermarkToNow() throws Exception {
    JsonNode answer = invoke(JSON.readTree("""
        {"action": "materialize-incremental", "feature_views": ["driver_hourly_stats"]}"""));

    String id = answer.path("id").asText();
    assertThat(launched).containsExactly(id);
    Materialization.Job job = materialization.get(id);
    assertThat(job.end()).isEqualTo(NOW);
    assertThat(job.starts()).containsEntry("driver_hourly_stats", NOW.minus(Duration.ofHours(2))); // no watermark: end − ttl
  }

  @Test
  void aScheduleWithNoOnlineViewYetDoesNothingAndIsNoError() throws Exception {
    OfflineFixture.Tables empty = fixture.fresh("entities: [{name: driver, join_keys: [driver_id], value_type: INT64}]");
    Materialization none = new Materialization(fixture.standIns.clients.dynamoDb(), empty.registryTable(),
        empty.registry(), empty.offline(), empty.store(), unused, Clock.fixed(NOW, ZoneOffset.UTC));
    none.launchWith(launched::add);
    handler = new FeatureWorkerHandler(none, Clock.fixed(NOW, ZoneOffset.UTC), new PrintStream(metrics));

    JsonNode answer = invoke(JSON.readTree("{\"action\": \"materialize-incremental\"}"));

    assertThat(answer.path("state").asText()).isEqualTo("SKIPPED");
    assertThat(launched).isEmpty();
  }

  @Test
  void unknownActionsAndJobsAreInvalidNotRetriedAndNamedAsTheAslMatches() {
    assertThatThrownBy(() -> invoke(JSON.readTree("{\"action\": \"nope\"}")))
        .isInstanceOfSatisfying(FeaturesInvalidError.class,
            e -> assertThat(e.error()).isEqualTo("dev.pier.features.FeaturesInvalidError"));
    assertThatThrownBy(() -> invoke(JSON.readTree("{\"action\": \"materialize-incremental\", \"feature_views\":"
        + " [\"nope\"]}"))).isInstanceOf(FeaturesInvalidError.class).hasMessageContaining("nope");
  }

  /** Every Pier error the ASL's Retry and Catch name is a class of that name, as Lambda reports a thrown one. */
  @Test
  void everyPierErrorTheAslMatchesIsAnErrorClassOfThatName() throws Exception {
    List<String> names = new ArrayList<>();
    collect(AslDefinition.bundled(MaterializationWorkflow.DEFINITION, Map.of("FeatureWorkerFunction", "f")).json(),
        names);
    assertThat(names).contains(FeaturesTransientError.class.getName());
    for (String name : names) {
      assertThat(StatesError.class).as(name).isAssignableFrom(Class.forName(name));
    }
    assertThat(new FeaturesTransientError("S3 timed out", null).error()).isEqualTo(FeaturesTransientError.class.getName());
  }

  private static void collect(JsonNode node, List<String> out) {
    if (node.isObject()) {
      node.properties().forEach(e -> {
        if (e.getKey().equals("ErrorEquals")) {
          e.getValue().forEach(n -> {
            if (!n.asText().startsWith("States.") && !n.asText().startsWith("Lambda.")) {
              out.add(n.asText());
            }
          });
        } else {
          collect(e.getValue(), out);
        }
      });
    } else if (node.isArray()) {
      node.forEach(n -> collect(n, out));
    }
  }
}
