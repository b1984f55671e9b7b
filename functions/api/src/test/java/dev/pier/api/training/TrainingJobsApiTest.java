package dev.pier.api.training;

import dev.pier.kernel.aws.AwsClients;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Training jobs through the API on local mode's stand-ins: the bundled training state machine on the local runner,
 * XGBoost in-process, runs in Pier's MLflow tracking store, the refit model registered in Pier's registry.
 */
@QuarkusTest
class TrainingJobsApiTest {
  @Inject AwsClients aws;

  /** 300 rows, label = [x1 + x2 + noise > 1]: learnable, not perfectly; a text column that is no feature. */
  @BeforeEach
  void data() {
    Random r = new Random(42);
    StringBuilder csv = new StringBuilder("x1,x2,x3,city,label\n");
    for (int i = 0; i < 300; i++) {
      double x1 = r.nextDouble();
      double x2 = r.nextDouble();
      double x3 = r.nextDouble();
      int label = x1 + x2 + 0.3 * r.nextGaussian() > 1 ? 1 : 0;
      csv.append(String.format(Locale.ROOT, "%.4f,%.4f,%.4f,%s,%d%n", x1, x2, x3, i % 2 == 0 ? "a" : "b", label));
    }
    aws.s3().putObject(b -> b.bucket("pier-batch").key("datasets/train/rows.csv"),
        RequestBody.fromString(csv.toString()));
  }

  private static String job(String name, String extra) {
    return "{\"name\": \"" + name + "\", \"project\": \"risk\", \"dataset\": {\"uri\":"
        + " \"s3://pier-batch/datasets/train/rows.csv\", \"label\": \"label\", \"features\": [\"x1\", \"x2\", \"x3\"]},"
        + " \"algorithm\": \"xgboost\", \"params\": {\"objective\": \"binary:logistic\", \"num_round\": 20,"
        + " \"max_depth\": 3}, \"metric\": \"auc\", \"split\": {\"holdout\": 0.2}, \"cv\": {\"folds\": 3}, \"seed\": 7"
        + extra + "}";
  }

  private static void awaitStarted(String id) throws InterruptedException {
    for (int i = 0; i < 600; i++) {
      if (given().get("/api/v1/training-jobs/" + id).then().statusCode(200).extract().path("started_at") != null) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("training job " + id + " did not start");
  }

  static JsonPath awaitFinished(String id) throws InterruptedException {
    for (int i = 0; i < 1200; i++) {
      JsonPath job = given().get("/api/v1/training-jobs/" + id).then().statusCode(200).extract().jsonPath();
      if (!job.getString("state").equals("RUNNING")) {
        return job;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("training job " + id + " did not finish");
  }

  @Test
  void aJobTrainsTracksRefitsEvaluatesAndRegistersItsModelWithLineage() throws Exception {
    String id = given().contentType("application/json")
        .body(job("churn", ", \"register\": {\"model\": \"churn-model\", \"alias\": \"staging\"}"))
        .post("/api/v1/training-jobs").then().log().ifValidationFails().statusCode(201)
        .body("state", equalTo("RUNNING")).extract().path("id");
    JsonPath job = awaitFinished(id);

    assertThat(job.getString("state")).as(job.prettify()).isEqualTo("SUCCEEDED");
    assertThat(job.getInt("trials.total")).isEqualTo(1);
    assertThat(job.getInt("trials.succeeded")).isEqualTo(1);
    assertThat(job.getDouble("best.cv_mean")).isGreaterThan(0.8);
    assertThat(job.getDouble("refit.holdout_score")).isGreaterThan(0.8);
    assertThat(job.getString("dataset")).startsWith("rows@");
    assertThat(job.getDouble("cost.total_usd")).isGreaterThan(0);
    String refitRun = job.getString("refit.run_id");
    String parentRun = job.getString("parent_run_id");
    String trialRun = job.getString("trials.items[0].run_id");
    assertThat(job.getString("registered.run_id")).isEqualTo(refitRun);
    int version = job.getInt("registered.version");

    // MLflow: an experiment named after the job, the parent run, a child run per trial and for the refit
    given().get("/api/2.0/mlflow/experiments/get-by-name?experiment_name=churn").then().statusCode(200)
        .body("experiment.experiment_id", equalTo(job.getString("mlflow_experiment")));
    JsonPath trial = given().get("/api/2.0/mlflow/runs/get?run_id=" + trialRun).then().statusCode(200)
        .extract().jsonPath();
    assertThat(tag(trial, "mlflow.parentRunId")).isEqualTo(parentRun);
    assertThat(trial.getList("run.data.metrics.key")).contains("cv_auc_mean", "cv_auc_std", "cv_auc_fold_1");
    assertThat(trial.getList("run.data.params.key")).contains("max_depth", "objective");
    given().get("/api/2.0/mlflow/metrics/get-history?run_id=" + trialRun + "&metric_key=cv_auc_by_round").then()
        .statusCode(200).body("metrics.size()", equalTo(20));
    JsonPath parent = given().get("/api/2.0/mlflow/runs/get?run_id=" + parentRun).then().statusCode(200)
        .extract().jsonPath();
    assertThat(parent.getList("run.data.metrics.key")).contains("holdout_auc", "cv_auc_mean");
    assertThat(tag(parent, "pier.dataset_version")).isEqualTo(job.getString("dataset_version"));
    assertThat(parent.getString("run.info.status")).isEqualTo("FINISHED");

    // the registry: the refit run's version, its lineage naming dataset version, job and parent run, the alias moved
    given().get("/api/v1/models/churn-model/aliases/staging").then().statusCode(200).body("version", equalTo(version));
    given().get("/api/v1/models/churn-model/versions/" + version + "/lineage").then().log().ifValidationFails()
        .statusCode(200)
        .body("upstream.training_job", equalTo(id))
        .body("upstream.parent_run", equalTo(parentRun))
        .body("upstream.datasets[0].version", equalTo(job.getString("dataset_version")));
    // and it serves
    given().contentType("application/json")
        .body("{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 3], \"datatype\": \"FP32\", \"data\": [0.9, 0.9, 0.5]}]}")
        .post("/v2/models/churn-model/versions/" + version + "/infer").then().log().ifValidationFails()
        .statusCode(200);

    given().get("/api/v1/costs?project=risk").then().statusCode(200)
        .body("by_job.find { it.id == '" + id + "' }.state", equalTo("SUCCEEDED"));
  }

  private static String tag(JsonPath run, String key) {
    for (Map<String, String> t : run.<Map<String, String>>getList("run.data.tags")) {
      if (t.get("key").equals(key)) {
        return t.get("value");
      }
    }
    return null;
  }

  @Test
  void badJobsAreRefusedNamingWhatIsWrongBeforeAnythingRuns() {
    refused(job("j", "").replace("\"xgboost\"", "\"lightgbm\""), "unknown algorithm 'lightgbm'");
    refused(job("j", "").replace("\"metric\": \"auc\"", "\"metric\": \"kappa\""), "unknown metric 'kappa'");
    refused(job("j", "").replace("\"label\": \"label\"", "\"label\": \"churned\""),
        "label column 'churned' is not in dataset");
    refused(job("j", "").replace("[\"x1\", \"x2\", \"x3\"]", "[\"x1\", \"city\"]"), "feature 'city' is VARCHAR");
    refused(job("j", ", \"tuning\": {\"space\": {}}"), "tuning.space is empty");
    refused(job("j", "").replace("\"folds\": 3", "\"folds\": 500"), "cv.folds 500 is more than the 240 training rows");
    refused(job("j", "").replace("{\"uri\": \"s3://pier-batch/datasets/train/rows.csv\",", "\"no-such-set\", \"x\": {"),
        "unknown field 'x'");
    refused("{\"name\": \"j\", \"dataset\": \"no-such-set\", \"label\": \"label\"}", "unknown dataset 'no-such-set'");
    refused(job("j", "").replace("\"max_depth\": 3", "\"max_dept\": 3"), "unknown XGBoost parameter 'max_dept'");
    given().get("/api/v1/training-jobs?name=j").then().statusCode(200).body("jobs.size()", equalTo(0));
  }

  private static void refused(String body, String detail) {
    given().contentType("application/json").body(body).post("/api/v1/training-jobs").then().log().ifValidationFails()
        .statusCode(400).body("detail", containsString(detail));
  }

  @Test
  void aYamlJobFromPierTrainRunsAndACancelledJobEndsAborted() throws Exception {
    String yaml = """
        name: long-one
        project: yaml
        dataset: {uri: "s3://pier-batch/datasets/train/rows.csv", label: label}
        features: [x1, x2, x3]
        params: {objective: "binary:logistic", num_round: 200000, max_depth: 6}
        metric: logloss
        cv: {folds: 2}
        """;
    String id = given().contentType("application/yaml").body(yaml.getBytes(java.nio.charset.StandardCharsets.UTF_8)).post("/api/v1/training-jobs").then()
        .log().ifValidationFails().statusCode(201).body("spec.metric", equalTo("logloss"))
        .body("spec.dataset.features.size()", equalTo(3)).extract().path("id");
    given().post("/api/v1/training-jobs/" + id + "/cancel").then().statusCode(200).body("state", equalTo("ABORTED"));
    JsonPath job = awaitFinished(id);
    assertThat(job.getString("state")).isEqualTo("ABORTED");
    given().post("/api/v1/training-jobs/" + id + "/cancel").then().statusCode(409);
  }

  @Test
  void aSearchRunsItsTrialsInParallelBatchesAndRefitsTheBestOne() throws Exception {
    String id = given().contentType("application/json")
        .body(job("tuned", ", \"tuning\": {\"strategy\": \"tpe\", \"max_trials\": 4, \"parallel\": 2,"
            + " \"space\": {\"max_depth\": {\"type\": \"int\", \"low\": 1, \"high\": 5},"
            + " \"eta\": {\"type\": \"float\", \"low\": 0.05, \"high\": 0.5, \"log\": true}}}"))
        .post("/api/v1/training-jobs").then().log().ifValidationFails().statusCode(201).extract().path("id");
    JsonPath job = awaitFinished(id);
    assertThat(job.getString("state")).as(job.prettify()).isEqualTo("SUCCEEDED");
    assertThat(job.getInt("trials.total")).isEqualTo(4);
    java.util.List<Float> scores = job.getList("trials.items.cv_mean", Float.class);
    assertThat(job.getFloat("best.cv_mean")).isEqualTo(java.util.Collections.max(scores));
    java.util.List<Integer> depths = job.getList("trials.items.params.max_depth", Integer.class);
    assertThat(depths).allMatch(d -> d >= 1 && d <= 5);
    assertThat(job.getString("registered")).isNull();
    assertThat(job.getInt("best.trial")).isEqualTo(scores.indexOf(java.util.Collections.max(scores)));
  }

  @Test
  void aJobPastItsMaxRuntimeStopsTimedOutWithTheReasonRecorded() throws Exception {
    String id = given().contentType("application/json")
        .body(job("slow", ", \"resources\": {\"max_runtime\": \"1s\", \"spot\": true}")
            .replace("\"num_round\": 20", "\"num_round\": 500000"))
        .post("/api/v1/training-jobs").then().log().ifValidationFails().statusCode(201).extract().path("id");
    JsonPath job = awaitFinished(id);
    assertThat(job.getString("state")).as(job.prettify()).isEqualTo("TIMED_OUT");
    assertThat(job.getString("stop_reason")).isEqualTo("max_runtime");
    // the limit stops the search between trials, and a trial between rounds: none finishes (none may have started)
    assertThat(job.getList("trials.items.state")).doesNotContain("SUCCEEDED");
    assertThat(job.getList("trials.items.error")).allMatch("max_runtime passed"::equals);
    assertThat(job.getBoolean("cost.spot")).isTrue();
    given().get("/api/v1/costs?since=2999-01-01").then().statusCode(200).body("jobs", equalTo(0));
    given().get("/api/v1/costs?since=yesterday").then().statusCode(400).body("detail", containsString("since"));
  }

  @Test
  void aProjectAtItsConcurrencyLimitQueuesItsNextJobWhileOtherProjectsStart() throws Exception {
    String slow = job("busy", ", \"priority\": \"high\"").replace("\"num_round\": 20", "\"num_round\": 500000");
    java.util.List<String> ids = new java.util.ArrayList<>();
    for (String project : new String[] {"busy", "busy", "busy", "idle"}) {
      String body = slow.replace("\"risk\"", "\"" + project + "\"");
      ids.add(given().contentType("application/json")
          .body(project.equals("idle") ? body.replace("\"high\"", "\"normal\"") : body)
          .post("/api/v1/training-jobs").then().statusCode(201).extract().path("id"));
    }
    try {
      // pier.training.project-concurrency is 2 and the high lane has 2 slots: the third of "busy" waits
      given().get("/api/v1/training-jobs/" + ids.get(2)).then().statusCode(200).body("phase", equalTo("queued"))
          .body("started_at", org.hamcrest.Matchers.nullValue());
      for (int i : new int[] {0, 1, 3}) {
        awaitStarted(ids.get(i));
      }
      given().get("/api/v1/training-jobs/" + ids.get(2)).then().statusCode(200).body("phase", equalTo("queued"))
          .body("queue.position", equalTo(1)).body("queue.queued", equalTo(1)).body("queue.project", equalTo("busy"))
          .body("queue.project_limit", equalTo(2)).body("queue.project_running", equalTo(2));
      given().get("/api/v1/training-jobs/" + ids.get(0)).then().statusCode(200)
          .body("queue", org.hamcrest.Matchers.nullValue());
    } finally {
      for (int i : new int[] {2, 0, 1, 3}) { // the queued one first: a freed slot would start it
        given().post("/api/v1/training-jobs/" + ids.get(i) + "/cancel").then().statusCode(200);
      }
    }
    assertThat(awaitFinished(ids.get(2)).getString("started_at")).isNull(); // cancelled before it ever ran

    // the listing is paged by the server: two a page, the pages together the whole listing in its order
    java.util.List<String> all = given().get("/api/v1/training-jobs?project=busy").then().statusCode(200)
        .extract().jsonPath().getList("jobs.id");
    assertThat(all).contains(ids.get(0), ids.get(1), ids.get(2));
    java.util.List<String> paged = new java.util.ArrayList<>();
    String token = null;
    do {
      var page = given().queryParam("project", "busy").queryParam("max_results", 2)
          .queryParam("page_token", token == null ? "" : token).get("/api/v1/training-jobs")
          .then().statusCode(200).extract().jsonPath();
      assertThat(page.getList("jobs")).hasSizeLessThanOrEqualTo(2);
      paged.addAll(page.getList("jobs.id"));
      token = page.getString("next_page_token");
    } while (token != null);
    assertThat(paged).isEqualTo(all);
    given().get("/api/v1/training-jobs?page_token=bm9wZQ").then().statusCode(400);
  }
}
