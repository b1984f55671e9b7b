package dev.pier.api.training;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.pier.kernel.aws.AwsClients;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * The optional canary step after registering: the new version is given a weight of another alias's traffic while the
 * alias stays on its version (the registry's canary), recorded on the job; an alias not there yet is pointed at the
 * new version. Bad canary settings are a 400 before anything runs.
 */
@QuarkusTest
class CanaryStepApiTest {
  @Inject AwsClients aws;

  @BeforeEach
  void data() {
    Random r = new Random(8);
    StringBuilder csv = new StringBuilder("x1,x2,label\n");
    for (int i = 0; i < 200; i++) {
      double x1 = r.nextDouble();
      double x2 = r.nextDouble();
      csv.append(String.format(Locale.ROOT, "%.4f,%.4f,%d%n", x1, x2, x1 + x2 + 0.3 * r.nextGaussian() > 1 ? 1 : 0));
    }
    aws.s3().putObject(b -> b.bucket("pier-batch").key("datasets/canary/rows.csv"),
        RequestBody.fromString(csv.toString()));
  }

  private static String job(String register) {
    return "{\"name\": \"canary-step\", \"dataset\": {\"uri\": \"s3://pier-batch/datasets/canary/rows.csv\","
        + " \"label\": \"label\"}, \"params\": {\"objective\": \"binary:logistic\", \"num_round\": 5},"
        + " \"cv\": {\"folds\": 2}, \"seed\": 1, \"register\": " + register + "}";
  }

  private static JsonPath run(String register) throws InterruptedException {
    String id = given().contentType("application/json").body(job(register)).post("/api/v1/training-jobs").then()
        .log().ifValidationFails().statusCode(201).extract().path("id");
    JsonPath job = TrainingJobsApiTest.awaitFinished(id);
    assertThat(job.getString("state")).as(job.prettify()).isEqualTo("SUCCEEDED");
    return job;
  }

  @Test
  void aNewVersionBecomesTheCanaryOfTheCurrentAlias() throws Exception {
    int first = run("{\"model\": \"canaried\", \"alias\": \"production\"}").getInt("registered.version");
    JsonPath second = run("{\"model\": \"canaried\", \"canary\": {\"alias\": \"production\", \"weight\": 0.25}}");
    int version = second.getInt("registered.version");
    assertThat(version).isGreaterThan(first);
    assertThat(second.getString("registered.canary.alias")).isEqualTo("production");
    assertThat(second.getInt("registered.canary.baseline")).isEqualTo(first);
    assertThat(second.getDouble("registered.canary.weight")).isEqualTo(0.25);
    given().get("/api/v1/models/canaried/aliases/production").then().log().ifValidationFails().statusCode(200)
        .body("version", equalTo(first)).body("canary.version", equalTo(version))
        .body("canary.weight", equalTo(0.25f));
    // an alias that is not there yet has nothing to canary against: it is pointed at the new version
    JsonPath fresh = run("{\"model\": \"canaried-new\", \"canary\": {\"alias\": \"production\", \"weight\": 0.1}}");
    assertThat(fresh.getInt("registered.canary.baseline")).isZero();
    given().get("/api/v1/models/canaried-new/aliases/production").then().statusCode(200)
        .body("version", equalTo(fresh.getInt("registered.version")));
  }

  @Test
  void badCanarySettingsAreRefusedBeforeAnythingRuns() {
    refused("{\"model\": \"m\", \"canary\": {\"alias\": \"production\", \"weight\": 1.5}}",
        "register.canary.weight must be between 0 and 1");
    refused("{\"model\": \"m\", \"canary\": {\"alias\": \"production\"}}", "register.canary.weight");
    refused("{\"model\": \"m\", \"alias\": \"production\", \"canary\": {\"weight\": 0.2}}",
        "register.canary.alias 'production' is also register.alias");
    refused("{\"model\": \"m\", \"canary\": {\"weight\": 0.2, \"share\": 1}}", "unknown field 'share'");
  }

  private static void refused(String register, String detail) {
    given().contentType("application/json").body(job(register)).post("/api/v1/training-jobs").then()
        .log().ifValidationFails().statusCode(400).body("detail", containsString(detail));
  }
}
