package dev.pier.api.lambda;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** The Lambda zip carries no training module: its routes answer 501 naming the plain server, the others still answer. */
@QuarkusTest
class LambdaTrainingRoutesTest {

  @Test
  void trainingRoutesAnswer501() {
    given().get("/api/v1/training-jobs").then().statusCode(501).body(containsString("plain server"));
    given().get("/api/v1/training-jobs/tj-1").then().statusCode(501);
    given().contentType("application/json").body("{\"name\":\"x\"}").post("/api/v1/training-jobs").then()
        .statusCode(501);
    given().get("/api/v1/datasets/d/versions").then().statusCode(501);
    given().get("/api/v1/costs?project=p").then().statusCode(501);
  }

  @Test
  void otherV1RoutesAreNotShadowed() {
    given().get("/api/v1/models/demo").then().statusCode(200);
  }
}
