package dev.pier.api.lambda;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.DynamoTables;
import dev.pier.registry.ArtifactStore;
import dev.pier.registry.RegistryTable;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Training's routes on the API Lambda: through the zip's HTTP path (the mock event server), checked by the route's
 * {@code @Authorize} rule, forwarded by a real Lambda {@code Invoke} to the training worker ({@link
 * TrainingWorkerStandIn}: the real worker handler behind Lambda's protocol), which validates the job as the plain
 * server does, records it in the jobs table and starts one Step Functions execution named after it (the real SDK
 * against the stand-in). A bad job is a 400 naming the problem with nothing recorded or started; cancel stops the
 * execution; the other routes still answer.
 */
@QuarkusTest
@QuarkusTestResource(value = TrainingWorkerStandIn.class, restrictToAnnotatedClass = true)
class LambdaTrainingRoutesTest {
  private static final String JOB = """
      {"name": "NAME", "project": "lambda", "dataset": {"uri": "s3://trn-data/lambda/rows.csv", "label": "y"},
       "params": {"objective": "binary:logistic", "num_round": 3}, "metric": "METRIC",
       "split": {"holdout": 0.25}, "cv": {"folds": 3}, "seed": 1, "register": {"model": "lambda-model"}}
      """;

  @Inject AwsClients aws;

  @BeforeEach
  void worker() throws Exception {
    var dynamo = aws.dynamoDb();
    DynamoTables.createIfMissing(dynamo, "trn-jobs", DynamoTables.SINGLE_TABLE, null);
    RegistryTable.createIfMissing(dynamo, "trn-registry");
    new ArtifactStore(aws.s3(), "trn-artifacts").createBucketIfMissing();
    if (!aws.s3().listBuckets().buckets().stream().anyMatch(b -> b.name().equals("trn-data"))) {
      aws.s3().createBucket(b -> b.bucket("trn-data"));
      Random r = new Random(5);
      StringBuilder csv = new StringBuilder("a,b,y\n");
      for (int i = 0; i < 40; i++) {
        double a = r.nextDouble();
        csv.append(String.format(Locale.ROOT, "%.4f,%.4f,%d%n", a, r.nextDouble(), a > 0.5 ? 1 : 0));
      }
      aws.s3().putObject(b -> b.bucket("trn-data").key("lambda/rows.csv"), RequestBody.fromString(csv.toString()));
    }
    TrainingWorkerStandIn.use(aws, "s3://trn-data/lambda/rows.csv");
  }

  private static String job(String name, String metric) {
    return JOB.replace("NAME", name).replace("METRIC", metric);
  }

  @Test
  void aJobIsValidatedRecordedStartedReadAndCancelledThroughTheWorker() {
    Response created = given().contentType("application/json").body(job("lambda-ok", "auc"))
        .post("/api/v1/training-jobs");
    created.then().statusCode(201).body("state", equalTo("RUNNING")).body("project", equalTo("lambda"));
    String id = created.path("id");
    assertThat(created.header("Location")).endsWith("/api/v1/training-jobs/" + id);
    List<JsonNode> starts = TrainingWorkerStandIn.sfn("StartExecution").stream()
        .filter(s -> s.path("name").asText().equals(id)).toList();
    assertThat(starts).hasSize(1);
    assertThat(starts.get(0).path("stateMachineArn").asText()).isEqualTo(TrainingWorkerStandIn.MACHINE);
    assertThat(starts.get(0).path("input").asText()).isEqualTo("{\"job_id\":\"" + id + "\"}");
    // the caller travelled with the request
    JsonNode forwarded = TrainingWorkerStandIn.INVOCATIONS.get(TrainingWorkerStandIn.INVOCATIONS.size() - 1);
    assertThat(forwarded.at("/route/path").asText()).isEqualTo("/api/v1/training-jobs");
    assertThat(forwarded.at("/caller/principal").asText()).isEqualTo("local");

    given().get("/api/v1/training-jobs/" + id).then().statusCode(200).body("id", equalTo(id))
        .body("trials.items.size()", equalTo(0));
    given().queryParam("name", "lambda-ok").get("/api/v1/training-jobs").then().statusCode(200)
        .body("jobs.id", org.hamcrest.Matchers.contains(id));
    given().get("/api/v1/datasets/rows/versions").then().statusCode(200).body("versions.size()", equalTo(1));
    given().queryParam("project", "lambda").get("/api/v1/costs").then().statusCode(200)
        .body(containsString(id));

    given().post("/api/v1/training-jobs/" + id + "/cancel").then().statusCode(200).body("state", equalTo("ABORTED"));
    assertThat(TrainingWorkerStandIn.sfn("StopExecution")).extracting(s -> s.path("executionArn").asText())
        .contains(TrainingWorkerStandIn.MACHINE.replace(":stateMachine:", ":execution:") + ":" + id);
    given().post("/api/v1/training-jobs/" + id + "/cancel").then().statusCode(409);
  }

  @Test
  void aYamlJobIsAcceptedAsOnTheServer() {
    String yaml = """
        name: lambda-yaml
        project: lambda
        dataset: {uri: "s3://trn-data/lambda/rows.csv", label: y}
        params: {objective: "binary:logistic", num_round: 2}
        cv: {folds: 2}
        """;
    given().contentType("application/yaml").body(yaml.getBytes(java.nio.charset.StandardCharsets.UTF_8)).post("/api/v1/training-jobs").then().statusCode(201)
        .body("spec.metric", equalTo("auc"));
  }

  @Test
  void aBadJobIsA400NamingItAndNothingStarts() {
    int starts = TrainingWorkerStandIn.sfn("StartExecution").size();
    given().contentType("application/json").body(job("lambda-bad", "acc")).post("/api/v1/training-jobs").then()
        .statusCode(400).body(containsString("acc"));
    given().contentType("application/json")
        .body(job("lambda-bad-label", "auc").replace("\"label\": \"y\"", "\"label\": \"nope\""))
        .post("/api/v1/training-jobs").then().statusCode(400).body(containsString("label column 'nope'"));
    given().get("/api/v1/training-jobs/tj-missing").then().statusCode(404);
    assertThat(TrainingWorkerStandIn.sfn("StartExecution")).hasSize(starts);
    given().queryParam("name", "lambda-bad").get("/api/v1/training-jobs").then().statusCode(200)
        .body("jobs.size()", equalTo(0));
  }

  @Test
  void otherV1RoutesAreNotShadowed() {
    given().get("/api/v1/models/demo").then().statusCode(200);
  }
}
