package dev.pier.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The API Lambda behind API Gateway's JWT authorizer, with authentication on: the caller is taken from the claims
 * the gateway verified (requestContext.authorizer.jwt.claims), and its roles decide. Runs in the lambda profile.
 */
@QuarkusTest
@TestProfile(LambdaAuthTest.AuthOn.class)
class LambdaAuthTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ROW =
      "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[5.1,3.5,1.4,0.2]}]}";

  public static class AuthOn implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("pier.auth.enabled", "true", "pier.auth.failed-attempts.max", "3",
          "pier.auth.failed-attempts.window", "10m");
    }
  }

  private static String event(String path, String groups) {
    ObjectNode e = ApiGatewayEvents.httpApi("POST", path, ROW);
    if (groups != null) {
      // API Gateway flattens array claims into one string
      ((ObjectNode) e.get("requestContext")).putObject("authorizer").putObject("jwt").putObject("claims")
          .put("sub", "cognito-user-1").put("iss", "https://cognito-idp.eu-west-1.amazonaws.com/pool")
          .put("cognito:groups", groups);
    }
    return e.toString();
  }

  /** An event presenting a wrong API key, from {@code sourceIp} (none when null). */
  private static String wrongKeyEvent(String sourceIp) throws Exception {
    ObjectNode e = (ObjectNode) JSON.readTree(event("/v2/models/demo/infer", null));
    ((ObjectNode) e.get("headers")).put("x-api-key", "pier_nosuchkey_" + "x".repeat(43));
    ObjectNode http = (ObjectNode) e.get("requestContext").get("http");
    if (sourceIp == null) {
      http.remove("sourceIp");
    } else {
      http.put("sourceIp", sourceIp);
    }
    return e.toString();
  }

  private static JsonNode invoke(String event) throws Exception {
    return JSON.readTree(given().contentType(ContentType.JSON).body(event).post("/_lambda_")
        .then().statusCode(200).extract().asString());
  }

  private static String body(JsonNode response) {
    String body = response.get("body").asText();
    return response.path("isBase64Encoded").asBoolean() ? new String(Base64.getDecoder().decode(body)) : body;
  }

  @Test
  void claimsVerifiedByTheGatewayWithTheRightRoleGetThePrediction() throws Exception {
    JsonNode response = invoke(event("/v2/models/demo/infer", "[predictor]"));
    assertThat(response.get("statusCode").asInt()).as(body(response)).isEqualTo(200);
    assertThat(JSON.readTree(body(response)).get("model_name").asText()).isEqualTo("demo");
  }

  @Test
  void claimsWithTheWrongRoleAre403() throws Exception {
    JsonNode response = invoke(event("/v2/models/demo/infer", "[viewer other-app-group]"));
    assertThat(response.get("statusCode").asInt()).isEqualTo(403);
    assertThat(body(response)).contains("jwt:cognito-user-1 (viewer) may not predict on model 'demo'");
  }

  @Test
  void anEventWithoutClaimsOrCredentialsIs401() throws Exception {
    JsonNode response = invoke(event("/v2/models/demo/infer", null));
    assertThat(response.get("statusCode").asInt()).isEqualTo(401);
  }

  /** Issue 22: failed authentications are limited per API Gateway source IP, and an event without one is not free. */
  @Test
  void failedAuthenticationsAreLimitedPerSourceIpAndEventsWithoutOneShareABucket() throws Exception {
    for (int i = 0; i < 3; i++) {
      assertThat(invoke(wrongKeyEvent("198.51.100.1")).get("statusCode").asInt()).isEqualTo(401);
    }
    JsonNode limited = invoke(wrongKeyEvent("198.51.100.1"));
    assertThat(limited.get("statusCode").asInt()).isEqualTo(429);
    assertThat(body(limited)).contains("too many failed authentications from 198.51.100.1");
    assertThat(invoke(wrongKeyEvent("198.51.100.2")).get("statusCode").asInt()).isEqualTo(401);

    for (int i = 0; i < 3; i++) {
      assertThat(invoke(wrongKeyEvent(null)).get("statusCode").asInt()).isEqualTo(401);
    }
    JsonNode shared = invoke(wrongKeyEvent(null));
    assertThat(shared.get("statusCode").asInt()).as(body(shared)).isEqualTo(429);
    assertThat(body(shared)).contains("too many failed authentications from an unknown address");
  }
}
