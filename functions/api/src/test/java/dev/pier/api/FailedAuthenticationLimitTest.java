package dev.pier.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 23.11: a client address that keeps failing authentication gets 429 with Retry-After, on every way in, before
 * its credentials are looked at — even good ones. Its own profile: the count is per address, and every test runs
 * from 127.0.0.1.
 */
@QuarkusTest
@TestProfile(FailedAuthenticationLimitTest.Profile.class)
class FailedAuthenticationLimitTest {
  public static class Profile extends AuthOnProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      Map<String, String> config = new HashMap<>(super.getConfigOverrides());
      config.put("pier.auth.failed-attempts.max", "3");
      config.put("pier.auth.failed-attempts.window", "1h");
      return config;
    }
  }

  @Test
  void anAddressThatFailedTooOftenGets429WithRetryAfterEvenWithGoodCredentials() {
    String good = TestTokens.token("root", "admin");
    given().header("Authorization", "Bearer " + good).get("/api/v1/models").then().statusCode(200);
    given().header("X-Api-Key", "pier__x").get("/api/v1/models").then().statusCode(401);
    given().header("Authorization", "Bearer not.a.jwt").get("/v2/models/demo").then().statusCode(401);
    given().header("X-Api-Key", "pier_abcdefghijkm_" + "a".repeat(43)).contentType(ContentType.JSON)
        .body("{\"inputs\":[]}").post("/v2/models/demo/infer").then().statusCode(401);
    for (Response r : new Response[] {
        given().header("Authorization", "Bearer " + good).get("/api/v1/models"),
        given().header("Authorization", "Bearer " + good).contentType(ContentType.JSON)
            .body("{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[1,2,3,4]}]}")
            .post("/v2/models/demo/infer"),
        given().header("Authorization", "Bearer " + good).get("/q/metrics")}) {
      assertThat(r.statusCode()).as(r.asString()).isEqualTo(429);
      assertThat(Long.parseLong(r.header("Retry-After"))).isBetween(1L, 1200L);
      assertThat(r.asString()).contains("too many failed authentications");
    }
    given().get("/v2/health/ready").then().statusCode(200); // open routes take no credentials, so none can fail
  }
}
