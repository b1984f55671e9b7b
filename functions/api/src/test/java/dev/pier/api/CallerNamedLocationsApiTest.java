package dev.pier.api;

import dev.pier.api.async.AsyncIntake;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Locations a caller names for Pier to reach in its own name. Finding #23.3: S3 sources and batch inputs and outputs
 * never under Pier's own prefixes (artifacts, async results, batch plans). Finding #23.5: webhook and callback URLs
 * never at loopback, link-local (cloud metadata) or private addresses; the local receivers other tests deliver to
 * are allowed by the test profile's {@code pier.outbound.allowed-hosts=127.0.0.1} only.
 */
@QuarkusTest
class CallerNamedLocationsApiTest {
  private static final String ROW =
      "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[5.1,3.5,1.4,0.2]}]}";
  @Inject PierConfig config;

  @Test
  void anMlflowSourceInPiersOwnStorageIsRefused() {
    String model = "src-" + UUID.randomUUID().toString().substring(0, 8);
    given().contentType(ContentType.JSON).body("{\"name\":\"" + model + "\"}")
        .post("/api/2.0/mlflow/registered-models/create").then().statusCode(200);
    for (String source : new String[] {"s3://" + config.async().bucket() + "/async-results/",
        "s3://" + config.registry().artifactsBucket() + "/artifacts/sha256/",
        "s3://" + config.registry().artifactsBucket() + "/"}) {
      given().contentType(ContentType.JSON).body("{\"name\":\"" + model + "\",\"source\":\"" + source + "\"}")
          .post("/api/2.0/mlflow/model-versions/create").then().statusCode(403)
          .body("message", containsString("Pier's own storage"));
    }
    given().get("/api/v1/models/" + model + "/versions/1").then().statusCode(404);
  }

  @Test
  void aBatchJobReadingOrWritingPiersOwnStorageIsRefused() {
    String async = "s3://" + config.async().bucket() + "/async-results/x.jsonl";
    String artifacts = "s3://" + config.registry().artifactsBucket() + "/artifacts/sha256/";
    String plans = "s3://" + config.batch().bucket() + "/jobs/bj-1/plan.jsonl";
    for (String body : new String[] {
        "{\"model\":\"demo\",\"input\":\"" + async + "\"}",
        "{\"model\":\"demo\",\"input\":\"" + plans + "\"}",
        "{\"model\":\"demo\",\"input\":\"s3://" + config.batch().bucket() + "/in.jsonl\",\"output\":\"" + artifacts + "\"}"}) {
      given().contentType(ContentType.JSON).body(body).post("/api/v1/batch-jobs").then().statusCode(403)
          .body("detail", containsString("Pier's own storage"));
    }
    given().contentType(ContentType.JSON)
        .body("{\"model\":\"demo\",\"input\":\"" + async.replace("x.jsonl", "") + "\",\"schedule\":\"rate(1 day)\"}")
        .post("/api/v1/batch-schedules").then().statusCode(403);
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://[::1]:8080/x",
      "http://[::ffff:169.254.169.254]/", "http://100.64.0.1/", "http://[fd00::1]/"})
  void aWebhookAtAnInternalAddressIsRefused(String url) {
    given().contentType(ContentType.JSON).body("{\"url\":\"" + url + "\"}").post("/api/v1/webhooks").then()
        .statusCode(400).body("detail", containsString("address"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://[::1]:8080/x"})
  void anAsyncCallbackAtAnInternalAddressIsRefused(String url) {
    given().contentType(ContentType.JSON).header("Prefer", "respond-async")
        .header(AsyncIntake.CALLBACK_HEADER, url).body(ROW).post("/v2/models/demo/infer").then().statusCode(400)
        .body("error", containsString(AsyncIntake.CALLBACK_HEADER));
  }
}
