package dev.pier.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
    ObjectNode e = JSON.createObjectNode();
    e.put("version", "2.0");
    e.put("routeKey", "$default");
    e.put("rawPath", path);
    e.put("rawQueryString", "");
    e.putObject("headers").put("content-type", "application/json").put("host", "pier.example.com");
    ObjectNode ctx = e.putObject("requestContext");
    ctx.put("accountId", "123456789012");
    ctx.put("apiId", "api");
    ctx.put("domainName", "pier.example.com");
    ctx.put("requestId", "req-1");
    ctx.put("routeKey", "$default");
    ctx.put("stage", "$default");
    ctx.put("timeEpoch", 1764201600000L);
    ObjectNode http = ctx.putObject("http");
    http.put("method", method);
    http.put("path", path);
    http.put("protocol", "HTTP/1.1");
    http.put("sourceIp", "203.0.113.7");
    http.put("userAgent", "test");
    if (body != null) {
      e.put("body", body);
      e.put("isBase64Encoded", false);
    }
    return e.toString();
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
