package dev.pier.api;

import dev.pier.api.PierConfig;
import dev.pier.api.inference.RpcStartup;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.google.protobuf.ByteString;
import dev.pier.grpc.v2.GRPCInferenceServiceGrpc;
import dev.pier.grpc.v2.InferTensorContents;
import dev.pier.grpc.v2.ModelInferRequest;
import dev.pier.grpc.v2.ModelInferResponse;
import dev.pier.grpc.v2.ModelStreamInferResponse;
import dev.pier.security.audit.PredictionSampler;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Input fields a version marks as personal data are masked whole wherever Pier writes a prediction's input, and
 * gRPC predictions are audit-sampled exactly like REST ones (every prediction is sampled with its input here).
 */
@QuarkusTest
@TestProfile(AuthOnProfile.class)
class PiiFieldsApiTest {
  private static final String ADMIN = TestTokens.token("root", "admin");
  private static final String DATATYPES_INPUTS = """
      {"name":"f64","datatype":"FP64","shape":[1,2],"data":[1.5,2]},
      {"name":"i32","datatype":"INT32","shape":[1],"data":[7]},
      {"name":"flag","datatype":"BOOL","shape":[1],"data":[true]},
      {"name":"u8","datatype":"UINT8","shape":[1],"data":[3]},
      {"name":"i64","datatype":"INT64","shape":[1],"data":[9]}""";

  @Inject PierConfig pierConfig;
  @Inject Security security;
  @Inject RpcStartup rpc;

  private static String register(String metadata) {
    String model = "pii-" + UUID.randomUUID().toString().substring(0, 8);
    given().header("Authorization", "Bearer " + ADMIN)
        .multiPart("artifact", Fixtures.model("datatypes.onnx").toFile()).multiPart("metadata", metadata)
        .post("/api/v1/models/" + model + "/versions").then().statusCode(201)
        .body("properties.'pier.pii-fields'", equalTo("text"));
    return model;
  }

  @Test
  void aMarkedFieldIsMaskedWholeAndDetectedPiiInUnmarkedStringsIsMaskedInLogsAuditAndStore() throws Exception {
    String model = register("{\"framework\":\"onnx\",\"pii_fields\":[\"text\"]}");
    // a plain name: no detector would find it, only the mark does
    String name = "Wilhelmina Fairweather-" + AuthOnProfile.RUN;
    String email = "w.fairweather." + AuthOnProfile.RUN + "@example.org";
    String card = "4111 1111 1111 1111";
    String unmarkedEmail = "billing." + AuthOnProfile.RUN + "@example.net";
    String body = "{\"id\":\"" + unmarkedEmail + "\",\"parameters\":{\"card\":\"" + card + "\"},\"inputs\":["
        + DATATYPES_INPUTS + ",{\"name\":\"text\",\"datatype\":\"BYTES\",\"shape\":[2],\"data\":[\"" + name
        + "\",\"" + email + "\"]}]}";
    long logBefore = Files.size(AuthOnProfile.LOG);
    given().header("Authorization", "Bearer " + TestTokens.token("pii-fields", "predictor"))
        .header("X-Request-Id", "pii-" + AuthOnProfile.RUN).contentType(ContentType.JSON).body(body)
        .post("/v2/models/" + model + "/versions/1/infer").then().statusCode(200)
        .body("outputs.find { it.name == 'text_echo' }.data[0]", equalTo(name));

    String audit = given().header("Authorization", "Bearer " + ADMIN).queryParam("model", model)
        .queryParam("samples", true).get("/api/v1/audit").then().statusCode(200).extract().asString();
    JsonPath entries = JsonPath.from(audit);
    assertThat(entries.getList("entries.action")).contains("predict");
    String input = entries.getString("entries.find { it.action == 'predict' }.input");
    assertThat(input).as("the marked field is replaced whole, detection masks the unmarked strings")
        .contains("\"name\":\"text\"").contains("\"data\":\"[PII]\"").contains("[EMAIL]").contains("[CARD]")
        .contains("\"data\":[1.5,2]");
    String log = logSince(logBefore);
    assertThat(log).as("the request's DEBUG audit line was written").contains("pii-" + AuthOnProfile.RUN);
    for (String pii : List.of(name, email, card, unmarkedEmail)) {
      assertThat(audit).doesNotContain(pii);
      assertThat(log).doesNotContain(pii);
      assertThat(storedFiles()).as("nothing Pier stored holds " + pii).doesNotContain(pii);
    }
  }

  @Test
  void namedFeaturePredictionsAreAuditSampledWithMarkedFeaturesMaskedWhole() throws Exception {
    String model = "pii-" + UUID.randomUUID().toString().substring(0, 8);
    given().header("Authorization", "Bearer " + ADMIN)
        .multiPart("artifact", Fixtures.model("iris-mlp.onnx").toFile())
        .multiPart("metadata", "{\"framework\":\"onnx\",\"pii_fields\":[\"customer\"],\"pipeline\":"
            + PredictApiTest.PIPELINE + "}")
        .post("/api/v1/models/" + model + "/versions").then().statusCode(201);
    String customer = "Ottoline Marchbanks-" + AuthOnProfile.RUN;
    String email = "o.marchbanks." + AuthOnProfile.RUN + "@example.org";
    long logBefore = Files.size(AuthOnProfile.LOG);
    given().header("Authorization", "Bearer " + TestTokens.token("pii-predict", "predictor"))
        .contentType(ContentType.JSON)
        .body("{\"instances\":[{\"customer\":\"" + customer + "\",\"note\":\"" + email + "\",\"sepal_length\":5.1,"
            + "\"sepal_width\":3.5,\"petal_length_mm\":14,\"petal_width\":0.2}]}")
        .queryParam("version", "1").post("/api/v1/models/" + model + "/predict").then().statusCode(200);

    String audit = given().header("Authorization", "Bearer " + ADMIN).queryParam("model", model)
        .queryParam("samples", true).get("/api/v1/audit").then().statusCode(200).extract().asString();
    JsonPath entries = JsonPath.from(audit);
    assertThat(entries.getString("entries.find { it.action == 'predict' }.principal")).isEqualTo("jwt:pii-predict");
    assertThat(entries.getString("entries.find { it.action == 'predict' }.input"))
        .contains("\"customer\":\"[PII]\"").contains("[EMAIL]").contains("\"sepal_length\":5.1");
    String log = logSince(logBefore);
    for (String pii : List.of(customer, email)) {
      assertThat(audit).doesNotContain(pii);
      assertThat(log).doesNotContain(pii);
    }
  }

  @Test
  void piiOnASignatureInputMarksItAndTheMarkCannotBeEditedAway() {
    String model = register("""
        {"framework":"onnx","signature":{"inputs":[{"name":"text","datatype":"BYTES","shape":[-1],"pii":true}],
         "outputs":[]}}""");
    given().header("Authorization", "Bearer " + ADMIN).contentType(ContentType.JSON)
        .body("{\"properties\":{\"pier.pii-fields\":null}}").patch("/api/v1/models/" + model + "/versions/1")
        .then().statusCode(400).body("detail", containsString("fixed at registration"));
  }

  @Test
  void malformedPiiMarksAre400NamingTheField() {
    for (var c : Map.of(
        "{\"framework\":\"onnx\",\"pii_fields\":\"text\"}", "metadata.pii_fields must be an array",
        "{\"framework\":\"onnx\",\"pii_fields\":[\"\"]}", "metadata.pii_fields[0]",
        "{\"framework\":\"onnx\",\"properties\":{\"pier.pii-fields\":\"x\"}}", "is reserved",
        "{\"framework\":\"onnx\",\"signature\":{\"inputs\":[{\"name\":\"text\",\"datatype\":\"BYTES\",\"shape\":[-1],"
            + "\"pii\":\"yes\"}],\"outputs\":[]}}", "metadata.signature.inputs[0].pii").entrySet()) {
      given().header("Authorization", "Bearer " + ADMIN)
          .multiPart("artifact", Fixtures.model("datatypes.onnx").toFile()).multiPart("metadata", c.getKey())
          .post("/api/v1/models/pii-bad/versions").then().statusCode(400).body("detail", containsString(c.getValue()));
    }
  }

  @Test
  void grpcPredictionsAreAuditSampledLikeRestWithPrincipalRequestIdSubjectAndInputHash() throws Exception {
    String model = register("{\"framework\":\"onnx\",\"pii_fields\":[\"text\"]}");
    String name = "Bartholomew Quince-" + AuthOnProfile.RUN;
    String subject = "grpc-subject-" + UUID.randomUUID();
    ModelInferRequest request = ModelInferRequest.newBuilder().setModelName(model).setModelVersion("1")
        .addInputs(tensor("f64", "FP64", 1, 2).setContents(InferTensorContents.newBuilder().addFp64Contents(1.5)
            .addFp64Contents(2)))
        .addInputs(tensor("i32", "INT32", 1).setContents(InferTensorContents.newBuilder().addIntContents(7)))
        .addInputs(tensor("flag", "BOOL", 1).setContents(InferTensorContents.newBuilder().addBoolContents(true)))
        .addInputs(tensor("u8", "UINT8", 1).setContents(InferTensorContents.newBuilder().addUintContents(3)))
        .addInputs(tensor("i64", "INT64", 1).setContents(InferTensorContents.newBuilder().addInt64Contents(9)))
        .addInputs(tensor("text", "BYTES", 1).setContents(InferTensorContents.newBuilder()
            .addBytesContents(ByteString.copyFromUtf8(name))))
        .build();
    Metadata md = new Metadata();
    md.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + TestTokens.token("grpc-audit", "predictor"));
    md.put(Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER), "grpc-req-" + AuthOnProfile.RUN);
    md.put(Metadata.Key.of("x-pier-subject", Metadata.ASCII_STRING_MARSHALLER), subject);
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", rpc.port("grpc")).usePlaintext().build();
    try {
      var attach = MetadataUtils.newAttachHeadersInterceptor(md);
      ModelInferResponse unary = GRPCInferenceServiceGrpc.newBlockingStub(channel).withInterceptors(attach)
          .modelInfer(request);
      assertThat(unary.getModelVersion()).isEqualTo("1");
      var stream = GRPCInferenceServiceGrpc.newBlockingV2Stub(channel).withInterceptors(attach)
          .withDeadlineAfter(30, TimeUnit.SECONDS).modelStreamInfer();
      assertThat(stream.write(request)).isTrue();
      stream.halfClose();
      List<ModelStreamInferResponse> streamed = new ArrayList<>();
      for (ModelStreamInferResponse r; (r = stream.read()) != null; ) {
        streamed.add(r);
      }
      assertThat(streamed).hasSize(1).allSatisfy(r -> assertThat(r.getErrorMessage()).isEmpty());
    } finally {
      channel.shutdownNow();
    }

    JsonPath audit = given().header("Authorization", "Bearer " + ADMIN).queryParam("model", model)
        .queryParam("samples", true).get("/api/v1/audit").then().statusCode(200).extract().jsonPath();
    List<Map<String, Object>> samples = audit.getList("entries.findAll { it.action == 'predict' }");
    assertThat(samples).hasSize(2).allSatisfy(s -> {
      assertThat(s).containsEntry("principal", "jwt:grpc-audit").containsEntry("model", model)
          .containsEntry("version", 1).containsEntry("request_id", "grpc-req-" + AuthOnProfile.RUN)
          .containsEntry("subject", security.subjects().of(subject))
          .containsEntry("input_sha256", PredictionSampler.sha256(request.toByteArray()));
      assertThat((String) s.get("input")).contains("\"name\":\"text\"").contains("[PII]").doesNotContain(name);
    });
  }

  private static ModelInferRequest.InferInputTensor.Builder tensor(String name, String datatype, long... shape) {
    var b = ModelInferRequest.InferInputTensor.newBuilder().setName(name).setDatatype(datatype);
    for (long d : shape) {
      b.addShape(d);
    }
    return b;
  }

  private static String logSince(long offset) throws Exception {
    byte[] all = Files.readAllBytes(AuthOnProfile.LOG);
    return new String(all, (int) offset, all.length - (int) offset, StandardCharsets.UTF_8);
  }

  /** Every file under the data directory: registry, S3 stand-in, audit trail. */
  private String storedFiles() throws Exception {
    StringBuilder all = new StringBuilder();
    try (Stream<Path> files = Files.walk(Path.of(pierConfig.dataDir()))) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        all.append(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1)).append('\n');
      }
    }
    return all.toString();
  }
}
