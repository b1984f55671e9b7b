package dev.pier.training.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.kernel.aws.DynamoTables;
import dev.pier.registry.ArtifactStore;
import dev.pier.registry.RegistryTable;
import dev.pier.training.StandIns;
import dev.pier.batch.StepFunctionsStandIn;
import dev.pier.training.jobs.TrainingJobsTable;
import dev.pier.training.jobs.TrainingWorkerHandler;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Training's routes as the API Lambda forwards them to the training worker Lambda: through
 * {@link TrainingWorkerHandler}'s entry point (JSON in, JSON out), wired from its environment over the DynamoDB and S3
 * stand-ins, with the real Step Functions client against {@link StepFunctionsStandIn}. A valid job is recorded and
 * started as one execution named after it; every bad job is a 400 naming the problem with nothing recorded or started;
 * per-job grants hold for the forwarded caller; cancel stops the execution.
 */
class TrainingRoutesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MACHINE = "arn:aws:states:us-east-1:000000000000:stateMachine:pier-dev-training";
  private static final List<String> ADMIN = List.of("read:*", "register:*", "alias:*", "features_read:*",
      "features_write:*");

  @TempDir static Path work;
  static StandIns standIns;
  static StepFunctionsStandIn sfn;
  static TrainingWorkerHandler handler;
  static TrainingJobsTable jobs;

  @BeforeAll
  static void start() throws Exception {
    standIns = new StandIns(work.resolve("aws"));
    var dynamo = standIns.clients.dynamoDb();
    standIns.clients.s3().createBucket(b -> b.bucket("data"));
    DynamoTables.createIfMissing(dynamo, "jobs", DynamoTables.SINGLE_TABLE, null);
    RegistryTable.createIfMissing(dynamo, "registry");
    new ArtifactStore(standIns.clients.s3(), "artifacts").createBucketIfMissing();
    jobs = new TrainingJobsTable(dynamo, "jobs");
    Random r = new Random(3);
    StringBuilder csv = new StringBuilder("a,b,city,y\n");
    for (int i = 0; i < 40; i++) {
      double a = r.nextDouble();
      csv.append(String.format(Locale.ROOT, "%.4f,%.4f,%s,%d%n", a, r.nextDouble(), i % 2 == 0 ? "x" : "z",
          a > 0.5 ? 1 : 0));
    }
    standIns.clients.s3().putObject(b -> b.bucket("data").key("routes/rows.csv"),
        RequestBody.fromString(csv.toString()));
    sfn = new StepFunctionsStandIn();
    handler = new TrainingWorkerHandler(TrainingWorkerHandler.fromEnvironment(Map.of(
        "PIER_JOBS_TABLE", "jobs", "PIER_TRAINING_BUCKET", "data", "PIER_REGISTRY_TABLE", "registry",
        "PIER_ARTIFACTS_BUCKET", "artifacts", "PIER_SAGEMAKER_XGBOOST_IMAGE", "xgboost:latest",
        "PIER_TRAINING_STATE_MACHINE_ARN", MACHINE, "PIER_TRAINING_BUDGETS", "routes=0.5"),
        standIns.clients, sfn.endpoint()));
  }

  @AfterAll
  static void stop() {
    sfn.close();
    standIns.close();
  }

  private static JsonNode call(String method, String path, String body, List<String> grants, String... query)
      throws Exception {
    ObjectNode event = JSON.createObjectNode();
    ObjectNode route = event.putObject("route").put("method", method).put("path", path);
    if (body != null) {
      route.put("body", body);
    }
    ObjectNode q = route.putObject("query");
    for (int i = 0; i < query.length; i += 2) {
      q.put(query[i], query[i + 1]);
    }
    ObjectNode caller = event.putObject("caller").put("principal", "ana");
    grants.forEach(caller.putArray("grants")::add);
    var out = new ByteArrayOutputStream();
    handler.handleRequest(new ByteArrayInputStream(JSON.writeValueAsBytes(event)), out);
    return JSON.readTree(out.toByteArray());
  }

  private static String job(String name, String extra) {
    return """
        {"name": "NAME", "project": "routes", "dataset": {"uri": "s3://data/routes/rows.csv", "label": "y",
         "features": ["a", "b"]}, "params": {"objective": "binary:logistic", "num_round": 3}, "metric": "auc",
         "split": {"holdout": 0.25}, "cv": {"folds": 3}, "seed": 1,
         "register": {"model": "routes-model"}EXTRA}
        """.replace("NAME", name).replace("EXTRA", extra);
  }

  @Test
  void aJobIsValidatedRecordedAndStartedOnceThenReadAndCancelled() throws Exception {
    JsonNode created = call("POST", "/api/v1/training-jobs", job("routes-ok", ""), ADMIN);
    assertThat(created.path("status").asInt()).as(created.toString()).isEqualTo(201);
    String id = created.at("/body/id").asText();
    assertThat(id).startsWith("tj-");
    assertThat(created.path("location").asText()).isEqualTo("/api/v1/training-jobs/" + id);
    assertThat(created.at("/body/state").asText()).isEqualTo("RUNNING");
    assertThat(created.at("/body/dataset_version").asText()).hasSize(64);
    assertThat(jobs.require(id).spec().metric()).isEqualTo("auc");

    List<JsonNode> starts = sfn.calls("StartExecution").stream()
        .filter(s -> s.path("name").asText().equals(id)).toList();
    assertThat(starts).hasSize(1);
    assertThat(starts.get(0).path("stateMachineArn").asText()).isEqualTo(MACHINE);
    assertThat(starts.get(0).path("input").asText()).isEqualTo("{\"job_id\":\"" + id + "\"}");

    JsonNode one = call("GET", "/api/v1/training-jobs/" + id, null, List.of("read:routes-model"));
    assertThat(one.path("status").asInt()).isEqualTo(200);
    assertThat(one.at("/body/id").asText()).isEqualTo(id);
    assertThat(one.at("/body/trials/items").isArray()).isTrue();
    JsonNode listed = call("GET", "/api/v1/training-jobs", null, List.of("read:routes-*"), "name", "routes-ok");
    assertThat(listed.at("/body/jobs")).extracting(j -> j.path("id").asText()).containsExactly(id);
    // another model's reader sees no such job
    assertThat(call("GET", "/api/v1/training-jobs/" + id, null, List.of("read:other")).path("status").asInt())
        .isEqualTo(404);
    assertThat(call("GET", "/api/v1/training-jobs", null, List.of("read:other"), "name", "routes-ok")
        .at("/body/jobs")).isEmpty();

    JsonNode datasets = call("GET", "/api/v1/datasets", null, ADMIN);
    assertThat(datasets.at("/body/datasets")).extracting(d -> d.path("name").asText()).contains("rows");
    JsonNode versions = call("GET", "/api/v1/datasets/rows/versions", null, ADMIN);
    assertThat(versions.at("/body/versions/0/version").asText()).isEqualTo(jobs.require(id).datasetVersion());
    JsonNode costs = call("GET", "/api/v1/costs", null, ADMIN, "project", "routes");
    assertThat(costs.path("status").asInt()).as(costs.toString()).isEqualTo(200);
    assertThat(costs.toString()).contains(id);

    JsonNode cancelled = call("POST", "/api/v1/training-jobs/" + id + "/cancel", null, ADMIN);
    assertThat(cancelled.path("status").asInt()).isEqualTo(200);
    assertThat(cancelled.at("/body/state").asText()).isEqualTo("ABORTED");
    assertThat(sfn.calls("StopExecution")).extracting(s -> s.path("executionArn").asText())
        .contains("arn:aws:states:us-east-1:000000000000:execution:pier-dev-training:" + id);
    assertThat(call("POST", "/api/v1/training-jobs/" + id + "/cancel", null, ADMIN).path("status").asInt())
        .isEqualTo(409);
  }

  @Test
  void aBadJobIsA400NamingItWithNothingRecordedOrStarted() throws Exception {
    Map<String, String> bad = Map.of(
        job("routes-bad-metric", "").replace("\"auc\"", "\"acc\""), "acc",
        job("routes-bad-label", "").replace("\"label\": \"y\"", "\"label\": \"target\""), "label column 'target'",
        job("routes-bad-folds", "").replace("\"folds\": 3", "\"folds\": 50"), "cv.folds 50",
        job("routes-bad-feature", "").replace("[\"a\", \"b\"]", "[\"a\", \"city\"]"), "feature 'city'",
        job("routes-bad-space", ", \"tuning\": {\"strategy\": \"random\", \"max_trials\": 2, \"space\": {}}"),
        "space",
        job("routes-bad-algorithm", "").replace("\"metric\"", "\"algorithm\": \"catboost\", \"metric\""),
        "catboost");
    int startsBefore = sfn.calls("StartExecution").size();
    for (var e : bad.entrySet()) {
      JsonNode answer = call("POST", "/api/v1/training-jobs", e.getKey(), ADMIN);
      assertThat(answer.path("status").asInt()).as(answer.toString()).isEqualTo(400);
      assertThat(answer.path("error").asText()).as(answer.toString()).contains(e.getValue());
    }
    assertThat(sfn.calls("StartExecution")).hasSize(startsBefore);
    assertThat(jobs.list()).noneMatch(j -> j.name().startsWith("routes-bad"));
    JsonNode notJson = call("POST", "/api/v1/training-jobs", "{\"name\": ", ADMIN);
    assertThat(notJson.path("status").asInt()).isEqualTo(400);
  }

  @Test
  void theForwardedCallersGrantsDecideAsOnTheServer() throws Exception {
    JsonNode denied = call("POST", "/api/v1/training-jobs", job("routes-denied", ""), List.of("register:other"));
    assertThat(denied.path("status").asInt()).isEqualTo(403);
    assertThat(denied.path("error").asText()).contains("ana may not submit").contains("routes-model");
    assertThat(jobs.list()).noneMatch(j -> j.name().equals("routes-denied"));
    JsonNode unknown = call("GET", "/api/v1/nothing", null, ADMIN);
    assertThat(unknown.path("status").asInt()).isEqualTo(404);
  }
}
