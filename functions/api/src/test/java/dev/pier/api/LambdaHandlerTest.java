package dev.pier.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * The API Lambda (built with -Plambda): API Gateway HTTP API events (payload format 2.0) posted to the Lambda
 * mock event server reach the same handlers and give the same predictions as the plain server.
 * Runs only in the lambda profile's test run.
 */
@QuarkusTest
class LambdaHandlerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ROW =
      "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[5.1,3.5,1.4,0.2]}]}";

  private static String event(String method, String path, String body) {
    return ApiGatewayEvents.httpApi(method, path, body).toString();
  }

  private static JsonNode invoke(String event) throws Exception {
    String response = given().contentType(ContentType.JSON).body(event).post("/_lambda_")
        .then().statusCode(200).extract().asString();
    return JSON.readTree(response);
  }

  private static String body(JsonNode response) {
    String body = response.get("body").asText();
    return response.path("isBase64Encoded").asBoolean() ? new String(Base64.getDecoder().decode(body)) : body;
  }

  @Test
  void anApiGatewayV2EventGetsThePrediction() throws Exception {
    JsonNode response = invoke(event("POST", "/v2/models/demo/infer", ROW));
    assertThat(response.get("statusCode").asInt()).isEqualTo(200);
    JsonNode body = JSON.readTree(body(response));
    assertThat(body.get("model_name").asText()).isEqualTo("demo");
    assertThat(body.get("model_version").asText()).isEqualTo("1");
    assertThat(body.get("outputs").get(1).get("data").get(0).asInt()).isEqualTo(0);
  }

  @Test
  void aBadRequestThroughTheLambdaIsA400WithAnErrorBody() throws Exception {
    JsonNode response = invoke(event("POST", "/v2/models/demo/infer", "{\"inputs\":[]}"));
    assertThat(response.get("statusCode").asInt()).isEqualTo(400);
    assertThat(body(response)).contains("'inputs' must not be empty");
  }

  @Test
  void plainHttpRequestsAreTurnedIntoEventsToo() {
    given().contentType(ContentType.JSON).body(ROW).post("/v2/models/demo/infer")
        .then().statusCode(200).body("model_version", equalTo("1"))
        .body("outputs[0].name", containsString("probabilities"));
  }
}
