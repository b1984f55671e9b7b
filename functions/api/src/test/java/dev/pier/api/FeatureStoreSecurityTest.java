package dev.pier.api;

import static io.restassured.RestAssured.given;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

/**
 * The feature store's routes with authentication on: the platform-wide grants features_read and features_write
 * (admin holds both), checked by AuthFilter through their @Authorize (no {model} in the path: platform-wide).
 */
@QuarkusTest
@TestProfile(AuthOnProfile.class)
class FeatureStoreSecurityTest {
  private static final String PLAN = "{\"entities\":[{\"name\":\"sec\",\"join_keys\":[\"sec_id\"],\"value_type\":\"INT64\"}]}";

  @Test
  void withoutCredentialsEveryFeatureRouteIs401() {
    given().get("/api/v1/feature-views").then().statusCode(401);
    given().contentType(ContentType.JSON).body("{}").post("/get-online-features").then().statusCode(401);
    given().contentType(ContentType.JSON).body("{}").post("/push").then().statusCode(401);
  }

  @Test
  void featuresReadReadsButMayNotApplyOrPush() {
    String reader = TestTokens.token("reader-f", "features_read");
    given().header("Authorization", "Bearer " + reader).get("/api/v1/feature-views").then().statusCode(200);
    given().header("Authorization", "Bearer " + reader).contentType(ContentType.JSON).body(PLAN)
        .post("/api/v1/features/apply?dry_run=true").then().statusCode(403);
    given().header("Authorization", "Bearer " + reader).contentType(ContentType.JSON).body("{}")
        .post("/push").then().statusCode(403);
  }

  @Test
  void featuresWriteMayApplyAndSoMayAnAdmin() {
    for (String groups : new String[] {"features_write", "admin"}) {
      given().header("Authorization", "Bearer " + TestTokens.token("w-" + groups, groups)).contentType(ContentType.JSON)
          .body(PLAN).post("/api/v1/features/apply?dry_run=true").then().statusCode(200);
    }
  }

  @Test
  void modelRolesAndScopedGrantsDoNotReachFeatures() {
    for (String groups : new String[] {"predictor", "data-scientist", "features_read:fraud-*"}) {
      given().header("Authorization", "Bearer " + TestTokens.token("m-" + groups, groups)).get("/api/v1/feature-views")
          .then().statusCode(403);
    }
  }
}
