package dev.pier.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import dev.pier.api.features.MaterializationSchedules;
import dev.pier.features.Materialization;
import dev.pier.kernel.aws.AwsClients;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * User-managed materialization schedules through the api: created, listed, paused and resumed, deleted; the local
 * timer's tick ({@link MaterializationSchedules#fireDue}) starts one incremental job per fire time, which writes the
 * offline rows online; bad input is a 400/404 naming it.
 */
@QuarkusTest
class MaterializationSchedulesApiTest {
  private static final String PATH = "/api/v1/features/materialization-schedules";
  @Inject AwsClients aws;
  @Inject MaterializationSchedules schedules;
  private String view;

  @BeforeEach
  void applyAnOnlineView() throws Exception {
    view = "ms_" + UUID.randomUUID().toString().substring(0, 8);
    String bucket = "sched-" + UUID.randomUUID().toString().substring(0, 8);
    aws.s3().createBucket(b -> b.bucket(bucket));
    Path file = Files.createTempFile("stats", ".parquet");
    String recent = Instant.now().minus(Duration.ofHours(1)).toString().replace('T', ' ').replace("Z", "");
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement s = db.createStatement()) {
      s.execute("COPY (SELECT 7::BIGINT AS driver_id, TIMESTAMP '" + recent + "' AS event_timestamp,"
          + " 70::BIGINT AS trips) TO '" + file + "' (FORMAT parquet)");
    }
    aws.s3().putObject(b -> b.bucket(bucket).key("stats/part-0.parquet"), RequestBody.fromFile(file));
    Files.delete(file);
    String doc = """
        entities: [{name: driver, join_keys: [driver_id], value_type: INT64}]
        sources: [{name: %1$s_src, kind: parquet, path: "s3://%2$s/stats/", timestamp_field: event_timestamp}]
        feature_views:
          - {name: %1$s, entities: [driver], ttl: 1d, source: %1$s_src, online: true,
             schema: [{name: trips, dtype: INT64}]}
          - {name: %1$s_off, entities: [driver], ttl: 1d, source: %1$s_src, online: false,
             schema: [{name: trips, dtype: INT64}]}
        """.formatted(view, bucket);
    given().contentType("application/yaml").body(doc.getBytes()).post("/api/v1/features/apply").then()
        .statusCode(200);
  }

  @Test
  void aScheduleFiresOnceEachFireTimeMaterializesItsViewAndCanBePausedAndDeleted() throws Exception {
    var response = given().contentType(ContentType.JSON)
        .body("{\"feature_views\": [\"" + view + "\"], \"schedule\": \"rate(5 minutes)\"}").post(PATH).then()
        .statusCode(201).body("enabled", equalTo(true)).body("next_fire", notNullValue())
        .body("last_fire", nullValue()).extract();
    String id = response.path("id");
    assertThat(id).startsWith("fs-");
    assertThat(response.header("Location")).endsWith(PATH + "/" + id);
    given().get(PATH).then().statusCode(200).body("schedules.id", hasItem(id));
    Instant created = Instant.parse(given().get(PATH + "/" + id).then().statusCode(200).extract().path("created_at"));
    assertThat(Instant.parse(given().get(PATH + "/" + id).then().extract().<String>path("next_fire")))
        .isEqualTo(created.plus(Duration.ofMinutes(5)));

    // nothing is due before the first period; then the latest fire time starts one job, once
    assertThat(schedules.fireDue(created.plus(Duration.ofMinutes(4)))).noneMatch(j -> j.starts().containsKey(view));
    Instant due = created.plus(Duration.ofMinutes(11)); // two fire times passed: only the latest runs
    List<Materialization.Job> started = schedules.fireDue(due).stream()
        .filter(j -> j.starts().containsKey(view)).toList();
    assertThat(started).singleElement().satisfies(j -> {
      assertThat(j.end()).isEqualTo(created.plus(Duration.ofMinutes(10)));
      assertThat(j.starts()).containsOnlyKeys(view);
    });
    assertThat(schedules.fireDue(due)).noneMatch(j -> j.starts().containsKey(view));
    String job = started.getFirst().id();
    awaitSucceeded(job);
    given().get(PATH + "/" + id).then().body("last_job", equalTo(job))
        .body("last_fire", equalTo(created.plus(Duration.ofMinutes(10)).toString()));
    given().contentType(ContentType.JSON).body("{\"features\": [\"" + view + ":trips\"], \"entities\":"
        + " {\"driver_id\": [7]}}").post("/get-online-features").then().statusCode(200)
        .body("results[1].values[0]", equalTo(70)).body("results[1].statuses[0]", equalTo("PRESENT"));

    // paused: no fire, no next_fire; resumed: fires again
    given().contentType(ContentType.JSON).body("{\"enabled\": false}").patch(PATH + "/" + id).then().statusCode(200)
        .body("enabled", equalTo(false)).body("next_fire", nullValue());
    assertThat(schedules.fireDue(created.plus(Duration.ofMinutes(16)))).noneMatch(j -> j.starts().containsKey(view));
    given().contentType(ContentType.JSON).body("{\"enabled\": true}").patch(PATH + "/" + id).then().statusCode(200)
        .body("enabled", equalTo(true));
    assertThat(schedules.fireDue(created.plus(Duration.ofMinutes(16)))).anyMatch(j -> j.starts().containsKey(view));

    given().delete(PATH + "/" + id).then().statusCode(204);
    given().get(PATH + "/" + id).then().statusCode(404).body("detail", containsString(id));
    given().get(PATH).then().body("schedules.id", not(hasItem(id)));
    assertThat(schedules.fireDue(created.plus(Duration.ofMinutes(30)))).noneMatch(j -> j.starts().containsKey(view));
  }

  @Test
  void badSchedulesAreRefusedNamingWhatIsWrongAndNothingIsStored() {
    int before = given().get(PATH).then().extract().path("schedules.size()");
    given().contentType(ContentType.JSON).body("{\"schedule\": \"cron(0 6 * * MON-FRI *)\"}").post(PATH).then()
        .statusCode(400).body("detail", containsString("day-of-week"));
    given().contentType(ContentType.JSON).body("{\"schedule\": \"every hour\"}").post(PATH).then()
        .statusCode(400).body("detail", containsString("every hour"));
    given().contentType(ContentType.JSON).body("{\"feature_views\": [\"nope_" + view + "\"], \"schedule\":"
        + " \"rate(1 hour)\"}").post(PATH).then().statusCode(404).body("detail", containsString("nope_" + view));
    given().contentType(ContentType.JSON).body("{\"feature_views\": [\"" + view + "_off\"], \"schedule\":"
        + " \"rate(1 hour)\"}").post(PATH).then().statusCode(400).body("detail", containsString("not online"));
    given().contentType(ContentType.JSON).body("{\"schedule\": \"rate(1 hour)\", \"start\": 1}").post(PATH).then()
        .statusCode(400).body("detail", containsString("'start'"));
    given().contentType(ContentType.JSON).body("{\"enabled\": \"no\"}").patch(PATH + "/fs-missing").then()
        .statusCode(400);
    given().contentType(ContentType.JSON).body("{\"enabled\": false}").patch(PATH + "/fs-missing").then()
        .statusCode(404);
    given().delete(PATH + "/fs-missing").then().statusCode(404);
    assertThat(given().get(PATH).then().extract().<Integer>path("schedules.size()")).isEqualTo(before);
  }

  private static void awaitSucceeded(String job) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    String state = "RUNNING";
    while (state.equals("RUNNING") && System.nanoTime() < deadline) {
      Thread.sleep(200);
      state = given().get("/api/v1/features/materializations/" + job).then().statusCode(200).extract().path("state");
    }
    assertThat(state).isEqualTo("SUCCEEDED");
  }
}
