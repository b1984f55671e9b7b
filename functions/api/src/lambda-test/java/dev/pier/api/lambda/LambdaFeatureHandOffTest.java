package dev.pier.api.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.api.ApiGatewayEvents;
import dev.pier.kernel.aws.AwsClients;
import io.quarkus.amazon.lambda.runtime.AmazonLambdaRecorder;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * The feature store on the API Lambda, whose zip has no DuckDB: API Gateway (payload 2.0) events through the zip's
 * handler ({@link PierLambdaHandler}) apply definitions, push rows online and offline (the offline half handed to the
 * feature worker by a real Lambda {@code Invoke}: {@link FeatureWorkerStandIn}, the real worker handler behind Lambda's
 * protocol, which writes the Parquet object), read them online from DynamoDB in the api itself, and retrieve training
 * rows point-in-time correct (the join handed to the worker). A request the worker refuses is the worker's 4xx.
 */
@QuarkusTest
@QuarkusTestResource(value = FeatureWorkerStandIn.class, restrictToAnnotatedClass = true)
class LambdaFeatureHandOffTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String OFFLINE = "lambda-features";
  private static final String DEFINITIONS = """
      {"entities": [{"name": "driver", "join_keys": ["driver_id"], "value_type": "INT64"}],
       "sources": [{"name": "driver_stats", "kind": "parquet", "path": "s3://lambda-features/driver_stats/",
                    "timestamp_field": "event_timestamp", "created_timestamp_column": "created"},
                   {"name": "driver_push", "kind": "push", "batch_source": "driver_stats"}],
       "feature_views": [{"name": "driver_live", "entities": ["driver"], "ttl": "1d", "source": "driver_push",
                          "online": true, "schema": [{"name": "speed", "dtype": "FLOAT64"},
                                                     {"name": "trips", "dtype": "INT64"}]}]}
      """;
  /** Event times relative to the test's start: online reads would call older values OUTSIDE_MAX_AGE (ttl 1d). */
  private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);
  private static boolean applied;

  @Inject AwsClients aws;

  private final PierLambdaHandler handler = new PierLambdaHandler(() -> { }, AmazonLambdaRecorder::handle);

  /**
   * Once: the staging bucket, the batch source with one file (driver 1001 26 hours ago: speed 0.5, 7 trips), and the
   * definitions applied through the Lambda; then the rows pushed.
   */
  @BeforeEach
  void definitionsAppliedAndRowsPushed() throws Exception {
    FeatureWorkerStandIn.use(aws);
    synchronized (LambdaFeatureHandOffTest.class) {
      if (applied) {
        return;
      }
      aws.s3().createBucket(b -> b.bucket(FeatureWorkerStandIn.STAGING));
      aws.s3().createBucket(b -> b.bucket(OFFLINE));
      Path base = Files.createTempDirectory("lambda-features").resolve("base.parquet");
      String at = LocalDateTime.ofInstant(ago(26 * 60), ZoneOffset.UTC).toString().replace('T', ' ');
      try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement s = db.createStatement()) {
        s.execute("COPY (SELECT 1001::BIGINT AS driver_id, TIMESTAMP '" + at + "' AS event_timestamp, TIMESTAMP '"
            + at + "' AS created, 0.5::DOUBLE AS speed, 7::BIGINT AS trips) TO '" + base + "' (FORMAT parquet)");
      }
      aws.s3().putObject(b -> b.bucket(OFFLINE).key("driver_stats/base.parquet"), RequestBody.fromFile(base));
      JsonNode apply = send("POST", "/api/v1/features/apply", DEFINITIONS);
      assertThat(apply.path("statusCode").asInt()).as(apply.toString()).isEqualTo(200);
      applied = true;
    }
  }

  @Test
  void pushedRowsAreWrittenOfflineByTheWorkerAndReadOnlineByTheApi() throws Exception {
    int before = FeatureWorkerStandIn.INVOCATIONS.size();
    JsonNode push = send("POST", "/push", """
        {"push_source_name": "driver_push", "to": "online_and_offline",
         "df": {"driver_id": [1001, 1001, 1002], "speed": [10.0, 20.0, 30.0], "trips": [1, 2, 3],
                "event_timestamp": ["%s", "%s", "%s"]}}
        """.formatted(ago(180), ago(60), ago(120)));

    assertThat(push.path("statusCode").asInt()).as(push.toString()).isEqualTo(200);
    JsonNode pushed = body(push);
    assertThat(pushed.path("offline_written").asBoolean()).as(pushed.toString()).isTrue();
    URI object = URI.create(pushed.path("offline_object").asText());
    assertThat(object.getHost()).isEqualTo(OFFLINE);
    assertThat(object.getPath()).startsWith("/driver_stats/push-").endsWith(".parquet");
    assertThat(aws.s3().headObject(b -> b.bucket(OFFLINE).key(object.getPath().substring(1))).contentLength())
        .isPositive();
    assertThat(actionsSince(before)).containsExactly("push-offline");
    assertThat(aws.s3().listObjectsV2(b -> b.bucket(FeatureWorkerStandIn.STAGING)).contents()).isEmpty();

    JsonNode online = body(send("POST", "/get-online-features", """
        {"features": ["driver_live:speed", "driver_live:trips"], "entities": {"driver_id": [1001, 1002, 1003]}}
        """));
    assertThat(online.at("/metadata/feature_names").toString()).isEqualTo("[\"driver_id\",\"speed\",\"trips\"]");
    assertThat(online.at("/results/1/values").toString()).isEqualTo("[20.0,30.0,null]");
    assertThat(online.at("/results/2/values").toString()).isEqualTo("[2,3,null]");
    assertThat(online.at("/results/1/statuses").toString()).isEqualTo("[\"PRESENT\",\"PRESENT\",\"NOT_FOUND\"]");
    assertThat(actionsSince(before)).as("online reads stay in the api").containsExactly("push-offline");

    // training rows, joined by the worker over the base file and the pushed one: for each row the newest value at or
    // before its time and within the ttl (1d), else null; the label passes through
    JsonNode historical = send("POST", "/api/v1/features/historical", """
        {"features": ["driver_live:speed", "driver_live:trips"], "entity_rows": [
          {"driver_id": 1001, "event_timestamp": "%s", "label": 0},
          {"driver_id": 1001, "event_timestamp": "%s", "label": 1},
          {"driver_id": 1001, "event_timestamp": "%s", "label": 2},
          {"driver_id": 1001, "event_timestamp": "%s", "label": 3},
          {"driver_id": 1002, "event_timestamp": "%s", "label": 4},
          {"driver_id": 1002, "event_timestamp": "%s", "label": 5}]}
        """.formatted(ago(27 * 60), ago(240), ago(120), ago(30), ago(180), ago(90)));

    assertThat(historical.path("statusCode").asInt()).as(historical.toString()).isEqualTo(200);
    List<String> rows = new ArrayList<>();
    for (JsonNode r : body(historical).path("rows")) {
      rows.add(r.path("driver_id").asLong() + " " + r.path("label").asInt() + " " + r.path("speed") + " "
          + r.path("trips"));
    }
    assertThat(rows).containsExactlyInAnyOrder("1001 0 null null", "1001 1 0.5 7", "1001 2 10.0 1", "1001 3 20.0 2",
        "1002 4 null null", "1002 5 30.0 3");
    assertThat(actionsSince(before)).containsExactly("push-offline", "historical-inline");
  }

  @Test
  void anEntityRowTheWorkerRefusesIsTheWorkersBadRequest() throws Exception {
    int before = FeatureWorkerStandIn.INVOCATIONS.size();

    JsonNode refused = send("POST", "/api/v1/features/historical", """
        {"features": ["driver_live:speed"], "entity_rows": [{"driver_id": 1001, "label": 1}]}
        """);

    assertThat(actionsSince(before)).containsExactly("historical-inline");
    assertThat(refused.path("statusCode").asInt()).as(refused.toString()).isEqualTo(400);
    assertThat(body(refused).toString()).contains("entity_rows[0] has no event_timestamp");
  }

  private static Instant ago(int minutes) {
    return NOW.minus(minutes, ChronoUnit.MINUTES);
  }

  private static List<String> actionsSince(int index) {
    List<JsonNode> all = FeatureWorkerStandIn.INVOCATIONS;
    return all.subList(index, all.size()).stream().map(e -> e.path("action").asText()).toList();
  }

  /** The handler's answer to an API Gateway HTTP API event (payload format 2.0). */
  private JsonNode send(String method, String path, String body) throws Exception {
    byte[] event = JSON.writeValueAsBytes(ApiGatewayEvents.httpApi(method, path, body));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    handler.handleRequest(new ByteArrayInputStream(event), out, null);
    return JSON.readTree(out.toByteArray());
  }

  private static JsonNode body(JsonNode response) throws Exception {
    String body = response.path("body").asText();
    return JSON.readTree(response.path("isBase64Encoded").asBoolean()
        ? new String(Base64.getDecoder().decode(body), StandardCharsets.UTF_8) : body);
  }
}
