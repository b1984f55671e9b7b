package dev.pier.api;

import dev.pier.kernel.aws.AwsClients;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/** With {@code pier.artifacts.require-signature=true}: signed versions register and serve, others are 400. */
@QuarkusTest
@TestProfile(SigningProfile.class)
class SignedArtifactsApiTest {
  @Inject AwsClients aws;
  private static final Path IRIS = Fixtures.model("iris-mlp.onnx");
  private static final Path IRIS_V2 = Fixtures.model("iris-mlp-v2.onnx");

  private static String sign(Path artifact) throws Exception {
    var key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(
        Base64.getDecoder().decode(Files.readString(SigningProfile.PRIVATE_KEY))));
    Signature ecdsa = Signature.getInstance("SHA256withECDSA");
    ecdsa.initSign(key);
    ecdsa.update(Files.readAllBytes(artifact));
    return Base64.getEncoder().encodeToString(ecdsa.sign());
  }

  private static io.restassured.response.ValidatableResponse register(String model, String metadata) {
    return given().multiPart("artifact", IRIS.toFile()).multiPart("metadata", metadata)
        .post("/api/v1/models/" + model + "/versions").then();
  }

  @Test
  void aValidlySignedVersionRegistersAndServes() throws Exception {
    String model = "signed-" + UUID.randomUUID().toString().substring(0, 8);
    register(model, "{\"framework\":\"onnx\",\"artifact_signature\":\"" + sign(IRIS) + "\"}").statusCode(201);
    given().contentType(ContentType.JSON)
        .body("{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[5.1,3.5,1.4,0.2]}]}")
        .post("/v2/models/" + model + "/versions/1/infer").then().statusCode(200);
  }

  @Test
  void aSignatureOfAnotherArtifactIs400() throws Exception {
    register("signed-wrong", "{\"framework\":\"onnx\",\"artifact_signature\":\"" + sign(IRIS_V2) + "\"}")
        .statusCode(400).body("detail", containsString("artifact_signature does not verify"));
  }

  /** Finding #23.6: a presigned-upload registration obeys the same rule as a multipart one. */
  @Test
  void anUnsignedPresignedUploadIsRefusedAndASignedOneRegisters() throws Exception {
    String model = "signed-upload-" + UUID.randomUUID().toString().substring(0, 8);
    completeUpload(model, "{\"framework\":\"onnx\"}").statusCode(400)
        .body("detail", containsString("requires signed artifacts"));
    given().get("/api/v1/models/" + model + "/versions/1").then().statusCode(404);
    completeUpload(model, "{\"framework\":\"onnx\",\"artifact_signature\":\"" + sign(IRIS) + "\"}")
        .statusCode(201);
  }

  /** Finding #23.6: an MLflow registration from an S3 source obeys it too (signature as tag pier.artifact-signature). */
  @Test
  void anUnsignedMlflowSourceIsRefusedAndOneSignedByTagRegisters() throws Exception {
    String model = "signed-mlflow-" + UUID.randomUUID().toString().substring(0, 8);
    String bucket = "mlflow-signed";
    var s3 = aws.s3();
    try {
      s3.createBucket(b -> b.bucket(bucket));
    } catch (RuntimeException e) {
      // already there
    }
    s3.putObject(b -> b.bucket(bucket).key(model + "/model.onnx"), RequestBody.fromFile(IRIS));
    given().contentType(ContentType.JSON).body("{\"name\":\"" + model + "\"}")
        .post("/api/2.0/mlflow/registered-models/create").then().statusCode(200);
    given().contentType(ContentType.JSON)
        .body("{\"name\":\"" + model + "\",\"source\":\"s3://" + bucket + "/" + model + "/\"}")
        .post("/api/2.0/mlflow/model-versions/create").then().statusCode(400)
        .body("message", containsString("requires signed artifacts"));
    given().contentType(ContentType.JSON)
        .body("{\"name\":\"" + model + "\",\"source\":\"s3://" + bucket + "/" + model + "/\",\"tags\":[{\"key\":"
            + "\"pier.artifact-signature\",\"value\":\"" + sign(IRIS) + "\"}]}")
        .post("/api/2.0/mlflow/model-versions/create").then().statusCode(200)
        .body("model_version.pier_servable", equalTo(true));
  }

  private static io.restassured.response.ValidatableResponse completeUpload(String model, String metadata)
      throws Exception {
    byte[] bytes = Files.readAllBytes(IRIS);
    var started = given().contentType(ContentType.JSON).body("{\"size_bytes\":" + bytes.length + "}")
        .post("/api/v1/models/" + model + "/uploads").then().statusCode(201).extract().jsonPath();
    HttpResponse<String> put = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create(started.getString("parts[0].url"))).PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(),
        HttpResponse.BodyHandlers.ofString());
    String etag = put.headers().firstValue("ETag").orElseThrow().replace("\"", "\\\"");
    return given().contentType(ContentType.JSON).body("{\"parts\":[{\"part_number\":1,\"etag\":\"" + etag + "\"}],"
        + "\"metadata\":" + metadata + "}")
        .post("/api/v1/models/" + model + "/uploads/" + started.getString("upload_id") + "/complete").then();
  }

  @Test
  void anUnsignedVersionIs400NamingWhatToSign() {
    register("signed-none", "{\"framework\":\"onnx\"}").statusCode(400)
        .body("detail", containsString("requires signed artifacts"));
  }
}
