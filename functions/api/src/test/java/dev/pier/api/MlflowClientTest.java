package dev.pier.api;

import dev.pier.kernel.aws.AwsClients;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.net.URL;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mlflow.api.proto.ModelRegistry.ModelVersion;
import org.mlflow.api.proto.Service.Metric;
import org.mlflow.api.proto.Service.Param;
import org.mlflow.api.proto.Service.Run;
import org.mlflow.api.proto.Service.RunInfo;
import org.mlflow.api.proto.Service.RunStatus;
import org.mlflow.api.proto.Service.RunTag;
import org.mlflow.api.proto.Service.ViewType;
import org.mlflow.tracking.MlflowClient;
import org.mlflow.tracking.MlflowHttpException;
import software.amazon.awssdk.core.sync.RequestBody;

/** Pier's MLflow-compatible endpoints, driven by the official MLflow Java client. */
@QuarkusTest
class MlflowClientTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String IRIS_ROW =
      "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[6.3,2.9,5.6,1.8]}]}";

  @TestHTTPResource("/") URL base;
  @Inject AwsClients aws;
  private MlflowClient mlflow;

  @BeforeEach
  void connect() {
    mlflow = new MlflowClient(base.toString().replaceAll("/$", ""));
  }

  @AfterEach
  void close() {
    mlflow.close();
  }

  private static String fresh(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  @Test
  void logsParamsMetricsAndBatchesAndReadsTheMetricHistory() {
    String experimentId = mlflow.createExperiment(fresh("exp"));
    assertThat(mlflow.getExperiment(experimentId).getExperimentId()).isEqualTo(experimentId);
    RunInfo info = mlflow.createRun(experimentId);
    String runId = info.getRunId();
    mlflow.logParam(runId, "alpha", "0.5");
    mlflow.logMetric(runId, "rmse", 0.9, 1000, 0);
    mlflow.logMetric(runId, "rmse", 0.7, 1001, 2);
    mlflow.logMetric(runId, "rmse", 0.8, 1002, 1); // logged last, but step 2 stays the latest
    mlflow.setTag(runId, "team", "fraud");
    mlflow.logBatch(runId,
        List.of(Metric.newBuilder().setKey("auc").setValue(0.93).setTimestamp(1003).setStep(0).build()),
        List.of(Param.newBuilder().setKey("depth").setValue("6").build()),
        List.of(RunTag.newBuilder().setKey("stage").setValue("dev").build()));
    mlflow.setTerminated(runId, RunStatus.FINISHED, 2000);

    Run run = mlflow.getRun(runId);
    assertThat(run.getInfo().getStatus()).isEqualTo(RunStatus.FINISHED);
    assertThat(run.getInfo().getEndTime()).isEqualTo(2000);
    assertThat(run.getData().getParamsList()).extracting(Param::getKey).containsExactlyInAnyOrder("alpha", "depth");
    assertThat(run.getData().getMetricsList()).filteredOn(m -> m.getKey().equals("rmse"))
        .singleElement().satisfies(m -> assertThat(m.getValue()).isEqualTo(0.7));
    assertThat(run.getData().getTagsList()).extracting(RunTag::getKey).contains("team", "stage");
    assertThat(mlflow.getMetricHistory(runId, "rmse")).extracting(Metric::getStep).containsExactly(0L, 1L, 2L);
  }

  @Test
  void changingALoggedParamIsRefusedWithMlflowsErrorCode() {
    String runId = mlflow.createRun(mlflow.createExperiment(fresh("exp"))).getRunId();
    mlflow.logParam(runId, "alpha", "0.5");
    assertThatThrownBy(() -> mlflow.logParam(runId, "alpha", "0.6"))
        .isInstanceOf(MlflowHttpException.class)
        .satisfies(e -> {
          assertThat(((MlflowHttpException) e).getStatusCode()).isEqualTo(400);
          assertThat(((MlflowHttpException) e).getBodyMessage()).contains("INVALID_PARAMETER_VALUE");
        });
  }

  @Test
  void searchesRunsWithMlflowsFilterSyntaxAndOrder() {
    String name = fresh("exp");
    String experimentId = mlflow.createExperiment(name);
    assertThat(mlflow.getExperimentByName(name)).hasValueSatisfying(e ->
        assertThat(e.getExperimentId()).isEqualTo(experimentId));
    for (double rmse : new double[] {0.3, 0.6, 0.9}) {
      String runId = mlflow.createRun(experimentId).getRunId();
      mlflow.logMetric(runId, "rmse", rmse);
      mlflow.logParam(runId, "model", rmse < 0.5 ? "forest" : "mlp");
    }
    var page = mlflow.searchRuns(List.of(experimentId), "metrics.rmse > 0.5 and params.model = 'mlp'",
        ViewType.ACTIVE_ONLY, 10, List.of("metrics.rmse DESC"));
    assertThat(page.getItems()).extracting(r -> r.getData().getMetricsList().get(0).getValue())
        .containsExactly(0.9, 0.6);
    assertThat(mlflow.searchExperiments("name = '" + name + "'").getItems()).hasSize(1);
  }

  @Test
  void registersAnS3SourcedVersionThatServesAndReportsItsDownloadUri() throws Exception {
    var s3 = aws.s3();
    String bucket = "mlflow-runs";
    try {
      s3.createBucket(b -> b.bucket(bucket));
    } catch (RuntimeException e) {
      // already there from another test
    }
    String prefix = "1/" + UUID.randomUUID() + "/artifacts/model/";
    s3.putObject(b -> b.bucket(bucket).key(prefix + "MLmodel"), RequestBody.fromString("flavors: {}"));
    s3.putObject(b -> b.bucket(bucket).key(prefix + "model.onnx"), RequestBody.fromFile(Fixtures.model("iris-mlp.onnx")));
    String model = fresh("mlflow");
    String runId = mlflow.createRun(mlflow.createExperiment(fresh("exp"))).getRunId();
    mlflow.logMetric(runId, "accuracy", 0.97);

    post("registered-models/create", "{\"name\":\"" + model + "\",\"description\":\"iris\"}");
    JsonNode created = post("model-versions/create", "{\"name\":\"" + model + "\",\"source\":\"s3://" + bucket + "/"
        + prefix + "\",\"run_id\":\"" + runId + "\"}");
    assertThat(created.at("/model_version/version").asText()).isEqualTo("1");
    assertThat(created.at("/model_version/pier_servable").asBoolean()).isTrue();

    ModelVersion v = mlflow.getModelVersion(model, "1");
    assertThat(v.getSource()).isEqualTo("s3://" + bucket + "/" + prefix);
    assertThat(v.getRunId()).isEqualTo(runId);
    assertThat(mlflow.getModelVersionDownloadUri(model, "1")).startsWith("s3://").contains("artifacts/sha256/");
    given().get("/api/v1/models/" + model + "/versions/1").then().statusCode(200)
        .body("metrics.accuracy", equalTo(0.97f));

    post("registered-models/alias", "{\"name\":\"" + model + "\",\"alias\":\"production\",\"version\":\"1\"}");
    given().contentType(ContentType.JSON).body(IRIS_ROW).post("/v2/models/" + model + "/infer")
        .then().statusCode(200).body("model_version", equalTo("1"));
    assertThat(mlflow.getRegisteredModel(model).getAliasesList()).extracting(a -> a.getAlias())
        .containsExactly("production");
  }

  @Test
  void aVersionWhoseSourceIsNotInS3IsRecordedButNotServable() throws Exception {
    String model = fresh("mlflow");
    post("registered-models/create", "{\"name\":\"" + model + "\"}");
    post("model-versions/create", "{\"name\":\"" + model + "\",\"source\":\"dbfs:/models/m/1\"}");
    post("model-versions/create", "{\"name\":\"" + model + "\",\"source\":\"file:///tmp/m/2\"}");
    post("model-versions/transition-stage", "{\"name\":\"" + model + "\",\"version\":\"1\",\"stage\":\"Staging\"}");
    post("model-versions/transition-stage", "{\"name\":\"" + model + "\",\"version\":\"2\",\"stage\":\"Production\"}");

    List<ModelVersion> latest = mlflow.getLatestVersions(model, List.of("Production"));
    assertThat(latest).singleElement().satisfies(v -> {
      assertThat(v.getVersion()).isEqualTo("2");
      assertThat(v.getStatusMessage()).contains("not servable");
    });
    assertThat(mlflow.getLatestVersions(model)).extracting(ModelVersion::getVersion).containsExactly("1", "2");
    assertThat(mlflow.getModelVersionDownloadUri(model, "1")).isEqualTo("dbfs:/models/m/1");
    post("registered-models/alias", "{\"name\":\"" + model + "\",\"alias\":\"production\",\"version\":\"2\"}");
    given().contentType(ContentType.JSON).body(IRIS_ROW).post("/v2/models/" + model + "/infer")
        .then().statusCode(409);
    assertThat(mlflow.searchModelVersions("name = '" + model + "'").getItems()).hasSize(2);
  }

  @Test
  void renamesUpdatesTagsAndDeletesRegisteredModels() throws Exception {
    String model = fresh("mlflow");
    String renamed = model + "-new";
    post("registered-models/create", "{\"name\":\"" + model + "\"}");
    post("registered-models/set-tag", "{\"name\":\"" + model + "\",\"key\":\"team\",\"value\":\"ml\"}");
    post("model-versions/create", "{\"name\":\"" + model + "\",\"source\":\"dbfs:/x\"}");
    post("registered-models/rename", "{\"name\":\"" + model + "\",\"new_name\":\"" + renamed + "\"}");
    assertThat(mlflow.getRegisteredModel(renamed).getTagsList()).extracting(t -> t.getValue()).containsExactly("ml");
    assertThat(mlflow.getModelVersion(renamed, "1").getSource()).isEqualTo("dbfs:/x");
    mlflow.sendPatch("registered-models/update", "{\"name\":\"" + renamed + "\",\"description\":\"d\"}");
    assertThat(mlflow.getRegisteredModel(renamed).getDescription()).isEqualTo("d");
    JsonNode search = JSON.readTree(mlflow.sendGet("registered-models/search?filter="
        + java.net.URLEncoder.encode("name LIKE '" + renamed + "%'", java.nio.charset.StandardCharsets.UTF_8)));
    assertThat(search.at("/registered_models/0/name").asText()).isEqualTo(renamed);
    given().contentType(ContentType.JSON).body("{\"name\":\"" + renamed + "\"}")
        .delete("/api/2.0/mlflow/registered-models/delete").then().statusCode(200);
    given().get("/api/2.0/mlflow/registered-models/get?name=" + renamed).then().statusCode(404)
        .body("error_code", equalTo("RESOURCE_DOES_NOT_EXIST"));
  }

  @Test
  void answersMlflowErrorCodesForDuplicatesAndMissingResources() {
    String model = fresh("mlflow");
    given().contentType(ContentType.JSON).body("{\"name\":\"" + model + "\"}")
        .post("/api/2.0/mlflow/registered-models/create").then().statusCode(200);
    given().contentType(ContentType.JSON).body("{\"name\":\"" + model + "\"}")
        .post("/api/2.0/mlflow/registered-models/create").then().statusCode(400)
        .body("error_code", equalTo("RESOURCE_ALREADY_EXISTS"));
    given().get("/api/2.0/mlflow/model-versions/get?name=" + model + "&version=7").then().statusCode(404)
        .body("error_code", equalTo("RESOURCE_DOES_NOT_EXIST"));
    given().get("/api/2.0/mlflow/runs/get?run_id=nope").then().statusCode(404)
        .body("error_code", equalTo("RESOURCE_DOES_NOT_EXIST"));
    // a version of a registered model that does not exist: 404, by reference or from S3, and no model is made
    String missing = fresh("mlflow-missing");
    for (String source : new String[] {"file:///tmp/model", "dbfs:/x", "s3://pier-batch/no/such/model.onnx"}) {
      given().contentType(ContentType.JSON).body("{\"name\":\"" + missing + "\",\"source\":\"" + source + "\"}")
          .post("/api/2.0/mlflow/model-versions/create").then().statusCode(404)
          .body("error_code", equalTo("RESOURCE_DOES_NOT_EXIST"))
          .body("message", equalTo("model '" + missing + "' not found"));
    }
    given().get("/api/2.0/mlflow/registered-models/get?name=" + missing).then().statusCode(404);
    given().contentType(ContentType.JSON).body("{}").post("/api/2.0/mlflow/experiments/create")
        .then().statusCode(400).body("error_code", equalTo("INVALID_PARAMETER_VALUE"));
  }

  private JsonNode post(String path, String body) throws Exception {
    return JSON.readTree(mlflow.sendPost(path, body));
  }
}
