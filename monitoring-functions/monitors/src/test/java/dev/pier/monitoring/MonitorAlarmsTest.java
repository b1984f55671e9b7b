package dev.pier.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.monitoring.alerts.CloudWatchStandIn;
import dev.pier.monitoring.alerts.MonitorAlarms;
import dev.pier.monitoring.capture.CapturedPrediction;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;

/**
 * A CloudWatch alarm per monitor check, made, changed and deleted with the monitor: the real SDK against a CloudWatch
 * stand-in at the HTTP level (CBOR, as the SDK speaks it), and the metrics the alarms watch are the ones the runs'
 * EMF lines carry.
 */
class MonitorAlarmsTest {
  private static final String BUCKET = "alarms";
  private static final String TOPIC = "arn:aws:sns:eu-west-1:123456789012:pier-dev-monitoring-alerts";
  private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
  @TempDir static Path dataDir;
  private static MonitoringStandIns standIns;
  private static CloudWatchStandIn cloudWatchStandIn;
  private static CloudWatchClient cloudWatch;
  private static Monitors monitors;

  @BeforeAll
  static void start() throws Exception {
    standIns = MonitoringStandIns.start(dataDir, BUCKET);
    standIns.register("churn", 2);
    cloudWatchStandIn = new CloudWatchStandIn();
    cloudWatch = CloudWatchClient.builder().endpointOverride(cloudWatchStandIn.endpoint())
        .region(Region.EU_WEST_1).httpClient(UrlConnectionHttpClient.create())
        // a failing CloudWatch fails at once (the SDK would back off and retry three times)
        .overrideConfiguration(o -> o.retryStrategy(software.amazon.awssdk.awscore.retry.AwsRetryStrategy.doNotRetry()))
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"))).build();
    monitors = new Monitors(standIns.store, ModelVersions.of(standIns.registry), standIns.captures, standIns.profiles,
        standIns.feedback(Clock.fixed(NOW, ZoneOffset.UTC)), Clock.fixed(NOW, ZoneOffset.UTC))
        .alarms(new MonitorAlarms(cloudWatch, "pier-dev-monitor-", TOPIC));
  }

  @AfterAll
  static void stop() {
    cloudWatch.close();
    cloudWatchStandIn.close();
    standIns.close();
  }

  private static MonitorRequest request(String json) throws Exception {
    return MonitorRequest.parse(new ObjectMapper().readTree(json.replace('\'', '"')));
  }

  private static final String REFERENCE = "{'rows': [{'x[0]': 1.0, 'x[1]': 2.0}, {'x[0]': 2.0, 'x[1]': 3.0},"
      + " {'x[0]': 3.0, 'x[1]': 1.0}]}";

  @Test
  void eachCheckHasAnAlarmOnItsRunMetricThatFollowsTheMonitor() throws Exception {
    MonitorDefinition monitor = monitors.create(request("{'model': 'churn', 'version': 1, 'window': '1h',"
        + " 'task': 'binary_classification', 'prediction': 'probability', 'reference': " + REFERENCE + ","
        + " 'checks': {'dataset_drift': true, 'column_drift': ['x[0]'], 'performance': {'roc_auc': {'min': 0.7},"
        + " 'log_loss': {'max': 0.6}}, 'latency_p95_ms': {'max': 250}}}"));
    String p = "pier-dev-monitor-" + monitor.id() + "-";
    Map<String, ObjectNode> alarms = cloudWatchStandIn.alarms();
    assertThat(alarms).containsOnlyKeys(p + "dataset_drift", p + "column_drift", p + "performance.roc_auc",
        p + "performance.log_loss", p + "latency_p95_ms");
    ObjectNode auc = alarms.get(p + "performance.roc_auc");
    assertThat(auc.get("Namespace").asText()).isEqualTo("Pier/Monitoring");
    assertThat(auc.get("MetricName").asText()).isEqualTo("RocAuc");
    assertThat(auc.get("Statistic").asText()).isEqualTo("Minimum");
    assertThat(auc.get("ComparisonOperator").asText()).isEqualTo("LessThanThreshold");
    assertThat(auc.get("Threshold").asDouble()).isEqualTo(0.7);
    assertThat(auc.get("Dimensions").toString()).isEqualTo("[{\"Name\":\"Monitor\",\"Value\":\"" + monitor.id()
        + "\"}]");
    assertThat(auc.get("AlarmActions").toString()).isEqualTo("[\"" + TOPIC + "\"]");
    assertThat(auc.get("OKActions").toString()).isEqualTo("[\"" + TOPIC + "\"]");
    assertThat(auc.get("TreatMissingData").asText()).isEqualTo("notBreaching");
    ObjectNode logLoss = alarms.get(p + "performance.log_loss");
    assertThat(logLoss.get("MetricName").asText()).isEqualTo("LogLoss");
    assertThat(logLoss.get("Statistic").asText()).isEqualTo("Maximum");
    assertThat(logLoss.get("ComparisonOperator").asText()).isEqualTo("GreaterThanThreshold");
    ObjectNode drift = alarms.get(p + "dataset_drift");
    assertThat(drift.get("MetricName").asText()).isEqualTo("DatasetDrift");
    assertThat(drift.get("ComparisonOperator").asText()).isEqualTo("GreaterThanOrEqualToThreshold");
    assertThat(drift.get("Threshold").asDouble()).isEqualTo(1.0);
    assertThat(alarms.get(p + "column_drift").get("MetricName").asText()).isEqualTo("ColumnDriftAlerts");
    assertThat(alarms.get(p + "latency_p95_ms").get("MetricName").asText()).isEqualTo("LatencyP95Ms");
    assertThat(alarms.get(p + "latency_p95_ms").get("Threshold").asDouble()).isEqualTo(250.0);

    // a run with nothing changed puts no alarm again; every metric an alarm watches is one the run's EMF line has
    long puts = cloudWatchStandIn.count("PutMetricAlarm");
    List<CapturedPrediction> rows = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      rows.add(new CapturedPrediction("churn", 1, "r" + i, 0, NOW.minusSeconds(600 + i), "oip-rest",
          Map.of("x[0]", 10.0 + i, "x[1]", (double) (i % 3)), Map.of("probability[0]", 0.4, "probability[1]", 0.6),
          null, 5.0 + i));
    }
    standIns.profiles.capturing(standIns.captures).accept(rows);
    MonitorRun run = monitors.runNow(monitor.id());
    assertThat(cloudWatchStandIn.count("PutMetricAlarm")).isEqualTo(puts);
    var emf = new ObjectMapper().readTree(dev.pier.monitoring.tasks.RunMetrics.line(run, "churn", 1));
    List<String> emitted = new ArrayList<>();
    emf.at("/_aws/CloudWatchMetrics/0/Metrics").forEach(m -> emitted.add(m.get("Name").asText()));
    assertThat(emitted).contains("DatasetDrift", "ColumnDriftAlerts", "LatencyP95Ms");
    assertThat(emf.get("ColumnDriftAlerts").asDouble()).as("x[0] drifted: one column_drift alert")
        .isEqualTo(1.0);
    assertThat(emf.get("Monitor").asText()).isEqualTo(monitor.id());

    // PATCH: roc_auc's bound changes, log_loss and latency go, prediction drift comes
    monitors.update(monitor.id(), MonitorRequest.parsePatch(new ObjectMapper().readTree(("{'checks': "
        + "{'dataset_drift': true, 'column_drift': ['x[0]'], 'prediction_drift': true,"
        + " 'performance': {'roc_auc': {'min': 0.8}}}}").replace('\'', '"'))));
    alarms = cloudWatchStandIn.alarms();
    assertThat(alarms).containsOnlyKeys(p + "dataset_drift", p + "column_drift", p + "performance.roc_auc",
        p + "prediction_drift");
    assertThat(alarms.get(p + "performance.roc_auc").get("Threshold").asDouble()).isEqualTo(0.8);
    assertThat(alarms.get(p + "prediction_drift").get("MetricName").asText()).isEqualTo("DriftedPredictionColumns");

    // CloudWatch down: the PATCH still lands, and the monitor's next run brings its alarms in line
    cloudWatchStandIn.failing(true);
    MonitorDefinition patched = monitors.update(monitor.id(), MonitorRequest.parsePatch(new ObjectMapper().readTree(
        "{\"checks\": {\"dataset_drift\": true}}")));
    assertThat(patched.parsedChecks().columnDrift()).isNull();
    assertThat(cloudWatchStandIn.alarms()).hasSize(4);
    cloudWatchStandIn.failing(false);
    monitors.runNow(monitor.id());
    assertThat(cloudWatchStandIn.alarms()).containsOnlyKeys(p + "dataset_drift");

    // delete: its alarms go with it; another monitor's stay
    MonitorDefinition other = monitors.create(request("{'model': 'churn', 'version': 1, 'window': '1h',"
        + " 'reference': " + REFERENCE + ", 'checks': {'null_share': {'max': 0.1}}}"));
    monitors.delete(monitor.id());
    assertThat(cloudWatchStandIn.alarms()).containsOnlyKeys("pier-dev-monitor-" + other.id() + "-null_share");
    assertThat(cloudWatchStandIn.alarms().values().iterator().next().get("MetricName").asText())
        .isEqualTo("MissingShare");
  }
}
