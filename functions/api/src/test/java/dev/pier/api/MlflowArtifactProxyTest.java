package dev.pier.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.net.URL;
import java.nio.file.Files;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mlflow.api.proto.ModelRegistry.ModelVersion;
import org.mlflow.api.proto.Service.RunInfo;
import org.mlflow.tracking.MlflowClient;

/**
 * MLflow's most common flow against Pier: log a model's files through the artifact proxy, register it from
 * {@code runs:/<run_id>/model}, move it to stage Production, and have {@code /v2/models/<name>/infer} serve it.
 *
 * <p>Runs, models and stages go through MLflow's own Java client. Its artifact calls shell out to the Python
 * {@code mlflow} package, which cannot be installed here (no PyPI), so the artifact requests are the ones MLflow's
 * Python {@code HttpArtifactRepository} sends (mlflow_artifacts.proto): {@code PUT} the file to
 * {@code /api/2.0/mlflow-artifacts/artifacts/<path>}, {@code GET} it back, {@code GET …/artifacts?path=} to list,
 * with {@code <path>} the run's {@code mlflow-artifacts:/…} artifact URI made relative, as
 * {@code MlflowArtifactsRepository.resolve_uri} does.
 */
@QuarkusTest
class MlflowArtifactProxyTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String IRIS_ROW =
      "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[6.3,2.9,5.6,1.8]}]}";
  private static final String PROXY = "/api/2.0/mlflow-artifacts/artifacts";
  /** What {@code mlflow.onnx.log_model} writes as MLmodel (MLflow 2.x). */
  private static final String ONNX_MLMODEL = """
      artifact_path: model
      flavors:
        onnx:
          code: null
          data: model.onnx
          onnx_version: 1.14.0
          providers:
          - CPUExecutionProvider
        python_function:
          data: model.onnx
          loader_module: mlflow.onnx
          python_version: 3.11.2
      mlflow_version: 2.17.2
      """;

  @TestHTTPResource("/") URL base;
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

  /** A run whose artifact URI the client sees as {@code mlflow-artifacts:/…}; returns the proxy path of its root. */
  private String newRun(RunInfo[] info) {
    RunInfo run = mlflow.createRun(mlflow.createExperiment(fresh("exp")));
    info[0] = run;
    assertThat(run.getArtifactUri()).startsWith("mlflow-artifacts:/");
    return run.getArtifactUri().substring("mlflow-artifacts:/".length());
  }

  private static void upload(String path, byte[] bytes) {
    given().contentType("application/octet-stream").body(bytes).put(PROXY + "/" + path)
        .then().statusCode(200).body(equalTo("{}"));
  }

  private JsonNode post(String path, String body) throws Exception {
    return JSON.readTree(mlflow.sendPost(path, body));
  }

  @Test
  void aModelLoggedThroughTheProxyIsRegisteredFromItsRunsUriAndServedOnceInProduction() throws Exception {
    RunInfo[] run = new RunInfo[1];
    String root = newRun(run);
    byte[] onnx = Files.readAllBytes(Fixtures.model("iris-mlp.onnx"));
    upload(root + "/model/MLmodel", ONNX_MLMODEL.getBytes());
    upload(root + "/model/model.onnx", onnx);

    JsonNode listed = JSON.readTree(given().queryParam("path", root + "/model").get(PROXY).then().statusCode(200)
        .extract().asString());
    assertThat(listed.get("files")).extracting(f -> f.get("path").asText() + ":" + f.get("is_dir").asBoolean() + ":"
        + f.get("file_size").asLong())
        .containsExactly("MLmodel:false:" + ONNX_MLMODEL.getBytes().length, "model.onnx:false:" + onnx.length);
    JsonNode top = JSON.readTree(given().queryParam("path", root).get(PROXY).asString());
    assertThat(top.at("/files/0/path").asText()).isEqualTo("model");
    assertThat(top.at("/files/0/is_dir").asBoolean()).isTrue();
    assertThat(top.at("/files/0").has("file_size")).isFalse();
    JsonNode runList = JSON.readTree(mlflow.sendGet("artifacts/list?run_id=" + run[0].getRunId() + "&path=model"));
    assertThat(runList.get("root_uri").asText()).isEqualTo(run[0].getArtifactUri());
    assertThat(runList.get("files")).extracting(f -> f.get("path").asText())
        .containsExactly("model/MLmodel", "model/model.onnx");
    assertThat(given().get(PROXY + "/" + root + "/model/model.onnx").then().statusCode(200)
        .header("Content-Disposition", containsString("model.onnx")).extract().asByteArray()).isEqualTo(onnx);

    String model = fresh("churn");
    post("registered-models/create", "{\"name\":\"" + model + "\"}");
    JsonNode created = post("model-versions/create", "{\"name\":\"" + model + "\",\"source\":\"runs:/"
        + run[0].getRunId() + "/model\"}");
    assertThat(created.at("/model_version/pier_servable").asBoolean()).as(created.toString()).isTrue();
    assertThat(created.at("/model_version/run_id").asText()).isEqualTo(run[0].getRunId());
    given().contentType(ContentType.JSON).body(IRIS_ROW).post("/v2/models/" + model + "/infer")
        .then().statusCode(404); // no stage, no alias: nothing serves yet

    post("model-versions/transition-stage", "{\"name\":\"" + model + "\",\"version\":\"1\",\"stage\":\"Production\","
        + "\"archive_existing_versions\":false}");

    List<ModelVersion> production = mlflow.getLatestVersions(model, List.of("Production"));
    assertThat(production).singleElement().satisfies(v -> {
      assertThat(v.getVersion()).isEqualTo("1");
      assertThat(v.getCurrentStage()).isEqualTo("Production");
      assertThat(v.getAliasesList()).containsExactly("production");
    });
    given().contentType(ContentType.JSON).body(IRIS_ROW).post("/v2/models/" + model + "/infer")
        .then().statusCode(200).body("model_version", equalTo("1"));

    post("model-versions/transition-stage", "{\"name\":\"" + model + "\",\"version\":\"1\",\"stage\":\"Archived\"}");
    assertThat(mlflow.getRegisteredModel(model).getAliasesList()).isEmpty();
    given().contentType(ContentType.JSON).body(IRIS_ROW).post("/v2/models/" + model + "/infer")
        .then().statusCode(404);
  }

  @Test
  void anMlflowArtifactsSourceWithAnXgboostFlavorIsServedFromStaging() throws Exception {
    String root = newRun(new RunInfo[1]);
    upload(root + "/booster/MLmodel", """
        flavors:
          python_function:
            data: model.ubj
            loader_module: mlflow.xgboost
          xgboost:
            code: null
            data: model.ubj
            model_class: xgboost.core.Booster
            model_format: ubj
            xgb_version: 2.0.3
        """.getBytes());
    upload(root + "/booster/model.ubj", Files.readAllBytes(Fixtures.model("iris-xgboost.ubj")));
    String model = fresh("xgb");
    post("registered-models/create", "{\"name\":\"" + model + "\"}");

    JsonNode created = post("model-versions/create", "{\"name\":\"" + model + "\",\"source\":\"mlflow-artifacts:/"
        + root + "/booster\"}");
    assertThat(created.at("/model_version/pier_servable").asBoolean()).as(created.toString()).isTrue();
    post("model-versions/transition-stage", "{\"name\":\"" + model + "\",\"version\":\"1\",\"stage\":\"Staging\"}");

    given().get("/v2/models/" + model + "/versions/staging").then().statusCode(200)
        .body("platform", equalTo("xgboost"));
  }

  /** Registers {@code source} as version 1 of a new model, checks it is servable and infers the iris reference. */
  private JsonNode registerAndInfer(String source, String reference) throws Exception {
    String model = fresh("flavor");
    post("registered-models/create", "{\"name\":\"" + model + "\"}");
    JsonNode created = post("model-versions/create", "{\"name\":\"" + model + "\",\"source\":\"" + source + "\"}");
    assertThat(created.at("/model_version/pier_servable").asBoolean()).as(created.toString()).isTrue();
    post("model-versions/transition-stage", "{\"name\":\"" + model + "\",\"version\":\"1\",\"stage\":\"Production\"}");
    String answer = given().contentType(ContentType.JSON).body(Fixtures.irisRequest(Fixtures.reference(reference)))
        .post("/v2/models/" + model + "/infer").then().statusCode(200).extract().asString();
    return JSON.readTree(answer);
  }

  /** The labels an answer gives, against the reference's. */
  private static void assertLabels(JsonNode answer, String reference) {
    JsonNode label = null;
    for (JsonNode o : answer.get("outputs")) {
      if (o.get("name").asText().equals("label")) {
        label = o.get("data");
      }
    }
    assertThat(label).as(answer.toString()).isNotNull();
    assertThat(label.toString()).isEqualTo(Fixtures.reference(reference).get("label").toString());
  }

  @Test
  void aTorchScriptModelLoggedWithThePytorchFlavorServesWithItsMlmodelSignature() throws Exception {
    RunInfo[] run = new RunInfo[1];
    String root = newRun(run);
    upload(root + "/model/MLmodel", """
        flavors:
          python_function:
            data: data
            loader_module: mlflow.pytorch
          pytorch:
            code: null
            model_data: data
            pytorch_version: 2.1.0
        signature:
          inputs: '[{"name": "input", "type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 4]}}]'
          outputs: '[{"name": "probabilities", "type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 3]}},
            {"name": "label", "type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]'
        """.getBytes());
    upload(root + "/model/data/model.pth", Files.readAllBytes(Fixtures.model("iris-torch.pt")));

    assertLabels(registerAndInfer("runs:/" + run[0].getRunId() + "/model", "iris-torch"), "iris-torch");
  }

  @Test
  void aSavedModelLoggedWithTheTensorflowFlavorIsZippedAndServed() throws Exception {
    RunInfo[] run = new RunInfo[1];
    String root = newRun(run);
    upload(root + "/model/MLmodel", """
        flavors:
          python_function:
            loader_module: mlflow.tensorflow
          tensorflow:
            code: null
            model_type: tf2-module
            saved_model_dir: tf2model
        """.getBytes());
    try (var zip = new java.util.zip.ZipFile(Fixtures.model("iris-tf.zip").toFile())) {
      for (var e : java.util.Collections.list(zip.entries())) {
        if (!e.isDirectory()) {
          upload(root + "/model/tf2model/" + e.getName(), zip.getInputStream(e).readAllBytes());
        }
      }
    }

    assertLabels(registerAndInfer("runs:/" + run[0].getRunId() + "/model", "iris-tf"), "iris-tf");
  }

  @Test
  void aDirectoryWhoseFlavorsPierDoesNotServeIsRecordedNamingThem() throws Exception {
    String root = newRun(new RunInfo[1]);
    upload(root + "/sk/MLmodel", """
        flavors:
          python_function:
            loader_module: mlflow.sklearn
          sklearn:
            pickled_model: model.pkl
        """.getBytes());
    upload(root + "/sk/model.pkl", new byte[] {(byte) 0x80, 4, '.'});
    String model = fresh("sk");
    post("registered-models/create", "{\"name\":\"" + model + "\"}");

    JsonNode created = post("model-versions/create", "{\"name\":\"" + model + "\",\"source\":\"mlflow-artifacts:/"
        + root + "/sk\"}");

    assertThat(created.at("/model_version/pier_servable").asBoolean()).isFalse();
    assertThat(created.at("/model_version/status_message").asText()).contains("[python_function, sklearn]");
  }

  @Test
  void aRunsSourceNamingNoRunIsA400() {
    String model = fresh("ghost");
    given().contentType(ContentType.JSON).body("{\"name\":\"" + model + "\"}")
        .post("/api/2.0/mlflow/registered-models/create").then().statusCode(200);
    given().contentType(ContentType.JSON).body("{\"name\":\"" + model + "\",\"source\":\"runs:/nosuchrun/model\"}")
        .post("/api/2.0/mlflow/model-versions/create").then().statusCode(400)
        .body("error_code", equalTo("INVALID_PARAMETER_VALUE"))
        .body("message", containsString("nosuchrun"));
  }

  @Test
  void missingArtifactsAndUnsafePathsAnswerInMlflowsErrorFormat() {
    String root = newRun(new RunInfo[1]);
    given().get(PROXY + "/" + root + "/nothing/here.bin").then().statusCode(404)
        .body("error_code", equalTo("RESOURCE_DOES_NOT_EXIST"));
    given().urlEncodingEnabled(false).contentType("application/octet-stream").body(new byte[] {1})
        .put(PROXY + "/" + root + "/a%5Cb") // a backslash, sent encoded as a client would
        .then().statusCode(400).body("error_code", equalTo("INVALID_PARAMETER_VALUE"))
        .body("message", containsString("invalid artifact path"));
    given().queryParam("path", "../other").get(PROXY).then().statusCode(400);
    given().queryParam("path", root + "/empty").get(PROXY).then().statusCode(200).body(equalTo("{}"));
  }

  @Test
  void aDeletedArtifactIsGone() {
    String root = newRun(new RunInfo[1]);
    upload(root + "/plots/roc.png", new byte[] {1, 2, 3});
    upload(root + "/plots/pr.png", new byte[] {4, 5});

    given().delete(PROXY + "/" + root + "/plots").then().statusCode(200);

    given().get(PROXY + "/" + root + "/plots/roc.png").then().statusCode(404);
    given().queryParam("path", root).get(PROXY).then().statusCode(200).body(equalTo("{}"));
  }

  @Test
  void anArtifactLargerThanTheJsonBodyLimitStreamsThroughWithoutALength() throws Exception {
    String root = newRun(new RunInfo[1]);
    byte[] big = new byte[3 * 1024 * 1024]; // over pier.limits.control-body-bytes (1 MiB)
    new java.util.Random(7).nextBytes(big);

    given().contentType("application/octet-stream").body(new java.io.ByteArrayInputStream(big)) // chunked
        .put(PROXY + "/" + root + "/weights.bin").then().statusCode(200);

    assertThat(given().get(PROXY + "/" + root + "/weights.bin").then().statusCode(200).extract().asByteArray())
        .isEqualTo(big);
  }

  @Test
  void loggedModelsAreRecordedOnTheRunAsMlflowsLogModelHistory() throws Exception {
    RunInfo[] run = new RunInfo[1];
    newRun(run);
    String id = run[0].getRunId();
    for (String path : List.of("model", "model-2")) {
      String modelJson = JSON.writeValueAsString(java.util.Map.of("artifact_path", path, "run_id", id,
          "utc_time_created", "2026-12-06 23:00:00.000000", "flavors", java.util.Map.of("onnx",
              java.util.Map.of("data", "model.onnx"))));
      mlflow.sendPost("runs/log-model", JSON.writeValueAsString(java.util.Map.of("run_id", id,
          "model_json", modelJson)));
    }

    String history = mlflow.getRun(id).getData().getTagsList().stream()
        .filter(t -> t.getKey().equals("mlflow.log-model.history")).findFirst().orElseThrow().getValue();
    assertThat(JSON.readTree(history)).extracting(m -> m.get("artifact_path").asText())
        .containsExactly("model", "model-2");
    given().contentType(ContentType.JSON).body("{\"run_id\":\"" + id + "\",\"model_json\":\"{}\"}")
        .post("/api/2.0/mlflow/runs/log-model").then().statusCode(400)
        .body("message", containsString("missing mandatory fields"));
  }
}
