package dev.pier.api;

import dev.pier.kernel.aws.AwsClients;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.notNullValue;

import com.sun.net.httpserver.HttpServer;
import dev.pier.monitoring.capture.CaptureBuffer;
import dev.pier.monitoring.capture.CapturedPrediction;
import dev.pier.security.privacy.PiiFields;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Monitors through the api app: create, run, read runs and alerts, feedback, patch, delete, profiles, and the 4xx
 * answers naming what is wrong. Captured predictions are written the way the capture stage writes them
 * ({@link dev.pier.monitoring.capture.CaptureStore}, bucket {@code pier.monitoring.bucket}).
 */
@QuarkusTest
class MonitoringApiTest {
  private static final String BUCKET = "pier-captures";
  @Inject AwsClients aws;
  @Inject CaptureBuffer captureBuffer;

  private static String reference(int n, long seed) {
    Random random = new Random(seed);
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < n; i++) {
      rows.append(i == 0 ? "" : ",").append(String.format(
          "{\"input[0]\": %.4f, \"input[1]\": %.4f, \"input[2]\": %.4f, \"input[3]\": %.4f, \"label\": %d}",
          5.8 + random.nextGaussian() * 0.8, 3.0 + random.nextGaussian() * 0.4, 3.7 + random.nextGaussian() * 1.7,
          1.2 + random.nextGaussian() * 0.7, i % 3));
    }
    return "[" + rows + "]";
  }

  /** Captured predictions of demo v1 in the last minutes, petal length moved up by {@code shift}. */
  private List<String> capture(String prefix, int n, double shift) {
    Random random = new Random(prefix.hashCode());
    List<CapturedPrediction> rows = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    Instant start = Instant.now().minusSeconds(600);
    for (int i = 0; i < n; i++) {
      String id = prefix + i;
      ids.add(id);
      rows.add(new CapturedPrediction("demo", 1, id, 0, start.plusMillis(i), "oip-rest",
          Map.of("input[0]", 5.8 + random.nextGaussian() * 0.8, "input[1]", 3.0 + random.nextGaussian() * 0.4,
              "input[2]", 3.7 + shift + random.nextGaussian() * 1.7, "input[3]", 1.2 + random.nextGaussian() * 0.7),
          Map.of("label", (long) (i % 3)), PiiFields.NONE));
    }
    // through the app's capture buffer, so its listeners profile the rows and index their request ids
    rows.forEach(captureBuffer::offer);
    captureBuffer.flush();
    return ids;
  }

  private static String create(String body) {
    return given().contentType(ContentType.JSON).body(body).post("/api/v1/monitors").then().statusCode(201)
        .header("Location", containsString("/api/v1/monitors/")).extract().path("id");
  }

  @Test
  void aMonitorRunsOverCapturedPredictionsWithDriftPerColumnPerformanceAndASignedAlert() throws Exception {
    HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    List<String[]> deliveries = new CopyOnWriteArrayList<>();
    receiver.createContext("/alerts", exchange -> {
      deliveries.add(new String[] {exchange.getRequestHeaders().getFirst("X-Pier-Event"),
          exchange.getRequestHeaders().getFirst("X-Pier-Signature"),
          new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)});
      exchange.sendResponseHeaders(204, -1);
      exchange.close();
    });
    receiver.start();
    try {
      String hook = given().contentType(ContentType.JSON).body("{\"url\": \"http://127.0.0.1:"
          + receiver.getAddress().getPort() + "/alerts\", \"secret\": \"s3cret\", \"model\": \"demo\","
          + " \"events\": [\"monitor.alert\"]}").post("/api/v1/webhooks").then().statusCode(201).extract().path("id");
      String id = create("{\"model\": \"demo\", \"version\": \"production\", \"window\": \"1h\","
          + " \"task\": \"multiclass_classification\", \"prediction\": \"label\","
          + " \"checks\": {\"column_drift\": [\"input[2]\"]}, \"reference\": {\"rows\": " + reference(300, 1) + "}}");
      given().get("/api/v1/monitors/" + id).then().statusCode(200).body("model", equalTo("demo"))
          .body("version", equalTo(1)).body("reference.rows", equalTo(300)).body("reference.source", equalTo("rows"));
      given().get("/api/v1/monitors").then().statusCode(200).body("monitors.id", hasItem(id));

      List<String> ids = capture("mon-" + UUID.randomUUID() + "-", 300, 2.5);
      StringBuilder items = new StringBuilder();
      for (int i = 0; i < 200; i++) {
        items.append(i == 0 ? "" : ",").append("{\"request_id\": \"").append(ids.get(i))
            .append("\", \"row\": 0, \"label\": ").append(i % 3 == 0 ? 0 : i % 3).append("}");
      }
      items.append(",{\"request_id\": \"never-captured\", \"label\": 1}");
      given().contentType(ContentType.JSON).body("{\"items\": [" + items + "]}").post("/api/v1/feedback").then()
          .statusCode(200).body("accepted", equalTo(201)).body("matched", nullValue());

      JsonPath run = given().post("/api/v1/monitors/" + id + "/runs").then().statusCode(201)
          .header("Location", containsString("/api/v1/monitors/" + id + "/runs/")).extract().jsonPath();
      assertThat(run.getInt("rows")).isEqualTo(300);
      assertThat(run.getString("mode")).isEqualTo("exact");
      Map<String, Object> petal = run.getMap("data_drift.columns.'input[2]'");
      assertThat(petal).containsEntry("method", "ks").containsEntry("drifted", true).containsEntry("threshold", 0.05f);
      assertThat(((Number) petal.get("p_value")).doubleValue()).isLessThan(0.05);
      assertThat(petal).containsKey("statistic");
      assertThat(run.getMap("data_drift.columns.'input[0]'")).containsEntry("drifted", false);
      assertThat(run.getMap("prediction_drift.columns")).containsOnlyKeys("label");
      assertThat(run.getInt("performance.labelled")).isEqualTo(200);
      assertThat(run.getInt("performance.unlabelled")).isEqualTo(100);
      assertThat(run.getInt("feedback.matched")).as("joined by the run, not when posted").isEqualTo(200);
      assertThat(run.getInt("feedback.unmatched")).as("never-captured, and any other test's").isPositive();
      assertThat(run.getFloat("performance.multiclass.accuracy")).isEqualTo(1.0f);
      assertThat(run.getList("alerts.check")).containsExactly("column_drift");
      assertThat(run.getList("slices.metric")).isNotEmpty().containsOnly("error_rate");
      String runId = run.getString("run_id");

      given().get("/api/v1/monitors/" + id + "/runs").then().statusCode(200).body("runs", hasSize(1))
          .body("runs[0].run_id", equalTo(runId)).body("runs[0].alerts", equalTo(1));
      given().get("/api/v1/monitors/" + id + "/runs?max_results=0").then().statusCode(400)
          .body("detail", containsString("max_results"));
      given().get("/api/v1/monitors/" + id + "/runs/" + runId).then().statusCode(200)
          .body("data_drift.columns.'input[2]'.method", equalTo("ks"));
      given().get("/api/v1/monitors/" + id + "/drift?column=input[2]").then().statusCode(200)
          .body("points", hasSize(1)).body("points[0].run_id", equalTo(runId))
          .body("points[0].columns.'input[2]'.method", equalTo("ks"));
      given().get("/api/v1/monitors/" + id + "/runs/" + runId + "/distributions/input[2]").then().statusCode(200)
          .body("kind", equalTo("numeric")).body("bins", hasSize(20));
      given().get("/api/v1/monitors/" + id + "/runs/" + runId + "/report.html").then().statusCode(200)
          .contentType(containsString("text/html")).body(containsString("<td>input[2]</td><td>ks</td>"))
          .body(containsString("<svg"));
      given().get("/api/v1/monitors/" + id + "/alerts").then().statusCode(200)
          .body("alerts[0].column", equalTo("input[2]"))
          .body("alerts[0].link", equalTo("/api/v1/monitors/" + id + "/runs/" + runId));

      for (int i = 0; i < 100 && deliveries.isEmpty(); i++) {
        TimeUnit.MILLISECONDS.sleep(50);
      }
      assertThat(deliveries).hasSize(1);
      assertThat(deliveries.getFirst()[0]).isEqualTo("monitor.alert");
      assertThat(deliveries.getFirst()[1]).startsWith("sha256=");
      assertThat(deliveries.getFirst()[2]).contains("\"check\":\"column_drift\"").contains(runId);
      given().delete("/api/v1/webhooks/" + hook).then().statusCode(204);
    } finally {
      receiver.stop(0);
    }
  }

  @Test
  void everyProblemOfAMonitorIsNamedInOneAnswer() {
    given().contentType(ContentType.JSON).body("{\"model\": \"demo\", \"window\": \"soon\", \"task\": \"ranking\","
        + " \"reference\": {\"rows\": []}, \"checks\": {\"performance\": {\"auc\": {\"min\": 0.7}}}}")
        .post("/api/v1/monitors").then().statusCode(400)
        .body("detail", containsString("reference.rows must be a non-empty array"))
        .body("detail", containsString("window must be"))
        .body("detail", containsString("task: unknown task 'ranking'"))
        .body("detail", containsString("checks.performance.auc is not a metric"));
    given().contentType(ContentType.JSON).body("{\"model\": \"nosuch\", \"reference\": {\"rows\": [{\"a\": 1}]}}")
        .post("/api/v1/monitors").then().statusCode(404).body("detail", containsString("nosuch"));
    given().contentType(ContentType.JSON).body("{\"model\": \"demo\", \"task\": \"regression\", \"prediction\":"
        + " \"score\", \"reference\": {\"rows\": [{\"input[0]\": 1}]}}")
        .post("/api/v1/monitors").then().statusCode(400)
        .body("detail", containsString("'score' is not an output of demo version 1"));
    given().contentType(ContentType.JSON).body("{\"model\": \"demo\", \"reference\": {\"uri\":"
        + " \"s3://pier-monitoring/absent.csv\"}}").post("/api/v1/monitors").then().statusCode(400)
        .body("detail", containsString("does not exist"));
    given().get("/api/v1/monitors/nosuch").then().statusCode(404);
    given().post("/api/v1/monitors/nosuch/runs").then().statusCode(404);
  }

  @Test
  void aMonitorIsChangedByPatchAndGoneAfterDelete() {
    String id = create("{\"model\": \"demo\", \"reference\": {\"rows\": " + reference(20, 2) + "}}");
    given().contentType(ContentType.JSON).body("{\"schedule\": \"rate(1 hour)\", \"window\": \"2h\"}")
        .patch("/api/v1/monitors/" + id).then().statusCode(200).body("schedule", equalTo("rate(1 hour)"))
        .body("window", equalTo("PT2H"));
    given().contentType(ContentType.JSON).body("{\"model\": \"other\", \"schedule\": \"hourly\"}")
        .patch("/api/v1/monitors/" + id).then().statusCode(400)
        .body("detail", containsString("model cannot change")).body("detail", containsString("schedule:"));
    given().delete("/api/v1/monitors/" + id).then().statusCode(204);
    given().get("/api/v1/monitors/" + id).then().statusCode(404);
  }

  @Test
  void feedbackNamesEveryBadItemAndIsReadFromAFileInS3() {
    given().contentType(ContentType.JSON).body("{\"items\": [{\"request_id\": \"a\", \"label\": 1},"
        + " {\"request_id\": \"b\", \"label\": [1]}, {\"label\": 2}]}").post("/api/v1/feedback").then()
        .statusCode(400).body("detail", containsString("items[1].label must be a number, string or boolean"))
        .body("detail", containsString("items[2].request_id (or prediction_id) is required"));
    aws.s3().putObject(b -> b.bucket(BUCKET).key("labels/day1.csv"),
        RequestBody.fromString("request_id,row,label\nr-1,0,1\nr-2,0,0\nr-3,1,1\n"));
    given().contentType(ContentType.JSON).body("{\"uri\": \"s3://" + BUCKET + "/labels/day1.csv\"}")
        .post("/api/v1/feedback").then().statusCode(200).body("accepted", equalTo(3));
  }

  @Test
  void profilesAreListedPerHourOfAVersion() {
    given().get("/api/v1/profiles/demo/production?from=2026-12-01T00:00:00Z&to=2026-12-01T06:00:00Z").then()
        .statusCode(200).body("model", equalTo("demo")).body("version", equalTo(1)).body("hours", hasSize(0));
    given().get("/api/v1/profiles/demo/1?from=yesterday").then().statusCode(400)
        .body("detail", containsString("from must be an ISO-8601 time"));
    given().get("/api/v1/profiles/nosuch/1").then().statusCode(404);
  }
}
