package dev.pier.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * The data the features, monitoring, experiments, training and latency views show, made through Pier's public API as
 * a user would: a feature view with pushed rows (online and offline) and a model version that uses it; a monitored
 * iris classifier with captured predictions, ground truth and two runs; an experiment with exposures, conversions and
 * an analysis; a small training job over the pushed offline rows. Sizes are small so the whole set is made in
 * seconds; the numbers the tests check are computed here from what was sent.
 */
final class InsightData {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Path MODELS = Path.of("..").toAbsolutePath().normalize().resolve("tests/fixtures/models");

  /** Model names unique to this class, so the other console tests' data never mixes with it. */
  static final String MONITORED = "con2-iris";
  static final String FEATURE_MODEL = "con2-eta";
  static final String VIEW = "con2_driver_stats";
  static final String SERVICE = "con2_activity";
  static final String TRAINED = "con2-churn";

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final String base;
  private final String apiKey;

  /** Calls the server at {@code base} with this API key ({@code X-Api-Key}; the console tests' server runs --auth). */
  InsightData(String base, String apiKey) {
    this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    this.apiKey = apiKey;
  }

  // ---- what the tests check ----

  String monitorId;
  int windowRows;
  int correct;
  int labelled;
  String experimentId;
  int controlUnits;
  int treatmentUnits;
  int controlConversions;
  int treatmentConversions;
  String trainingJobId;
  JsonNode trainingJob;
  int drivers;
  String materialization;

  /** Two versions of the iris MLP, alias production on version 1. */
  void registerModels() throws Exception {
    register(MONITORED, "iris-mlp.onnx", "{\"framework\":\"onnx\"}");
    register(MONITORED, "iris-mlp-v2.onnx", "{\"framework\":\"onnx\"}");
    send("PUT", "/api/v1/models/" + MONITORED + "/aliases/production", "{\"version\": 1}", 200);
  }

  /**
   * A feature view fed by a push source, {@code drivers} rows pushed online and offline, an online read (for the
   * freshness and lookup metrics), and a model version registered with the view's feature service.
   */
  void featureView() throws Exception {
    String definitions = """
        {"entities": [{"name": "con2_driver", "join_keys": ["driver_id"], "value_type": "INT64"}],
         "sources": [{"name": "con2_stats", "kind": "parquet", "path": "s3://pier-batch/con2-features/",
                      "timestamp_field": "event_timestamp"},
                     {"name": "con2_push", "kind": "push", "batch_source": "con2_stats"}],
         "feature_views": [{"name": "%s", "entities": ["con2_driver"], "ttl": "1d", "source": "con2_push",
                            "online": true, "owner": "ops@example.com", "tags": {"team": "con2"},
                            "description": "Hourly driver statistics for the console test",
                            "schema": [{"name": "conv_rate", "dtype": "FLOAT64"}, {"name": "trips", "dtype": "INT64"},
                                       {"name": "churned", "dtype": "INT64"}]}],
         "feature_services": [{"name": "%s", "features": ["%s"]}]}
        """.formatted(VIEW, SERVICE, VIEW);
    send("POST", "/api/v1/features/apply", definitions, 200);
    drivers = 60;
    ObjectNode push = JSON.createObjectNode().put("push_source_name", "con2_push").put("to", "online_and_offline");
    ObjectNode df = push.putObject("df");
    ArrayNode ids = df.putArray("driver_id");
    ArrayNode rates = df.putArray("conv_rate");
    ArrayNode trips = df.putArray("trips");
    ArrayNode churned = df.putArray("churned");
    ArrayNode times = df.putArray("event_timestamp");
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    for (int i = 0; i < drivers; i++) {
      double rate = ((i * 37) % 100) / 100.0;
      int t = (i * 13) % 20;
      ids.add(1000 + i);
      rates.add(rate);
      trips.add(t);
      churned.add(rate + t / 20.0 > 1 ? 1 : 0);
      times.add(now);
    }
    send("POST", "/push", push.toString(), 200);
    send("POST", "/get-online-features", "{\"feature_service\": \"" + SERVICE
        + "\", \"entities\": {\"driver_id\": [1000, 1001, 99999]}}", 200);
    register(FEATURE_MODEL, "iris-mlp.onnx", "{\"framework\":\"onnx\",\"feature_service\":\"" + SERVICE + "\"}");
    Instant start = Instant.now().minus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
    materialization = send("POST", "/api/v1/features/materialize", "{\"start\": \"" + start + "\", \"end\": \""
        + start.plus(1, ChronoUnit.DAYS).plus(1, ChronoUnit.HOURS) + "\"}", 202).get("id").asText();
  }

  /** Waits (at most a minute) for the materialization to succeed. */
  void awaitMaterialization() throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    JsonNode job = null;
    while (System.nanoTime() < deadline) {
      job = get("/api/v1/features/materializations/" + materialization);
      if (!job.get("state").asText().equals("RUNNING")) {
        assertThat(job.get("state").asText()).as(job.toString()).isEqualTo("SUCCEEDED");
        return;
      }
      Thread.sleep(300);
    }
    throw new AssertionError("materialization not finished in a minute: " + job);
  }

  /**
   * A monitor on {@link #MONITORED} v1 against 30 reference rows; 60 predictions whose third input is shifted up (so
   * it drifts), ground truth for 40 of them (the model's own label for the first 30, another label for the next 10),
   * and two runs.
   */
  void monitor() throws Exception {
    ArrayNode reference = JSON.createArrayNode();
    for (int i = 0; i < 30; i++) {
      double[] x = flower(i, 0);
      ObjectNode row = reference.addObject();
      for (int c = 0; c < 4; c++) {
        row.put("input[" + c + "]", x[c]);
      }
      row.put("label", i % 3);
    }
    ObjectNode monitor = JSON.createObjectNode().put("model", MONITORED).put("version", "1").put("window", "1h")
        .put("task", "multiclass_classification").put("prediction", "label");
    monitor.putObject("checks").put("column_drift", true).putObject("performance").putObject("accuracy")
        .put("min", 0.9);
    monitor.putObject("reference").set("rows", reference);
    monitorId = send("POST", "/api/v1/monitors", monitor.toString(), 201).get("id").asText();

    windowRows = 60;
    ArrayNode data = JSON.createArrayNode();
    for (int i = 0; i < windowRows; i++) {
      for (double v : flower(i, 2.5)) {
        data.add(v);
      }
    }
    String body = "{\"inputs\": [{\"name\": \"input\", \"datatype\": \"FP32\", \"shape\": [" + windowRows
        + ", 4], \"data\": " + data + "}]}";
    HttpResponse<String> answer = call("POST", "/v2/models/" + MONITORED + "/versions/1/infer", body);
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    String requestId = answer.headers().firstValue("X-Request-Id").orElseThrow();
    JsonNode labels = null;
    for (JsonNode output : JSON.readTree(answer.body()).get("outputs")) {
      if (output.get("name").asText().equals("label")) {
        labels = output.get("data");
      }
    }
    ArrayNode items = JSON.createArrayNode();
    labelled = 40;
    correct = 30;
    for (int row = 0; row < labelled; row++) {
      long predicted = labels.get(row).asLong();
      long truth = row < correct ? predicted : (predicted + 1) % 3;
      items.addObject().put("request_id", requestId).put("row", row).put("label", truth);
    }
    send("POST", "/api/v1/feedback", "{\"items\": " + items + "}", 200);
    // A few more single-row requests, so the latency views have more than one request.
    for (int i = 0; i < 5; i++) {
      call("POST", "/v2/models/" + MONITORED + "/versions/1/infer",
          "{\"inputs\": [{\"name\": \"input\", \"datatype\": \"FP32\", \"shape\": [1, 4], "
              + "\"data\": [5.1, 3.5, 1.4, 0.2]}]}");
    }
    send("POST", "/api/v1/monitors/" + monitorId + "/runs", "", 201);
    send("POST", "/api/v1/monitors/" + monitorId + "/runs", "", 201);
  }

  /** Iris-like measurements, deterministic, with the third column shifted by {@code shift}. */
  private static double[] flower(int i, double shift) {
    int kind = i % 3;
    double wobble = ((i * 7) % 10) / 20.0;
    return new double[] {5.0 + kind * 0.8 + wobble, 3.0 + wobble / 2, 1.5 + kind * 2.0 + wobble + shift,
        0.2 + kind * 0.9 + wobble / 3};
  }

  /**
   * An experiment on {@link #MONITORED}'s production alias, started; 100 control and 20 treatment exposures (a sample
   * ratio mismatch against 50/50 weights) and conversions for 10 and 6 of them; then one analysis.
   */
  void experiment() throws Exception {
    String design = """
        {"name": "con2 checkout", "hypothesis": "v2 converts better", "model": "%s", "alias": "production",
         "arms": [{"name": "control", "version": 1, "weight": 0.5}, {"name": "treatment", "version": 2, "weight": 0.5}],
         "unit": "user", "metrics": {"primary": {"name": "con2_conversion", "type": "binary"}},
         "design": {"alpha": 0.05, "power": 0.8, "mde": 0.1, "baseline": 0.1}}
        """.formatted(MONITORED);
    experimentId = send("POST", "/api/v1/experiments", design, 201).get("id").asText();
    send("POST", "/api/v1/experiments/" + experimentId + "/start", "", 200);
    controlUnits = 100;
    treatmentUnits = 20;
    controlConversions = 10;
    treatmentConversions = 6;
    Instant exposed = Instant.now().minus(2, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
    ArrayNode exposures = JSON.createArrayNode();
    ArrayNode events = JSON.createArrayNode();
    for (int i = 0; i < controlUnits + treatmentUnits; i++) {
      boolean control = i < controlUnits;
      String unit = "con2-u" + i;
      exposures.addObject().put("unit", unit).put("arm", control ? "control" : "treatment")
          .put("timestamp", exposed.toString());
      int k = control ? i : i - controlUnits;
      if (k < (control ? controlConversions : treatmentConversions)) {
        events.addObject().put("unit", unit).put("metric", "con2_conversion").put("value", 1)
            .put("timestamp", exposed.plus(30, ChronoUnit.MINUTES).toString());
      }
    }
    send("POST", "/api/v1/experiments/" + experimentId + "/exposures", "{\"items\": " + exposures + "}", 200);
    send("POST", "/api/v1/experiments/events", "{\"items\": " + events + "}", 200);
    send("POST", "/api/v1/experiments/" + experimentId + "/analyze", "", 200);
  }

  /** A training job over the view's offline rows (pushed above): 3 random trials, 2 folds, registered. */
  void startTraining() throws Exception {
    String job = """
        {"name": "con2-churn", "project": "con2",
         "dataset": {"uri": "s3://pier-batch/con2-features/", "format": "parquet"},
         "label": "churned", "features": ["conv_rate", "trips"],
         "params": {"objective": "binary:logistic", "num_round": 5}, "metric": "auc",
         "split": {"holdout": 0.2}, "cv": {"folds": 2, "kind": "kfold"},
         "tuning": {"strategy": "random", "max_trials": 3, "parallel": 1,
                    "space": {"max_depth": {"type": "int", "low": 2, "high": 4},
                              "eta": {"type": "float", "low": 0.1, "high": 0.5}}},
         "register": {"model": "%s", "alias": "staging"}, "seed": 7}
        """.formatted(TRAINED);
    trainingJobId = send("POST", "/api/v1/training-jobs", job, 201).get("id").asText();
  }

  /** Waits (at most 3 minutes) for the training job to finish; it must succeed. */
  void awaitTraining() throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    while (System.nanoTime() < deadline) {
      trainingJob = send("GET", "/api/v1/training-jobs/" + trainingJobId, null, 200);
      String state = trainingJob.get("state").asText();
      if (!state.equals("RUNNING")) {
        assertThat(state).as(trainingJob.toString()).isEqualTo("SUCCEEDED");
        return;
      }
      Thread.sleep(500);
    }
    throw new AssertionError("training job not finished in 3 minutes: " + trainingJob);
  }

  // ---- HTTP ----

  JsonNode get(String path) throws Exception {
    return send("GET", path, null, 200);
  }

  JsonNode send(String method, String path, String json, int expected) throws Exception {
    HttpResponse<String> response = call(method, path, json);
    assertThat(response.statusCode()).as(method + " " + path + ": " + response.body()).isEqualTo(expected);
    return response.body().isEmpty() ? JSON.nullNode() : JSON.readTree(response.body());
  }

  HttpResponse<String> call(String method, String path, String json) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
        .header("X-Api-Key", apiKey);
    if (json == null) {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode register(String model, String file, String metadata) throws Exception {
    String boundary = "con2" + System.nanoTime();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    List<byte[]> parts = new ArrayList<>();
    parts.add(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"metadata\"\r\n"
        + "Content-Type: application/json\r\n\r\n" + metadata + "\r\n").getBytes(StandardCharsets.UTF_8));
    parts.add(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"artifact\"; filename=\"" + file
        + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    parts.add(Files.readAllBytes(MODELS.resolve(file)));
    parts.add(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    for (byte[] p : parts) {
      body.write(p);
    }
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/api/v1/models/" + model + "/versions"))
        .header("Content-Type", "multipart/form-data; boundary=" + boundary).header("X-Api-Key", apiKey)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).timeout(Duration.ofSeconds(60)).build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("register " + model + ": " + response.body()).isEqualTo(201);
    return JSON.readTree(response.body());
  }
}
