package dev.pier.api;

import dev.pier.kernel.aws.AwsClients;
import dev.pier.api.PierConfig;
import dev.pier.api.privacy.RetentionSweeper;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pier.security.audit.AuditEvent;
import dev.pier.security.audit.AuditQuery;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/** Local mode enforces retention: audit samples and batch outputs older than their (here: 2 s) periods go. */
@QuarkusTest
@TestProfile(RetentionSweepTest.ShortRetention.class)
class RetentionSweepTest {
  private static final String ROW =
      "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[5.1,3.5,1.4,0.2]}]}";

  public static class ShortRetention implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("pier.audit.prediction-sample-rate", "1",
          "pier.retention.audit-samples", "2s",
          "pier.retention.batch-outputs", "2s",
          "pier.retention.sweep-interval", "1h"); // the test sweeps itself; the first sweep ran at start
    }
  }

  @Inject RetentionSweeper sweeper;
  @Inject Security security;
  @Inject AwsClients aws;
  @Inject PierConfig pierConfig;

  @Test
  void aSweepDropsAuditSamplesAndBatchOutputsOlderThanTheirPeriodsAndKeepsNewerOnes() throws Exception {
    String bucket = pierConfig.batch().bucket();
    var s3 = aws.s3();
    given().contentType(ContentType.JSON).body(ROW).header("X-Request-Id", "old-sample")
        .post("/v2/models/demo/infer").then().statusCode(200);
    s3.putObject(b -> b.bucket(bucket).key("outputs/bj-retention-old/part-00000.jsonl"), RequestBody.fromString("{}"));
    Thread.sleep(3500);
    given().contentType(ContentType.JSON).body(ROW).header("X-Request-Id", "new-sample")
        .post("/v2/models/demo/infer").then().statusCode(200);
    s3.putObject(b -> b.bucket(bucket).key("outputs/bj-retention-new/part-00000.jsonl"), RequestBody.fromString("{}"));

    RetentionSweeper.Swept swept = sweeper.sweep();

    assertThat(swept.auditSamples()).isGreaterThanOrEqualTo(1);
    assertThat(swept.batchJobs()).contains("bj-retention-old").doesNotContain("bj-retention-new");
    assertThat(security.audit().query(new AuditQuery("demo", null, true, 100))).filteredOn(AuditEvent::sample)
        .extracting(AuditEvent::requestId).contains("new-sample").doesNotContain("old-sample");
    assertThat(s3.listObjectsV2(b -> b.bucket(bucket).prefix("outputs/")).contents()).extracting(o -> o.key())
        .contains("outputs/bj-retention-new/part-00000.jsonl")
        .doesNotContain("outputs/bj-retention-old/part-00000.jsonl");
  }
}
