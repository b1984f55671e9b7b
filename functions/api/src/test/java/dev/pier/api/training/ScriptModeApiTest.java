package dev.pier.api.training;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pier.kernel.aws.AwsClients;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Script mode over HTTP: a job with {@code "algorithm": "script"} runs the committed standard-library Python script
 * (training-jobs' test resources) under SageMaker's contract, registers the ONNX model it wrote, and Pier serves that
 * model: {@code /v2/…/infer} answers probabilities that rise with the feature the label rises with.
 */
@QuarkusTest
class ScriptModeApiTest {
  private static final Path SCRIPT = Path.of("../training-jobs/src/test/resources/scripts/train_logreg.py")
      .toAbsolutePath().normalize();

  @Inject AwsClients aws;

  @Test
  void aScriptJobRegistersAModelPierServes() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")) && Files.isRegularFile(SCRIPT),
        "the suite installs /usr/bin/python3");
    Random r = new Random(12);
    StringBuilder csv = new StringBuilder("a,b,y\n");
    for (int i = 0; i < 150; i++) {
      double a = r.nextGaussian();
      double b = r.nextGaussian();
      csv.append(String.format(Locale.ROOT, "%.4f,%.4f,%d%n", a, b, 2 * a + r.nextGaussian() > 0 ? 1 : 0));
    }
    aws.s3().putObject(b -> b.bucket("pier-batch").key("datasets/script/rows.csv"),
        RequestBody.fromString(csv.toString()));
    String body = """
        {"name": "script-api", "algorithm": "script",
         "dataset": {"uri": "s3://pier-batch/datasets/script/rows.csv", "label": "y"},
         "script": {"command": ["/usr/bin/python3", "SCRIPT"], "framework": "onnx",
                    "metric_definitions": [{"name": "validation:auc", "regex": "(?:validation|test)-auc=([0-9.]+)"}]},
         "params": {"epochs": 30, "lr": 0.5}, "cv": {"folds": 2}, "seed": 4,
         "register": {"model": "script-api", "alias": "production"}}
        """.replace("SCRIPT", SCRIPT.toString());
    String id = given().contentType("application/json").body(body).post("/api/v1/training-jobs").then()
        .log().ifValidationFails().statusCode(201).extract().path("id");
    JsonPath job = TrainingJobsApiTest.awaitFinished(id);
    assertThat(job.getString("state")).as(job.prettify()).isEqualTo("SUCCEEDED");
    assertThat(job.getString("spec.script.goal")).isEqualTo("maximize");
    assertThat(job.getDouble("refit.holdout_score")).isBetween(0.6, 1.0);
    int version = job.getInt("registered.version");
    given().get("/api/v1/models/script-api/versions/" + version).then().log().ifValidationFails().statusCode(200)
        .body(containsString("onnx"));

    List<Float> p = given().contentType("application/json")
        .body("{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[3,2],\"data\":[-2,0,0,0,2,0]}]}")
        .post("/v2/models/script-api/infer").then().log().ifValidationFails().statusCode(200)
        .extract().jsonPath().getList("outputs[0].data", Float.class);
    assertThat(p).hasSize(3).allSatisfy(v -> assertThat(v).isBetween(0f, 1f));
    assertThat(p.get(0)).isLessThan(p.get(1));
    assertThat(p.get(1)).isLessThan(p.get(2));
  }
}
