package dev.pier.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.kernel.PierException;
import dev.pier.monitoring.drift.DriftMethod;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MonitorRequestTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode body(String json) throws Exception {
    return JSON.readTree(json.replace('\'', '"'));
  }

  private static void rejected(String json, String message) {
    assertThatThrownBy(() -> MonitorRequest.parse(body(json)))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(400))
        .hasMessageContaining(message);
  }

  @Test
  void aFullRequestIsReadWithItsDefaults() throws Exception {
    MonitorRequest r = MonitorRequest.parse(body("{'model': 'churn', 'reference': {'rows': [{'age': 30, 'plan':"
        + " 'basic', 'vip': true, 'note': null}]}, 'task': 'binary_classification', 'prediction': 'probability',"
        + " 'drift': {'age': {'method': 'psi', 'threshold': 0.2}}, 'checks': {'dataset_drift': true}}"));
    assertThat(r.version()).isEqualTo("production");
    assertThat(r.window()).isEqualTo(Duration.ofHours(1));
    assertThat(r.driftShare()).isEqualTo(0.5);
    assertThat(r.task()).isEqualTo(Task.BINARY_CLASSIFICATION);
    assertThat(r.referenceRows().getFirst()).containsEntry("age", 30.0).containsEntry("plan", "basic")
        .containsEntry("vip", true).containsEntry("note", null);
    assertThat(r.drift().get("age").method()).isEqualTo(DriftMethod.PSI);
    assertThat(r.checks().get("dataset_drift").asBoolean()).isTrue();
    assertThat(r.captureRate()).isEqualTo(1.0);
    assertThat(MonitorRequest.parse(body("{'model': 'm', 'version': 3, 'window': '7d', 'reference': {'rows':"
        + " [{'a': 1}]}}")).window()).isEqualTo(Duration.ofDays(7));
  }

  @Test
  void everyProblemOfABodyIsNamedInOneAnswer() {
    assertThatThrownBy(() -> MonitorRequest.parse(body("{'reference': {'rows': [{'a': [1]}]}, 'window': 'soon',"
        + " 'task': 'ranking', 'drift_share': 3, 'colour': 1}")))
        .isInstanceOf(PierException.class)
        .hasMessageContaining("unknown field 'colour'")
        .hasMessageContaining("model is required")
        .hasMessageContaining("reference.rows[0].a must be")
        .hasMessageContaining("window must be")
        .hasMessageContaining("task: unknown task 'ranking'")
        .hasMessageContaining("drift_share must be");
  }

  @Test
  void aPatchMayNotChangeTheModelVersionOrReference() throws Exception {
    assertThatThrownBy(() -> MonitorRequest.parsePatch(body("{'model': 'other', 'reference': {'rows': [{'a': 1}]},"
        + " 'window': '2h'}")))
        .hasMessageContaining("model cannot change").hasMessageContaining("reference cannot change");
    MonitorRequest patch = MonitorRequest.parsePatch(body("{'window': '2h', 'schedule': 'rate(1 hour)'}"));
    assertThat(patch.fields()).containsExactly("window", "schedule");
    assertThat(patch.window()).isEqualTo(Duration.ofHours(2));
  }

  @Test
  void eachInvalidFieldIsRejectedByName() {
    rejected("{'model': 'm', 'reference': {'rows': [{'a': 1}]}, 'colour': 1}", "unknown field 'colour'");
    rejected("{'reference': {'rows': [{'a': 1}]}}", "model is required");
    rejected("{'model': 'm'}", "reference is required");
    rejected("{'model': 'm', 'reference': {'rows': []}}", "reference.rows must be a non-empty array");
    rejected("{'model': 'm', 'reference': {'rows': [{'a': 1}, {'a': [1, 2]}]}}",
        "reference.rows[1].a must be a number, string, boolean or null");
    rejected("{'model': 'm', 'reference': {'uri': 'https://b/k.parquet'}}", "reference.uri must be an s3://");
    rejected("{'model': 'm', 'reference': {'uri': 's3://b/k.bin'}}", "reference.format is required");
    rejected("{'model': 'm', 'reference': {'rows': [{'a': 1}], 'uri': 's3://b/k.csv'}}",
        "reference must have exactly one of rows, uri, captures, training_data; it has rows, uri");
    rejected("{'model': 'm', 'reference': {'captures': {'from': '2026-12-06T10:00:00Z', 'to': 'noon'}}}",
        "reference.captures.to must be an ISO-8601 time");
    rejected("{'model': 'm', 'reference': {'rows': [{'a': 1}]}, 'schedule': 'every hour'}", "schedule:");
    rejected("{'model': 'm', 'reference': {'rows': [{'a': 1}]}, 'checks': {'performance': {'auc': {'min': 1}}}}",
        "checks.performance.auc is not a metric");
    rejected("{'model': 'm', 'reference': {'rows': [{'a': 1}]}, 'alerts': {'sns_topic_arn': 'topic'}}",
        "alerts.sns_topic_arn must be an SNS topic ARN");
    rejected("{'model': 'm', 'reference': {'rows': [{'a': 1}]}, 'window': 'an hour'}", "window must be");
    rejected("{'model': 'm', 'reference': {'rows': [{'a': 1}]}, 'task': 'ranking', 'prediction': 'p'}",
        "task: unknown task 'ranking'");
    rejected("{'model': 'm', 'reference': {'rows': [{'a': 1}]}, 'task': 'regression'}", "prediction:");
    rejected("{'model': 'm', 'reference': {'rows': [{'a': 1}]}, 'drift': {'a': {'method': 'ttest'}}}",
        "drift.a.method: unknown drift method 'ttest'");
    rejected("{'model': 'm', 'reference': {'rows': [{'a': 1}]}, 'drift': {'a': {'threshold': -1}}}",
        "drift.a.threshold must be a positive number");
    rejected("{'model': 'm', 'reference': {'rows': [{'a': 1}]}, 'drift_share': 2}", "drift_share must be");
    rejected("{'model': 'm', 'reference': {'rows': [{'a': 1}]}, 'capture': {'sample_rate': 0}}",
        "capture must be {\"sample_rate\": r} with r above 0 and at most 1");
    rejected("{'model': 'm', 'reference': {'rows': [{'a': 1}]}, 'capture': {'rate': 1}}", "capture must be");
    assertThatThrownBy(() -> MonitorRequest.parsePatch(body("{'capture': {'sample_rate': 0.5}}")))
        .hasMessageContaining("capture cannot change");
  }
}
