package dev.pier.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** With {@code pier.artifacts.require-signature=true}: signed versions register and serve, others are 400. */
@QuarkusTest
@TestProfile(SigningProfile.class)
class SignedArtifactsApiTest {
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

  @Test
  void anUnsignedVersionIs400NamingWhatToSign() {
    register("signed-none", "{\"framework\":\"onnx\"}").statusCode(400)
        .body("detail", containsString("requires signed artifacts"));
  }
}
