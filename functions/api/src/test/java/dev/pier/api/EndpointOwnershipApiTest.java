package dev.pier.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Finding #23.2 with authentication on: a key that may register only {@code fraud-*} cannot place a version on an
 * endpoint of another model — neither that model's default endpoint name nor a custom name it claimed — so it never
 * reads the other model's predictions, and the other model's callers keep getting their own model.
 */
@QuarkusTest
@TestProfile(AuthOnProfile.class)
class EndpointOwnershipApiTest {
  private static final String ADMIN = TestTokens.token("root", "admin");
  private static final String ROW =
      "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[5.1,3.5,1.4,0.2]}]}";

  private static RequestSpecification as(String token) {
    return given().header("Authorization", "Bearer " + token);
  }

  private static io.restassured.response.ValidatableResponse register(String token, String model, String file,
      String placement) {
    return as(token).multiPart("artifact", Fixtures.model(file).toFile())
        .multiPart("metadata", "{\"framework\":\"onnx\",\"placement\":" + placement + "}")
        .post("/api/v1/models/" + model + "/versions").then();
  }

  @Test
  void aScopedKeyCannotPlaceItsVersionOnAnotherModelsEndpoint() {
    String run = UUID.randomUUID().toString().substring(0, 8);
    String churn = "churn-" + run;
    String fraud = "fraud-" + run + "-x";
    String dataScientist = TestTokens.token("ds-" + run, "data-scientist:fraud-" + run + "*");
    register(ADMIN, churn, "iris-mlp.onnx", "{\"kind\":\"endpoint\"}").statusCode(201);
    register(ADMIN, churn, "iris-mlp.onnx", "{\"kind\":\"endpoint\",\"endpoint_name\":\"pier-shared-" + run + "\"}")
        .statusCode(201);

    register(dataScientist, fraud, "iris-mlp-v2.onnx",
        "{\"kind\":\"endpoint\",\"endpoint_name\":\"pier-" + churn + "-v1\"}")
        .statusCode(409).body("detail", containsString("another model's endpoint"));
    register(dataScientist, fraud, "iris-mlp-v2.onnx",
        "{\"kind\":\"endpoint\",\"endpoint_name\":\"pier-shared-" + run + "\"}")
        .statusCode(409).body("detail", containsString("another model's endpoint"));
    as(dataScientist).contentType(ContentType.JSON).body(ROW).post("/v2/models/" + fraud + "/versions/1/infer")
        .then().statusCode(404);

    // its own default endpoint is fine, and churn's callers still get churn
    register(dataScientist, fraud, "iris-mlp-v2.onnx", "{\"kind\":\"endpoint\"}").statusCode(201)
        .body("placement.endpoint_name", equalTo("pier-" + fraud + "-v1"));
    as(ADMIN).contentType(ContentType.JSON).body(ROW).post("/v2/models/" + churn + "/versions/1/infer")
        .then().statusCode(200).body("model_name", equalTo(churn));
  }

  /** Finding #23.5: with authentication on, outbound URLs must be https. */
  @Test
  void aPlainHttpWebhookIsRefusedWhenAuthenticationIsOn() {
    as(ADMIN).contentType(ContentType.JSON).body("{\"url\":\"http://hooks.example/pier\"}")
        .post("/api/v1/webhooks").then().statusCode(400).body("detail", containsString("https"));
  }
}
