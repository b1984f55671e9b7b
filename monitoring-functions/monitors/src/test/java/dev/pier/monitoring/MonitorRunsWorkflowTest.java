package dev.pier.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.monitoring.capture.CapturedPrediction;
import dev.pier.monitoring.tasks.LocalMonitorWorkflow;
import dev.pier.monitoring.tasks.MonitorWorker;
import dev.pier.monitoring.tasks.RunMetrics;
import dev.pier.security.privacy.PiiFields;
import dev.pier.statemachines.LocalStateMachineRunner.ExecutionResult;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scheduled runs as the {@code monitor-runs} state machine: the bundled ASL file on the local runner, its tasks
 * answered by {@link MonitorWorker} (what the Lambda entry point calls in AWS), each run written as a CloudWatch EMF
 * line. On the DynamoDB stand-in and s3proxy.
 */
class MonitorRunsWorkflowTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The execution's start time is the real clock's, so the windows are placed before it. */
  private static final Instant T0 = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(150));

  @TempDir static Path dataDir;
  private static MonitoringStandIns standIns;
  private static Monitors monitors;
  private static MonitorWorker worker;
  private static final List<String> emf = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    standIns = MonitoringStandIns.start(dataDir, "pier-monitoring");
    standIns.register("loans", 2);
    monitors = new Monitors(standIns.store, ModelVersions.of(standIns.registry), standIns.captures, standIns.profiles,
        standIns.feedback(Clock.fixed(T0, ZoneOffset.UTC)), Clock.fixed(T0, ZoneOffset.UTC));
    worker = new MonitorWorker(monitors, new RunMetrics(emf::add));
  }

  @AfterAll
  static void stop() {
    standIns.close();
  }

  private static void capture(String prefix, Instant from, int n, double shift) {
    Random random = new Random(prefix.hashCode());
    List<CapturedPrediction> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rows.add(new CapturedPrediction("loans", 1, prefix + i, 0, from.plusSeconds(i), "oip-rest",
          Map.of("x[0]", random.nextGaussian() + shift, "x[1]", random.nextGaussian()),
          Map.of("probability[1]", 0.5), PiiFields.NONE));
    }
    standIns.captures.write(rows);
  }

  @Test
  void theWorkflowRunsEachScheduledWindowOnceAndWritesItsMetrics() throws Exception {
    Random random = new Random(7);
    StringBuilder reference = new StringBuilder();
    for (int i = 0; i < 200; i++) {
      reference.append(i == 0 ? "" : ",").append(String.format("{\"x[0]\": %.6f, \"x[1]\": %.6f}",
          random.nextGaussian(), random.nextGaussian()));
    }
    MonitorDefinition monitor = monitors.create(MonitorRequest.parse(JSON.readTree("{\"model\": \"loans\","
        + " \"version\": 1, \"window\": \"1h\", \"schedule\": \"rate(1 hour)\", \"reference\": {\"rows\": ["
        + reference + "]}}")));
    MonitorDefinition unscheduled = monitors.create(MonitorRequest.parse(JSON.readTree("{\"model\": \"loans\","
        + " \"version\": 1, \"window\": \"1h\", \"reference\": {\"rows\": [" + reference + "]}}")));
    capture("a-", T0.plusSeconds(60), 100, 0);
    capture("b-", T0.plus(Duration.ofMinutes(61)), 100, 3);
    LocalMonitorWorkflow workflow = new LocalMonitorWorkflow(worker, Clock.systemUTC());

    ExecutionResult first = workflow.runOnce();

    assertThat(first.status()).as(first.error() + " " + first.cause()).isEqualTo(ExecutionResult.Status.SUCCEEDED);
    assertThat(first.output().at("/scheduled/ids")).extracting(JsonNode::asText).containsExactly(monitor.id())
        .doesNotContain(unscheduled.id());
    JsonNode runs = first.output().at("/monitors/0/runs");
    long end1 = T0.plus(Duration.ofHours(1)).getEpochSecond();
    long end2 = T0.plus(Duration.ofHours(2)).getEpochSecond();
    assertThat(runs).extracting(r -> r.path("run_id").asText()).containsExactly("w-" + end1, "w-" + end2);
    assertThat(runs).extracting(r -> r.path("rows").asLong()).containsExactly(100L, 100L);
    assertThat(runs).extracting(r -> r.path("dataset_drift").asBoolean()).containsExactly(false, true);
    assertThat(monitors.runs(monitor.id())).hasSize(2);

    assertThat(emf).hasSize(2);
    JsonNode line = JSON.readTree(emf.get(1));
    JsonNode directive = line.at("/_aws/CloudWatchMetrics/0");
    assertThat(directive.path("Namespace").asText()).isEqualTo("Pier/Monitoring");
    assertThat(directive.path("Dimensions").toString()).isEqualTo("[[\"Monitor\"],[]]");
    assertThat(directive.path("Metrics")).extracting(m -> m.path("Name").asText())
        .contains("Rows", "Alerts", "DriftShare", "DatasetDrift");
    assertThat(line.at("/_aws/Timestamp").asLong()).isEqualTo(end2 * 1000);
    assertThat(line.path("Monitor").asText()).isEqualTo(monitor.id());
    assertThat(line.path("Model").asText()).isEqualTo("loans");
    assertThat(line.path("Rows").asDouble()).isEqualTo(100);
    JsonNode stored = monitors.run(monitor.id(), "w-" + end2);
    assertThat(line.path("DriftShare").asDouble()).isEqualTo(stored.at("/data_drift/share_drifted").asDouble())
        .isEqualTo(0.5);
    assertThat(line.path("DatasetDrift").asDouble()).isEqualTo(1.0);
    assertThat(JSON.readTree(emf.get(0)).path("DatasetDrift").asDouble()).isEqualTo(0.0);

    ExecutionResult again = workflow.runOnce();
    assertThat(again.status()).isEqualTo(ExecutionResult.Status.SUCCEEDED);
    assertThat(again.output().at("/monitors/0/runs")).isEmpty();
    assertThat(emf).hasSize(2);
  }

  @Test
  void aTaskThatIsUnknownOrLacksAFieldIsRefusedNamingIt() {
    assertThatThrownBy(() -> worker.handle(JSON.createObjectNode().put("monitoring", "sweep")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown task 'sweep'");
    assertThatThrownBy(() -> worker.handle(JSON.createObjectNode().put("monitoring", "run-due")
        .put("at", "2026-12-07T00:00:00Z"))).hasMessage("monitor_id: required (a string) in a run-due task");
    assertThatThrownBy(() -> worker.handle(JSON.createObjectNode().put("monitoring", "run-due")
        .put("monitor_id", "x").put("at", "yesterday"))).hasMessageContaining("at: not an ISO-8601 instant");
  }
}
