package dev.pier.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.matchesPattern;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Registration, versions and aliases through the control plane, and what moving an alias does to serving. */
@QuarkusTest
class RegistryApiTest {
  private static final String ONNX = "{\"framework\":\"onnx\"}";
  private static final String IRIS_ROW =
      "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[6.3,2.9,5.6,1.8]}]}";

  private static String fresh() {
    return "m-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static RequestSpecification upload(String file, String metadata) {
    return given().multiPart("artifact", Fixtures.model(file).toFile()).multiPart("metadata", metadata);
  }

  private static int register(String model, String file) {
    return upload(file, ONNX).post("/api/v1/models/" + model + "/versions")
        .then().statusCode(201).extract().path("version");
  }

  private static float probability(String model, String version) {
    String path = version == null ? "/v2/models/" + model + "/infer" : "/v2/models/" + model + "/versions/" + version + "/infer";
    List<Float> p = given().contentType(ContentType.JSON).body(IRIS_ROW).post(path)
        .then().statusCode(200).extract().jsonPath().getList("outputs.find { it.name == 'probabilities' }.data", Float.class);
    return p.get(2);
  }

  @Test
  void registersAVersionWithItsDigestAndTheSignatureReadFromTheModel() {
    String model = fresh();
    upload("iris-mlp.onnx", "{\"framework\":\"onnx\",\"description\":\"first\",\"tags\":{\"team\":\"ml\"},"
        + "\"metrics\":{\"accuracy\":0.97}}")
        .post("/api/v1/models/" + model + "/versions")
        .then().statusCode(201)
        .header("Location", org.hamcrest.Matchers.endsWith("/api/v1/models/" + model + "/versions/1"))
        .body("version", equalTo(1))
        .body("framework", equalTo("onnx"))
        .body("sha256", matchesPattern("[0-9a-f]{64}"))
        .body("artifact_uri", containsString("artifacts/sha256/"))
        .body("signature.inputs[0].name", equalTo("input"))
        .body("tags.team", equalTo("ml"))
        .body("metrics.accuracy", equalTo(0.97f))
        .body("description", equalTo("first"));
    given().get("/api/v1/models/" + model).then().statusCode(200).body("latest_version", equalTo(1));
    given().get("/api/v1/models").then().statusCode(200).body("models.name", hasItem(model));
  }

  @Test
  void everyPostCreatesANewVersionEvenForIdenticalBytes() {
    String model = fresh();
    assertThat(register(model, "iris-mlp.onnx")).isEqualTo(1);
    assertThat(register(model, "iris-mlp.onnx")).isEqualTo(2);
    String sha1 = given().get("/api/v1/models/" + model + "/versions/1").then().extract().path("sha256");
    String sha2 = given().get("/api/v1/models/" + model + "/versions/2").then().extract().path("sha256");
    assertThat(sha1).isEqualTo(sha2);
    given().get("/api/v1/models/" + model + "/versions").then().statusCode(200)
        .body("versions.version", equalTo(List.of(1, 2)));
  }

  @Test
  void aRetriedPostWithTheSameIdempotencyKeyReturnsTheSameVersion() {
    String model = fresh();
    int first = upload("iris-mlp.onnx", ONNX).header("Idempotency-Key", "k-1")
        .post("/api/v1/models/" + model + "/versions").then().statusCode(201).extract().path("version");
    int again = upload("iris-mlp.onnx", ONNX).header("Idempotency-Key", "k-1")
        .post("/api/v1/models/" + model + "/versions").then().statusCode(201).extract().path("version");
    assertThat(again).isEqualTo(first);
    given().get("/api/v1/models/" + model).then().body("latest_version", equalTo(1));
  }

  @Test
  void reusingAnIdempotencyKeyForADifferentRegistrationIs422() {
    String model = fresh();
    upload("iris-mlp.onnx", ONNX).header("Idempotency-Key", "k-2").post("/api/v1/models/" + model + "/versions")
        .then().statusCode(201);
    upload("iris-mlp-v2.onnx", ONNX).header("Idempotency-Key", "k-2").post("/api/v1/models/" + model + "/versions")
        .then().statusCode(422).contentType("application/problem+json")
        .body("detail", containsString("already used for a different registration"));
  }

  @Test
  void movingProductionServesTheNewVersionAtOnceAndKeepsTheOldOneByNumber() {
    String model = fresh();
    register(model, "iris-mlp.onnx");
    given().contentType(ContentType.JSON).body("{\"version\":1}").put("/api/v1/models/" + model + "/aliases/production")
        .then().statusCode(200).body("version", equalTo(1));
    float v1 = probability(model, null);

    assertThat(register(model, "iris-mlp-v2.onnx")).isEqualTo(2);
    given().contentType(ContentType.JSON).body("{\"version\":2}").put("/api/v1/models/" + model + "/aliases/production")
        .then().statusCode(200).body("version", equalTo(2));

    given().contentType(ContentType.JSON).body(IRIS_ROW).post("/v2/models/" + model + "/infer")
        .then().statusCode(200).body("model_version", equalTo("2"));
    assertThat(probability(model, null)).isNotEqualTo(v1);
    assertThat(probability(model, "1")).isEqualTo(v1);
    given().get("/api/v1/models/" + model + "/aliases/production").then().statusCode(200).body("version", equalTo(2));
    given().get("/api/v1/models/" + model).then().body("aliases.production", equalTo(2));
  }

  @Test
  void aMissingInputIsNamed() {
    String model = fresh();
    register(model, "datatypes.onnx");
    given().contentType(ContentType.JSON)
        .body("{\"inputs\":[{\"name\":\"f64\",\"datatype\":\"FP64\",\"shape\":[1,2],\"data\":[1,2]}]}")
        .post("/v2/models/" + model + "/versions/1/infer")
        .then().statusCode(400).body("error", containsString("missing input 'i32'"));
  }

  @Test
  void everyDatatypeRoundTripsThroughOnnxRuntime() {
    String model = fresh();
    register(model, "datatypes.onnx");
    String body = """
        {"inputs":[
          {"name":"f64","datatype":"FP64","shape":[2,2],"data":[[1.5,2],[3,4]]},
          {"name":"i32","datatype":"INT32","shape":[2],"data":[-1,2147483646]},
          {"name":"flag","datatype":"BOOL","shape":[2],"data":[true,false]},
          {"name":"text","datatype":"BYTES","shape":[2],"data":["hello","wörld"]},
          {"name":"u8","datatype":"UINT8","shape":[2],"data":[0,255]},
          {"name":"i64","datatype":"INT64","shape":[2],"data":[-9223372036854775808,9223372036854775807]}]}""";
    given().contentType(ContentType.JSON).body(body).post("/v2/models/" + model + "/versions/1/infer")
        .then().statusCode(200)
        .body("outputs.find { it.name == 'f64_doubled' }.data", equalTo(List.of(3.0f, 4.0f, 6.0f, 8.0f)))
        .body("outputs.find { it.name == 'f64_doubled' }.datatype", equalTo("FP64"))
        .body("outputs.find { it.name == 'i32_plus_one' }.data", equalTo(List.of(0, 2147483647)))
        .body("outputs.find { it.name == 'flag_negated' }.data", equalTo(List.of(false, true)))
        .body("outputs.find { it.name == 'text_echo' }.data", equalTo(List.of("hello", "wörld")))
        .body("outputs.find { it.name == 'u8_echo' }.data", equalTo(List.of(0, 255)))
        .body("outputs.find { it.name == 'i64_echo' }.data",
            equalTo(List.of(Long.MIN_VALUE, Long.MAX_VALUE)));
  }

  @Test
  void anOutOfRangeIntegerIsRefused() {
    String model = fresh();
    register(model, "datatypes.onnx");
    given().contentType(ContentType.JSON)
        .body("{\"inputs\":[{\"name\":\"u8\",\"datatype\":\"UINT8\",\"shape\":[1],\"data\":[256]}]}")
        .post("/v2/models/" + model + "/versions/1/infer")
        .then().statusCode(400).body("error", containsString("data[0] must be an integer in [0, 255]"));
  }

  @Test
  void registrationWithoutAnArtifactIs400() {
    given().multiPart("metadata", ONNX).post("/api/v1/models/" + fresh() + "/versions")
        .then().statusCode(400).body("detail", containsString("'artifact'"));
  }

  @Test
  void registrationWithoutMetadataIs400() {
    given().multiPart("artifact", Fixtures.model("iris-mlp.onnx").toFile()).post("/api/v1/models/" + fresh() + "/versions")
        .then().statusCode(400).body("detail", containsString("'metadata' is required"));
  }

  @Test
  void registrationWithAnUnknownFrameworkIs400() {
    upload("iris-mlp.onnx", "{\"framework\":\"sklearn\"}").post("/api/v1/models/" + fresh() + "/versions")
        .then().statusCode(400).body("detail", containsString("metadata.framework must be one of"));
  }

  @Test
  void registrationWithAnUnknownMetadataFieldIs400() {
    upload("iris-mlp.onnx", "{\"framework\":\"onnx\",\"tgas\":{}}").post("/api/v1/models/" + fresh() + "/versions")
        .then().statusCode(400).body("detail", containsString("unknown field 'tgas'"));
  }

  @Test
  void registrationOfAFileThatIsNotOnnxIs400AndCreatesNothing() {
    String model = fresh();
    upload("README.md", ONNX).post("/api/v1/models/" + model + "/versions")
        .then().statusCode(400).body("detail", containsString("not a loadable ONNX model"));
    given().get("/api/v1/models/" + model).then().statusCode(404);
  }

  @Test
  void registrationThatIsNotMultipartIs415() {
    given().contentType(ContentType.JSON).body(ONNX).post("/api/v1/models/" + fresh() + "/versions")
        .then().statusCode(415).body("error", containsString("Content-Type"));
  }

  @Test
  void anInvalidModelNameIs400() {
    upload("iris-mlp.onnx", ONNX).post("/api/v1/models/-bad/versions")
        .then().statusCode(400).body("detail", containsString("invalid model name"));
  }

  @Test
  void anAliasCannotPointAtAMissingVersion() {
    String model = fresh();
    register(model, "iris-mlp.onnx");
    given().contentType(ContentType.JSON).body("{\"version\":5}").put("/api/v1/models/" + model + "/aliases/production")
        .then().statusCode(404).body("detail", containsString("has no version 5"));
  }

  @Test
  void anAliasBodyMustNameAPositiveVersion() {
    String model = fresh();
    register(model, "iris-mlp.onnx");
    given().contentType(ContentType.JSON).body("{\"version\":\"1\"}").put("/api/v1/models/" + model + "/aliases/staging")
        .then().statusCode(400).body("detail", containsString("positive integer"));
    given().contentType(ContentType.JSON).body("{\"version\":1}").put("/api/v1/models/" + model + "/aliases/Prod!")
        .then().statusCode(400).body("detail", containsString("invalid alias"));
  }

  @Test
  void aModelThatDoesNotExistIs404() {
    given().get("/api/v1/models/" + fresh()).then().statusCode(404).contentType("application/problem+json")
        .body("status", equalTo(404));
  }

  private static String versionFor(String model, String unit) {
    return given().contentType(ContentType.JSON).header("X-Pier-Unit", unit).body(IRIS_ROW)
        .post("/v2/models/" + model + "/infer").then().statusCode(200).extract().path("model_version");
  }

  @Test
  void aCanaryAnswersItsShareOfUnitsAndSaysSoInModelVersion() {
    String model = fresh();
    register(model, "iris-mlp.onnx");
    register(model, "iris-mlp-v2.onnx");
    given().contentType(ContentType.JSON).body("{\"version\":1,\"canary\":{\"version\":2,\"weight\":0.3}}")
        .put("/api/v1/models/" + model + "/aliases/production")
        .then().statusCode(200).body("canary.version", equalTo(2)).body("canary.weight", equalTo(0.3f));
    int canary = 0;
    for (int unit = 0; unit < 200; unit++) {
      String v = versionFor(model, "u" + unit);
      assertThat(versionFor(model, "u" + unit)).as("sticky for unit u%d", unit).isEqualTo(v);
      canary += v.equals("2") ? 1 : 0;
    }
    assertThat(canary).isBetween(35, 85); // 30% of 200 = 60
    String unitInBody = "{\"parameters\":{\"unit\":\"u7\"},\"inputs\":"
        + IRIS_ROW.substring(IRIS_ROW.indexOf('['));
    given().contentType(ContentType.JSON).body(unitInBody).post("/v2/models/" + model + "/infer")
        .then().statusCode(200).body("model_version", equalTo(versionFor(model, "u7")));
  }

  @Test
  void rollbackRestoresThePreviousTargetAndTheHistoryShowsEveryChange() {
    String model = fresh();
    register(model, "iris-mlp.onnx");
    register(model, "iris-mlp-v2.onnx");
    String alias = "/api/v1/models/" + model + "/aliases/production";
    given().contentType(ContentType.JSON).body("{\"version\":1}").put(alias).then().statusCode(200);
    given().post(alias + "/rollback").then().statusCode(409).body("detail", containsString("no previous target"));
    given().contentType(ContentType.JSON).body("{\"version\":2}").put(alias).then().statusCode(200);
    given().contentType(ContentType.JSON).body(IRIS_ROW).post("/v2/models/" + model + "/infer")
        .then().body("model_version", equalTo("2"));
    given().post(alias + "/rollback").then().statusCode(200).body("version", equalTo(1)).body("revision", equalTo(3));
    given().contentType(ContentType.JSON).body(IRIS_ROW).post("/v2/models/" + model + "/infer")
        .then().body("model_version", equalTo("1"));
    given().get(alias + "/history").then().statusCode(200)
        .body("history.revision", equalTo(List.of(3, 2, 1)))
        .body("history[0].reason", equalTo("rollback"))
        .body("history[0].from.version", equalTo(2))
        .body("history[0].to.version", equalTo(1));
  }

  @Test
  void aBadCanaryIsRefused() {
    String model = fresh();
    register(model, "iris-mlp.onnx");
    String alias = "/api/v1/models/" + model + "/aliases/production";
    given().contentType(ContentType.JSON).body("{\"version\":1,\"canary\":{\"version\":9,\"weight\":0.1}}")
        .put(alias).then().statusCode(404).body("detail", containsString("no version 9 (canary)"));
    given().contentType(ContentType.JSON).body("{\"version\":1,\"canary\":{\"version\":2,\"weight\":1.5}}")
        .put(alias).then().statusCode(400).body("detail", containsString("canary.weight"));
    given().contentType(ContentType.JSON).body("{\"version\":1,\"canary\":{\"version\":2}}")
        .put(alias).then().statusCode(400).body("detail", containsString("canary.weight"));
    given().contentType(ContentType.JSON).body("{\"version\":1,\"weight\":0.5}")
        .put(alias).then().statusCode(400).body("detail", containsString("unknown field 'weight'"));
  }
}
