package dev.pier.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Local mode with {@code pier.local.dynamodb-transport=http}: Pier's DynamoDB client reaches the stand-in over loopback
 * HTTP instead of in process (the default, under which every other test runs), and the platform answers the same (the
 * registry and the feature store both live in DynamoDB).
 */
@QuarkusTest
@TestProfile(HttpDynamoDbTransportTest.OverHttp.class)
class HttpDynamoDbTransportTest {
  public static class OverHttp implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("pier.local.dynamodb-transport", "http");
    }
  }

  @Inject PierConfig config;
  @Inject dev.pier.kernel.aws.AwsClients aws;

  @Test
  void aPushedRowIsServedWhenTheStandInIsReachedOverHttp() {
    assertThat(config.local().dynamodbTransport()).isEqualTo(PierConfig.Local.Transport.http);
    aws.s3().createBucket(b -> b.bucket("http-rides"));
    given().contentType("application/yaml").body("""
        entities: [{name: rider, join_keys: [rider_id], value_type: INT64}]
        sources: [{name: rides_offline, kind: parquet, path: "s3://http-rides/rides/"},
                  {name: rides_push, kind: push, batch_source: rides_offline}]
        feature_views: [{name: rides, entities: [rider], ttl: 0, source: rides_push,
                         schema: [{name: trips, dtype: INT64}, {name: rating, dtype: FLOAT64}]}]
        """.getBytes(java.nio.charset.StandardCharsets.UTF_8))
        .post("/api/v1/features/apply").then().statusCode(200).body("applied", equalTo(true));
    given().contentType(ContentType.JSON).body("""
        {"push_source_name": "rides_push", "df": {"rider_id": [7], "trips": [12], "rating": [4.5],
         "event_timestamp": ["%s"]}, "to": "online"}""".formatted(java.time.Instant.now()))
        .post("/push").then().statusCode(200);

    given().contentType(ContentType.JSON).body("""
        {"features": ["rides:trips", "rides:rating"], "entities": {"rider_id": [7, 8]}}""")
        .post("/get-online-features").then().statusCode(200)
        .body("metadata.feature_names", contains("rider_id", "trips", "rating"))
        .body("results[1].values", contains(12, null))
        .body("results[1].statuses", contains("PRESENT", "NOT_FOUND"))
        .body("results[2].values[0]", equalTo(4.5f));
    given().contentType(ContentType.JSON).body("""
        {"features": ["rides:no_such_feature"], "entities": {"rider_id": [7]}}""")
        .post("/get-online-features").then().statusCode(404)
        .body("detail", org.hamcrest.Matchers.containsString("no_such_feature")); // from a worker thread
  }
}
