package dev.pier.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import dev.pier.kernel.aws.AwsClients;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Issue #14 item 2: a breaking change (a feature retyped or removed) to a view that a registered model version uses
 * through a feature service is refused with a 409 naming the model versions, unless forced; a plan lists them; a
 * change no model version reads goes through; and the view's lineage names the model versions using it.
 */
@QuarkusTest
class FeatureLineageApiTest {
  @Inject AwsClients aws;
  private String view;
  private String bucket;

  private String doc(String tripsType, boolean withSpeed) {
    return doc(tripsType, "INT64", withSpeed);
  }

  private String doc(String tripsType, String otherType, boolean withSpeed) {
    return """
        entities:
          - {name: driver, join_keys: [driver_id], value_type: INT64}
        sources:
          - {name: %1$s_stats, kind: parquet, path: "s3://%2$s/stats/", timestamp_field: event_timestamp}
        feature_views:
          - {name: %1$s, entities: [driver], ttl: 1d, source: %1$s_stats,
             schema: [{name: trips, dtype: %3$s}%4$s]}
          - {name: %1$s_other, entities: [driver], ttl: 1d, source: %1$s_stats,
             schema: [{name: trips, dtype: %5$s}]}
        feature_services:
          - {name: %1$s_svc, features: ["%1$s:trips"]}
        """.formatted(view, bucket, tripsType, withSpeed ? ", {name: speed, dtype: FLOAT64}" : "", otherType);
  }

  private static io.restassured.response.ValidatableResponse apply(String doc, String query) {
    return given().contentType("application/yaml").body(doc.getBytes(StandardCharsets.UTF_8))
        .post("/api/v1/features/apply" + query).then();
  }

  @BeforeEach
  void applyAndRegister() throws Exception {
    view = "lin_" + UUID.randomUUID().toString().substring(0, 8);
    bucket = "lin-" + UUID.randomUUID().toString().substring(0, 8);
    aws.s3().createBucket(b -> b.bucket(bucket));
    Path file = Files.createTempFile("stats", ".parquet");
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement s = db.createStatement()) {
      s.execute("COPY (SELECT 7::BIGINT AS driver_id, TIMESTAMP '2026-12-01 10:00:00' AS event_timestamp,"
          + " 70::BIGINT AS trips, 1.5::DOUBLE AS speed) TO '" + file + "' (FORMAT parquet)");
    }
    aws.s3().putObject(b -> b.bucket(bucket).key("stats/part-0.parquet"), RequestBody.fromFile(file));
    Files.delete(file);
    apply(doc("INT64", true), "").statusCode(200);
  }

  private String register() {
    String model = "lin-" + UUID.randomUUID().toString().substring(0, 8);
    String pipeline = "{\"input\":\"input\",\"features\":[{\"name\":\"trips\"},{\"name\":\"b\"},{\"name\":\"c\"},"
        + "{\"name\":\"d\"}]}";
    given().multiPart("artifact", Fixtures.model("iris-mlp.onnx").toFile())
        .multiPart("metadata", "{\"framework\":\"onnx\",\"pipeline\":" + pipeline + ",\"feature_service\":\""
            + view + "_svc\"}")
        .post("/api/v1/models/" + model + "/versions").then().statusCode(201);
    return model;
  }

  @Test
  void aRetypedFeatureThatAModelVersionUsesIsRefusedNamingItUnlessForced() {
    String model = register();
    // the same change to a twin view no service serves goes through
    apply(doc("INT64", "FLOAT64", true), "").statusCode(200)
        .body("changes.find { it.name == '" + view + "_other' }.to_version", equalTo(2))
        .body("changes.find { it.name == '" + view + "_other' }.breaking", equalTo(true));

    apply(doc("FLOAT64", "FLOAT64", true), "").statusCode(409).body("detail", allOf(containsString("feature view '" + view
        + "' v1 -> v2 breaks registered model versions " + model + "/1 (feature service '" + view + "_svc')"),
        containsString("feature trips: INT64 -> FLOAT64"), containsString("force=true")));
    // nothing applied
    given().get("/api/v1/feature-views/" + view).then().statusCode(200).body("feature_view.version", equalTo(1));
    // a plan lists whom it would break
    apply(doc("FLOAT64", "FLOAT64", true), "?dry_run=true").statusCode(200)
        .body("changes.find { it.name == '" + view + "' }.model_versions",
            contains(model + "/1 (feature service '" + view + "_svc')"));
    apply(doc("FLOAT64", "FLOAT64", true), "?force=true").statusCode(200)
        .body("changes.find { it.name == '" + view + "' }.to_version", equalTo(2));

    // lineage to view versions: the first model was registered against v1, a new one against v2; both serve with v2
    String later = register();
    given().get("/api/v1/feature-views/" + view).then().statusCode(200)
        .body("model_lineage.find { it.model_version == '" + model + "/1' }.registered_with_version", equalTo(1))
        .body("model_lineage.find { it.model_version == '" + later + "/1' }.registered_with_version", equalTo(2))
        .body("model_lineage.find { it.model_version == '" + model + "/1' }.served_with_version", equalTo(2))
        .body("model_lineage.find { it.model_version == '" + model + "/1' }.feature_service",
            equalTo(view + "_svc"));
    given().get("/api/v1/models/" + model + "/versions/1").then().statusCode(200)
        .body(containsString(view + "@1"));
  }

  @Test
  void removingAFeatureNoServiceServesGoesThroughAndTheViewNamesItsModelVersions() {
    String model = register();

    apply(doc("INT64", false), "").statusCode(200)
        .body("changes.find { it.name == '" + view + "' }.breaking", equalTo(true))
        .body("changes.find { it.name == '" + view + "' }.model_versions", nullValue());
    given().get("/api/v1/feature-views/" + view).then().statusCode(200)
        .body("model_versions", contains(model + "/1"));
    given().get("/api/v1/feature-views/" + view + "_other").then().statusCode(200)
        .body("model_versions.size()", equalTo(0));
  }
}
