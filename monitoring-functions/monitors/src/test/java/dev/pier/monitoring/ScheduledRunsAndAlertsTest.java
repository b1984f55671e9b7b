package dev.pier.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.kernel.PierException;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.S3SourcePolicy;
import dev.pier.monitoring.alerts.Alert;
import dev.pier.monitoring.capture.CaptureStore;
import dev.pier.monitoring.capture.CapturedPrediction;
import dev.pier.security.privacy.PiiFields;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Scheduled windows, alerts and references read from S3 or captures, below HTTP, on the DynamoDB stand-in and
 * s3proxy.
 */
class ScheduledRunsAndAlertsTest {
  private static final Instant T0 = Instant.parse("2026-12-06T10:00:00Z");
  private static final String BUCKET = "pier-monitoring";

  @TempDir static Path dataDir;
  private static MonitoringStandIns standIns;
  private static AwsClients clients;
  private static CaptureStore captures;
  private static MonitorStore store;
  private static Monitors monitors;
  private static final MovingClock clock = new MovingClock(T0);
  private static final List<Alert> delivered = new CopyOnWriteArrayList<>();

  /** A clock the test moves. */
  static final class MovingClock extends Clock {
    private volatile Instant now;

    MovingClock(Instant now) {
      this.now = now;
    }

    void set(Instant t) {
      now = t;
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }

  @BeforeAll
  static void start() throws Exception {
    standIns = MonitoringStandIns.start(dataDir, BUCKET, "datasets");
    clients = standIns.clients;
    standIns.register("fraud", 2);
    captures = standIns.captures;
    store = standIns.store;
    monitors = new Monitors(store, ModelVersions.of(standIns.registry), captures, standIns.profiles,
        standIns.feedback(clock), clock, MonitorRunner.EXACT_MAX_ROWS,
        new ReferenceLoader(clients.s3(), S3SourcePolicy.of(List.of("*"), List.of()), captures),
        (alerts, targets) -> delivered.addAll(alerts));
  }

  @AfterAll
  static void stop() {
    standIns.close();
  }

  private static MonitorRequest request(String json) throws Exception {
    return MonitorRequest.parse(new ObjectMapper().readTree(json.replace('\'', '"')));
  }

  private static String reference(int n, long seed) {
    Random random = new Random(seed);
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < n; i++) {
      rows.append(i == 0 ? "" : ",").append(String.format("{'x[0]': %.6f, 'x[1]': %.6f}", random.nextGaussian(),
          random.nextGaussian()));
    }
    return "[" + rows + "]";
  }

  /** Rows in {@code [from, from + n seconds)}: x[0] shifted by {@code shift} standard deviations. */
  private static void capture(String requestPrefix, Instant from, int n, double shift) {
    Random random = new Random(requestPrefix.hashCode());
    List<CapturedPrediction> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      double x0 = random.nextGaussian() + shift;
      rows.add(new CapturedPrediction("fraud", 1, requestPrefix + i, 0, from.plusSeconds(i), "oip-rest",
          Map.of("x[0]", x0, "x[1]", random.nextGaussian()), Map.of("probability[1]", 1 / (1 + Math.exp(-x0))),
          PiiFields.NONE));
    }
    captures.write(rows);
  }

  @Test
  void eachScheduledWindowRunsOnceWhateverTheSchedulerDoesAgain() throws Exception {
    clock.set(T0);
    MonitorDefinition monitor = monitors.create(request("{'model': 'fraud', 'version': 1, 'window': '1h',"
        + " 'schedule': 'rate(1 hour)', 'reference': {'rows': " + reference(200, 1) + "}}"));
    capture("sched-a-", T0.plusSeconds(60), 150, 0);
    capture("sched-b-", T0.plus(Duration.ofMinutes(61)), 150, 2);

    clock.set(T0.plus(Duration.ofMinutes(125)));
    List<MonitorRun> first = monitors.runDue().stream().filter(r -> r.monitorId().equals(monitor.id())).toList();
    assertThat(first).extracting(MonitorRun::runId)
        .containsExactly("w-" + T0.plus(Duration.ofHours(1)).getEpochSecond(),
            "w-" + T0.plus(Duration.ofHours(2)).getEpochSecond());
    assertThat(first).extracting(MonitorRun::rows).containsExactly(150L, 150L);
    assertThat(first.get(0).dataDrift().columns().get("x[0]").drifted()).isFalse();
    assertThat(first.get(1).dataDrift().columns().get("x[0]").drifted()).isTrue();

    assertThat(monitors.runDue()).noneMatch(r -> r.monitorId().equals(monitor.id()));

    // a scheduler killed after running the windows but before recording its progress runs nothing twice
    clients.dynamoDb().updateItem(b -> b.tableName("monitoring").key(Map.of(
        "pk", AttributeValue.fromS("monitor#" + monitor.id()), "sk", AttributeValue.fromS("definition")))
        .updateExpression("REMOVE scheduled_through"));
    assertThat(monitors.runDue()).noneMatch(r -> r.monitorId().equals(monitor.id()));
    assertThat(monitors.runs(monitor.id())).hasSize(2);
    assertThat(monitors.runs(monitor.id()).getFirst().get("run_id").asText()).isEqualTo(first.get(1).runId());

    // paged: one run a page, newest first, the token continuing where the page ended
    var newest = monitors.runs(monitor.id(), null, new dev.pier.kernel.paging.PageSize(1));
    assertThat(newest.items()).extracting(r -> r.get("run_id").asText()).containsExactly(first.get(1).runId());
    assertThat(newest.nextPageToken()).isNotNull();
    var older = monitors.runs(monitor.id(), newest.nextPageToken(), new dev.pier.kernel.paging.PageSize(1));
    assertThat(older.items()).extracting(r -> r.get("run_id").asText()).containsExactly(first.get(0).runId());
    assertThat(older.nextPageToken()).isNull();
    assertThat(monitors.runs(monitor.id(), null, new dev.pier.kernel.paging.PageSize(2)).nextPageToken()).isNull();
    assertThatThrownBy(() -> monitors.runs(monitor.id(), "bm90LWEtcnVu", new dev.pier.kernel.paging.PageSize(1)))
        .isInstanceOfSatisfying(dev.pier.kernel.PierException.class, e -> assertThat(e.status()).isEqualTo(400));
  }

  @Test
  void aDriftedColumnAlertsOncePerWindowAndItsWebhookDeliveryCarriesTheRunsLink() throws Exception {
    clock.set(T0.plus(Duration.ofHours(5)));
    MonitorDefinition monitor = monitors.create(request("{'model': 'fraud', 'version': 1, 'window': '30m',"
        + " 'checks': {'column_drift': ['x[0]'], 'dataset_drift': true, 'null_share': {'max': 0.5}},"
        + " 'reference': {'rows': " + reference(200, 2) + "}}"));
    capture("alert-", clock.instant().minus(Duration.ofMinutes(20)), 200, 3);

    MonitorRun run = monitors.runNow(monitor.id());
    assertThat(run.alerts()).extracting(Alert::check, Alert::column)
        .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("column_drift", "x[0]"),
            org.assertj.core.groups.Tuple.tuple("dataset_drift", null));
    Alert drift = run.alerts().stream().filter(a -> a.check().equals("column_drift")).findFirst().orElseThrow();
    assertThat(drift.link()).isEqualTo("/api/v1/monitors/" + monitor.id() + "/runs/" + run.runId());
    assertThat(drift.threshold()).isEqualTo("p < 0.05");
    assertThat(drift.value()).isLessThan(0.05);
    assertThat(delivered).filteredOn(a -> a.monitorId().equals(monitor.id())).hasSize(2);

    String html = monitors.report(monitor.id(), run.runId());
    assertThat(html).startsWith("<!DOCTYPE html>").contains("<td>x[0]</td><td>ks</td>")
        .contains("Distributions of drifted columns").contains("<svg").contains("x[0]")
        .doesNotContain("http://", "https://", "<script", "<link"); // nothing is fetched

    // the same bins as JSON: the reference's shares are the test's own count of the reference rows per bin
    Map<String, Object> dist = monitors.distribution(monitor.id(), run.runId(), "x[0]");
    assertThat(dist).containsEntry("kind", "numeric").containsEntry("reference_rows", 200L)
        .containsEntry("window_rows", 200L);
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> bins = (List<Map<String, Object>>) dist.get("bins");
    assertThat(bins).hasSize(20);
    Random random = new Random(2);
    double[] lows = bins.stream().mapToDouble(b -> (Double) b.get("low")).toArray();
    double[] counts = new double[20];
    for (int i = 0; i < 200; i++) {
      double x0 = Double.parseDouble(String.format("%.6f", random.nextGaussian()));
      random.nextGaussian();
      int b = 19;
      while (b > 0 && x0 < lows[b]) {
        b--;
      }
      counts[b]++;
    }
    double windowMean = 0;
    double referenceMean = 0;
    for (int b = 0; b < 20; b++) {
      assertThat((Double) bins.get(b).get("reference")).as("bin " + b).isCloseTo(counts[b] / 200, within(1e-9));
      windowMean += (Double) bins.get(b).get("window") * lows[b];
      referenceMean += (Double) bins.get(b).get("reference") * lows[b];
      assertThat(html).contains(String.format(java.util.Locale.ROOT, "<title>%s: %.3f</title>", bins.get(b).get("bin"),
          (Double) bins.get(b).get("window")));
    }
    assertThat(windowMean - referenceMean).as("the window is shifted by 3 sd").isGreaterThan(2);
    assertThatThrownBy(() -> monitors.distribution(monitor.id(), run.runId(), "nope"))
        .isInstanceOfSatisfying(dev.pier.kernel.PierException.class, e -> assertThat(e.status()).isEqualTo(404));

    // drift history as JSON: one point per run, only the column asked for
    var history = monitors.driftHistory(monitor.id(), "x[0]", null, new dev.pier.kernel.paging.PageSize(10));
    assertThat(history.items()).hasSize(1);
    assertThat(history.items().getFirst().get("columns").size()).isEqualTo(1);
    assertThat(history.items().getFirst().get("columns").get("x[0]").get("p_value").asDouble())
        .isEqualTo(run.dataDrift().columns().get("x[0]").pValue());
    assertThat(history.items().getFirst().get("columns").get("x[0]").get("drifted").asBoolean()).isTrue();

    MonitorRun again = monitors.runNow(monitor.id()); // the same window (the clock has not moved)
    assertThat(again.alerts()).isEmpty();
    assertThat(delivered).filteredOn(a -> a.monitorId().equals(monitor.id())).hasSize(2);
    assertThat(monitors.alerts(monitor.id())).hasSize(2);
  }

  @Test
  void referencesAreReadFromCsvAndParquetInS3AndFromAWindowOfCaptures() throws Exception {
    clock.set(T0.plus(Duration.ofHours(10)));
    clients.s3().putObject(b -> b.bucket("datasets").key("ref/train.csv"),
        RequestBody.fromString("x[0],x[1],segment\n0.1,1.5,a\n0.2,1.1,b\n-0.3,0.7,a\n"));
    MonitorDefinition csv = monitors.create(request("{'model': 'fraud', 'version': 1,"
        + " 'reference': {'uri': 's3://datasets/ref/train.csv'}}"));
    assertThat(csv.reference()).containsEntry("source", "uri").containsEntry("rows", 3)
        .containsEntry("columns", List.of("segment", "x[0]", "x[1]"));
    assertThat(store.reference(csv.id()).getFirst()).containsEntry("x[0]", 0.1).containsEntry("segment", "a");

    Path parquet = dataDir.resolve("train.parquet");
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement s = db.createStatement()) {
      s.execute("COPY (SELECT i / 10.0 AS \"x[0]\", i * 2.0 AS \"x[1]\" FROM range(50) t(i)) TO '" + parquet
          + "' (FORMAT parquet)");
    }
    clients.s3().putObject(b -> b.bucket("datasets").key("ref/train.parquet"), RequestBody.fromFile(parquet));
    MonitorDefinition pq = monitors.create(request("{'model': 'fraud', 'version': 1,"
        + " 'reference': {'uri': 's3://datasets/ref/train.parquet'}}"));
    assertThat(pq.reference()).containsEntry("rows", 50);
    assertThat(store.reference(pq.id()).get(3)).containsEntry("x[0]", 0.3).containsEntry("x[1]", 6.0);

    Instant from = clock.instant().minus(Duration.ofMinutes(30));
    capture("ref-", from, 40, 0);
    MonitorDefinition fromCaptures = monitors.create(request("{'model': 'fraud', 'version': 1,"
        + " 'reference': {'captures': {'from': '" + from + "', 'to': '" + clock.instant() + "'}}}"));
    assertThat(fromCaptures.reference()).containsEntry("source", "captures").containsEntry("rows", 40)
        .containsEntry("columns", List.of("probability[1]", "x[0]", "x[1]"));
  }

  @Test
  void aReferenceFileThatIsMissingOrDoesNotMatchTheColumnsIsRejectedNamingIt() throws Exception {
    assertThatThrownBy(() -> monitors.create(request("{'model': 'fraud', 'version': 1,"
        + " 'reference': {'uri': 's3://datasets/ref/absent.csv'}}")))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(400))
        .hasMessage("reference.uri: s3://datasets/ref/absent.csv does not exist");
    clients.s3().putObject(b -> b.bucket("datasets").key("ref/other.csv"),
        RequestBody.fromString("age,income\n31,1000\n"));
    assertThatThrownBy(() -> monitors.create(request("{'model': 'fraud', 'version': 1,"
        + " 'reference': {'uri': 's3://datasets/ref/other.csv'}}")))
        .hasMessage("reference: none of its columns (age, income) is an input or output of fraud version 1 (its"
            + " columns: x[0], x[1], probability[0], probability[1])");
    assertThatThrownBy(() -> monitors.create(request("{'model': 'fraud', 'version': 1,"
        + " 'reference': {'training_data': true}}")))
        .hasMessageContaining("names no dataset in its lineage");
  }

  @Test
  void aPatchChangesOnlyTheFieldsItNamesAndADeleteRemovesTheMonitor() throws Exception {
    MonitorDefinition monitor = monitors.create(request("{'model': 'fraud', 'version': 1, 'window': '1h',"
        + " 'reference': {'rows': " + reference(20, 3) + "}}"));
    MonitorDefinition changed = monitors.update(monitor.id(), MonitorRequest.parsePatch(new ObjectMapper()
        .readTree("{\"schedule\": \"rate(30 minutes)\", \"drift\": {\"x[1]\": {\"method\": \"psi\"}}}")));
    assertThat(changed.schedule()).isEqualTo("rate(30 minutes)");
    assertThat(changed.window()).isEqualTo(Duration.ofHours(1));
    assertThat(monitors.get(monitor.id())).isEqualTo(changed);
    assertThatThrownBy(() -> monitors.update(monitor.id(), MonitorRequest.parsePatch(new ObjectMapper()
        .readTree("{\"protected\": [\"gender\"]}"))))
        .hasMessage("protected: the reference has no column 'gender'");

    monitors.delete(monitor.id());
    assertThatThrownBy(() -> monitors.get(monitor.id()))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(404));
    assertThatThrownBy(() -> monitors.delete(monitor.id()))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(404));
  }
}
