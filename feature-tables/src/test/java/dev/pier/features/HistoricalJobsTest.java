package dev.pier.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.pier.kernel.PierException;
import dev.pier.statemachines.AslDefinition;
import dev.pier.statemachines.LocalStateMachineRunner;
import dev.pier.statemachines.StatesError;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Historical retrieval as a job, the way it runs in AWS: the job is recorded and "launched" (as the api Lambda starts
 * an execution), then the bundled {@code feature-historical} ASL runs on the local runner with its Lambda tasks
 * answered by {@link FeatureWorkerHandler#handleRequest} (bytes in, bytes out, errors by class name). The answer is
 * checked against the pandas reference of the historical fixtures ({@code expected.csv}); also the local path (the
 * same ASL in this process), a job whose entity file lacks a join key, and the 400/404s.
 */
class HistoricalJobsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DOC = """
      entities: [{name: driver, join_keys: [driver_id], value_type: INT64}]
      sources:
        - {name: driver_stats, kind: parquet, path: "s3://hist/driver_stats/", created_timestamp_column: created}
      feature_views:
        - {name: driver_hourly_stats, entities: [driver], ttl: 2h, source: driver_stats,
           schema: [{name: conv_rate, dtype: FLOAT64}, {name: trips, dtype: INT64}]}
      """;
  private static final List<String> FEATURES = List.of("driver_hourly_stats:conv_rate", "driver_hourly_stats:trips");

  @TempDir static Path dataDir;
  @TempDir static Path work;
  private static OfflineFixture fixture;
  private static ExecutorService local;
  private OfflineFixture.Tables tables;
  private HistoricalJobs jobs;
  private FeatureWorkerHandler handler;
  private final List<String> launched = new CopyOnWriteArrayList<>();
  private final List<String> actions = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    fixture = OfflineFixture.start(dataDir, work, "hist");
    local = Executors.newSingleThreadExecutor();
    Path entities = work.resolve("entities.parquet");
    Path keyless = work.resolve("keyless.parquet");
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement s = db.createStatement()) {
      String rows = "read_csv('" + OfflineFixture.FIXTURES.resolve("entity_rows.csv") + "')";
      s.execute("COPY (SELECT driver_id::BIGINT AS driver_id, event_timestamp::TIMESTAMP AS event_timestamp,"
          + " label::INTEGER AS label FROM " + rows + ") TO '" + entities + "' (FORMAT parquet)");
      s.execute("COPY (SELECT event_timestamp::TIMESTAMP AS event_timestamp FROM " + rows + ") TO '" + keyless
          + "' (FORMAT parquet)");
    }
    var s3 = fixture.standIns.clients.s3();
    s3.putObject(b -> b.bucket("hist").key("training/entities.parquet"), RequestBody.fromFile(entities));
    s3.putObject(b -> b.bucket("hist").key("training/keyless.parquet"), RequestBody.fromFile(keyless));
  }

  @AfterAll
  static void stop() {
    local.shutdownNow();
    fixture.close();
  }

  @BeforeEach
  void setUp() {
    tables = fixture.fresh(DOC);
    Clock clock = Clock.fixed(Instant.parse("2026-12-02T00:00:00Z"), ZoneOffset.UTC);
    jobs = new HistoricalJobs(fixture.standIns.clients.dynamoDb(), tables.registryTable(),
        new HistoricalRetrieval(tables.registry(), tables.offline()), local, clock);
    jobs.launchWith(launched::add); // as in AWS: the api starts an execution elsewhere
    Materialization materialization = new Materialization(fixture.standIns.clients.dynamoDb(), tables.registryTable(),
        tables.registry(), tables.offline(), tables.store(), local, clock);
    handler = new FeatureWorkerHandler(materialization, jobs, clock,
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
  }

  /** The bundled ASL on the local runner, each Lambda task the handler called as Lambda's runtime calls it. */
  private LocalStateMachineRunner.ExecutionResult execute(String id) {
    LocalStateMachineRunner runner = LocalStateMachineRunner.builder()
        .task("arn:aws:states:::lambda:invoke", (parameters, context) -> {
          assertThat(parameters.path("FunctionName").asText()).isEqualTo("arn:aws:lambda:eu-west-1:1:function:fw");
          JsonNode payload = parameters.path("Payload");
          actions.add(payload.path("action").asText());
          ByteArrayOutputStream out = new ByteArrayOutputStream();
          try (InputStream in = new ByteArrayInputStream(JSON.writeValueAsBytes(payload))) {
            handler.handleRequest(in, out);
            return JsonNodeFactory.instance.objectNode().set("Payload", JSON.readTree(out.toByteArray()));
          } catch (StatesError e) {
            throw e;
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        })
        .build();
    AslDefinition asl = AslDefinition.bundled(HistoricalJobs.DEFINITION,
        Map.of("FeatureWorkerFunction", "arn:aws:lambda:eu-west-1:1:function:fw"));
    return runner.run(asl, JsonNodeFactory.instance.objectNode().put("job_id", id), id);
  }

  @Test
  void aJobRunByTheWorkerThroughItsStateMachineWritesThePointInTimeJoinToItsOutput() throws Exception {
    HistoricalJobs.HistoricalJob job = jobs.start(FEATURES, null, "s3://hist/training/entities.parquet", null, false);

    assertThat(launched).containsExactly(job.id());
    assertThat(job.state()).isEqualTo(Materialization.State.RUNNING);
    assertThat(job.output()).isEqualTo("s3://hist/training/pier-historical/" + job.id() + ".parquet");
    assertThat(execute(job.id()).status()).isEqualTo(LocalStateMachineRunner.ExecutionResult.Status.SUCCEEDED);

    HistoricalJobs.HistoricalJob done = jobs.get(job.id());
    assertThat(actions).containsExactly("historical-retrieve");
    assertThat(done.state()).isEqualTo(Materialization.State.SUCCEEDED);
    assertThat(done.rows()).isEqualTo(46);
    assertThat(done.featureNames()).containsExactly("conv_rate", "trips");
    assertThat(done.finishedAt()).isNotNull();
    assertMatchesPandas(job.output());

    // a retried or repeated task changes nothing: the job is finished
    assertThat(execute(job.id()).status()).isEqualTo(LocalStateMachineRunner.ExecutionResult.Status.SUCCEEDED);
    assertThat(jobs.get(job.id())).isEqualTo(done);
  }

  @Test
  void locallyTheSameStateMachineRunsInProcessAndRunningJobsResumeAfterARestart() throws Exception {
    HistoricalJobs here = new HistoricalJobs(fixture.standIns.clients.dynamoDb(), tables.registryTable(),
        new HistoricalRetrieval(tables.registry(), tables.offline()), local, Clock.systemUTC());
    // a job recorded but never run (its process died): resumeRunning starts it
    HistoricalJobs.HistoricalJob job = jobs.start(FEATURES, null, "s3://hist/training/entities.parquet",
        "s3://hist/training/resumed.parquet", true);

    assertThat(here.resumeRunning()).isEqualTo(1);
    HistoricalJobs.HistoricalJob done = await(here, job.id());

    assertThat(done.state()).isEqualTo(Materialization.State.SUCCEEDED);
    assertThat(done.featureNames()).containsExactly("driver_hourly_stats__conv_rate", "driver_hourly_stats__trips");
    assertThat(done.output()).isEqualTo("s3://hist/training/resumed.parquet");
    assertThat(here.resumeRunning()).isZero();
  }

  @Test
  void anEntityFileWithoutTheJoinKeyFailsTheJobNamingIt() {
    HistoricalJobs.HistoricalJob job = jobs.start(FEATURES, null, "s3://hist/training/keyless.parquet", null, false);

    var result = execute(job.id());

    assertThat(result.status()).isEqualTo(LocalStateMachineRunner.ExecutionResult.Status.FAILED);
    assertThat(actions).containsExactly("historical-retrieve", "historical-fail"); // invalid: not retried
    HistoricalJobs.HistoricalJob failed = jobs.get(job.id());
    assertThat(failed.state()).isEqualTo(Materialization.State.FAILED);
    assertThat(failed.error()).contains("keyless.parquet").contains("driver_id");
    assertThat(failed.rows()).isNull();
  }

  @Test
  void badRequestsAreRefusedBeforeAnythingIsRecorded() {
    assertThatThrownBy(() -> jobs.start(List.of("driver_hourly_stats:nope"), null, "s3://hist/training/e.parquet",
        null, false)).isInstanceOfSatisfying(PierException.class, e -> assertThat(e.getMessage()).contains("nope"));
    assertThatThrownBy(() -> jobs.start(FEATURES, null, "/tmp/entities.parquet", null, false))
        .isInstanceOfSatisfying(PierException.class, e -> {
          assertThat(e.status()).isEqualTo(400);
          assertThat(e.getMessage()).contains("entity_source");
        });
    assertThatThrownBy(() -> jobs.start(FEATURES, null, "s3://hist/e.parquet", "s3://hist/out/", false))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.getMessage()).contains("'output'"));
    assertThat(launched).isEmpty();
    assertThatThrownBy(() -> jobs.get("hist-missing"))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(404));
  }

  private static HistoricalJobs.HistoricalJob await(HistoricalJobs jobs, String id) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    HistoricalJobs.HistoricalJob job = jobs.get(id);
    while (job.state() == Materialization.State.RUNNING && System.nanoTime() < deadline) {
      Thread.sleep(100);
      job = jobs.get(id);
    }
    return job;
  }

  /** The output against pandas' answer for the same rows (driver view only; {@code expected.csv}). */
  private void assertMatchesPandas(String output) throws Exception {
    String key = output.substring("s3://hist/".length());
    Path out = work.resolve("answer-" + tables.n() + ".parquet");
    fixture.standIns.clients.s3().getObject(b -> b.bucket("hist").key(key), out);
    List<String> expected = Files.readAllLines(OfflineFixture.FIXTURES.resolve("expected.csv"));
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement s = db.createStatement();
        ResultSet rs = s.executeQuery("SELECT driver_id, label, conv_rate, trips FROM '" + out + "'")) {
      for (String line : expected.subList(1, expected.size())) {
        String[] want = line.split(",", -1);
        assertThat(rs.next()).isTrue();
        assertThat(rs.getLong(1)).isEqualTo(Long.parseLong(want[0]));
        assertThat(rs.getInt(2)).isEqualTo(Integer.parseInt(want[3]));
        if (want[4].isEmpty()) {
          assertThat(rs.getObject(3)).isNull();
          assertThat(rs.getObject(4)).isNull();
        } else {
          assertThat(rs.getDouble(3)).isCloseTo(Double.parseDouble(want[4]), within(1e-9));
          assertThat(rs.getLong(4)).isEqualTo(Long.parseLong(want[5]));
        }
      }
      assertThat(rs.next()).isFalse();
    }
  }
}
