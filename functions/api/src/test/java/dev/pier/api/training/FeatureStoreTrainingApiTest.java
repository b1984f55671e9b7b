package dev.pier.api.training;

import dev.pier.kernel.aws.AwsClients;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/** A training job whose data is a point-in-time training set built by the feature store's historical retrieval. */
@QuarkusTest
class FeatureStoreTrainingApiTest {
  @Inject AwsClients aws;

  private void parquet(String bucket, String key, String select) throws Exception {
    Path file = Files.createTempFile("rows", ".parquet");
    Files.delete(file);
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement s = db.createStatement()) {
      s.execute("COPY (" + select + ") TO '" + file + "' (FORMAT parquet)");
    }
    aws.s3().putObject(b -> b.bucket(bucket).key(key), RequestBody.fromFile(file));
    Files.delete(file);
  }

  @Test
  void aFeatureServiceAndEntityFileTrainAsOneDatasetVersion() throws Exception {
    String view = "fv_" + UUID.randomUUID().toString().substring(0, 8);
    String bucket = "feat-" + UUID.randomUUID().toString().substring(0, 8);
    aws.s3().createBucket(b -> b.bucket(bucket));
    // 80 drivers' stats at 10:00; the label (asked at 11:00) is whether the driver's conversion rate was high
    parquet(bucket, "stats/part-0.parquet", "SELECT i::BIGINT AS driver_id, TIMESTAMP '2026-12-01 10:00:00' AS"
        + " event_timestamp, (i % 10) / 10.0 AS conv_rate, (i * 7 % 13)::BIGINT AS trips FROM range(80) t(i)");
    parquet(bucket, "train/entities.parquet", "SELECT i::BIGINT AS driver_id, TIMESTAMP '2026-12-01 11:00:00' AS"
        + " event_timestamp, CASE WHEN i % 10 >= 5 THEN 1 ELSE 0 END AS label FROM range(80) t(i)");
    String doc = """
        entities:
          - {name: driver, join_keys: [driver_id], value_type: INT64}
        sources:
          - {name: %1$s_stats, kind: parquet, path: "s3://%2$s/stats/", timestamp_field: event_timestamp}
        feature_views:
          - {name: %1$s, entities: [driver], ttl: 1d, source: %1$s_stats,
             schema: [{name: conv_rate, dtype: FLOAT64}, {name: trips, dtype: INT64}]}
        feature_services:
          - {name: %1$s_svc, features: ["%1$s:conv_rate", "%1$s:trips"]}
        """.formatted(view, bucket);
    given().contentType("application/yaml").body(doc.getBytes(java.nio.charset.StandardCharsets.UTF_8))
        .post("/api/v1/features/apply").then().statusCode(200);

    String job = """
        {"name": "from-features", "dataset": {"feature_service": "%s_svc",
          "entity_source": "s3://%s/train/entities.parquet", "label": "label"},
         "params": {"objective": "binary:logistic", "num_round": 5}, "metric": "accuracy",
         "split": {"holdout": 0.25}, "cv": {"folds": 3}, "seed": 1}""".formatted(view, bucket);
    String id = given().contentType("application/json").body(job).post("/api/v1/training-jobs").then()
        .log().ifValidationFails().statusCode(201)
        .body("spec.dataset.features", equalTo(java.util.List.of("conv_rate", "trips"))).extract().path("id");
    JsonPath done = TrainingJobsApiTest.awaitFinished(id);
    assertThat(done.getString("state")).as(done.prettify()).isEqualTo("SUCCEEDED");
    assertThat(done.getDouble("refit.holdout_score")).isEqualTo(1.0);
    String name = view + "_svc";
    given().get("/api/v1/datasets/" + name + "/versions").then().statusCode(200)
        .body("versions.size()", equalTo(1))
        .body("versions[0].source", equalTo("feature_service:" + name))
        .body("versions[0].rows", equalTo(80))
        .body("versions[0].version", equalTo(done.getString("dataset_version")));

    String again = given().contentType("application/json").body(job).post("/api/v1/training-jobs").then()
        .statusCode(201).extract().path("id");
    assertThat(TrainingJobsApiTest.awaitFinished(again).getString("dataset_version"))
        .isEqualTo(done.getString("dataset_version")); // the same entity file: the same training set
  }
}
