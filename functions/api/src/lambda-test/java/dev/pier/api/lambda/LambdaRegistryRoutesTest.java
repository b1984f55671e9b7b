package dev.pier.api.lambda;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/**
 * The registry's REST and the MLflow REST live in the registry-functions jar; the Lambda build serves them too
 * (its index includes that jar), through the same API Gateway dispatch as every other route.
 */
@QuarkusTest
class LambdaRegistryRoutesTest {

  @Test
  void theRegistrysOwnRoutesAnswerInTheLambdaBuild() {
    given().get("/api/v1/models/demo").then().statusCode(200).body("name", equalTo("demo"));
    given().get("/api/v1/models/demo/versions/1").then().statusCode(200).body("model", equalTo("demo"));
  }

  @Test
  void theMlflowRoutesAnswerInTheLambdaBuild() {
    given().get("/api/2.0/mlflow/registered-models/get?name=demo").then().statusCode(200)
        .body("registered_model.name", equalTo("demo"));
    given().get("/api/2.0/mlflow/registered-models/get?name=nope").then().statusCode(404)
        .body("error_code", equalTo("RESOURCE_DOES_NOT_EXIST"));
  }
}
