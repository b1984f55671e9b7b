package dev.pier.api.training;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import dev.pier.kernel.aws.AwsClients;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Declared categorical columns, a string and an integer one: XGBoost trains on their category codes with native
 * categorical splits, the registered version carries the coding as its feature pipeline, and {@code /predict} takes
 * the raw values — coded exactly as a tensor of the codes would be, and an unseen category served as a missing one.
 */
@QuarkusTest
class CategoricalTrainingApiTest {
  private static final String DATA = "s3://pier-batch/datasets/categorical/rows.csv";

  @Inject AwsClients aws;

  /** 400 rows: the label is 1 for plan "pro", or region 3 with x above 0.5; else mostly 0. */
  @BeforeEach
  void data() {
    Random r = new Random(11);
    String[] plans = {"basic", "pro", "team"};
    StringBuilder csv = new StringBuilder("x,plan,region,score,label\n");
    for (int i = 0; i < 400; i++) {
      double x = r.nextDouble();
      String plan = plans[r.nextInt(3)];
      int region = 1 + r.nextInt(4);
      boolean positive = plan.equals("pro") || region == 3 && x > 0.5;
      int label = r.nextDouble() < 0.05 ? (positive ? 0 : 1) : (positive ? 1 : 0);
      csv.append(String.format(Locale.ROOT, "%.4f,%s,%d,%.3f,%d%n", x, plan, region, r.nextDouble(), label));
    }
    aws.s3().putObject(b -> b.bucket("pier-batch").key("datasets/categorical/rows.csv"),
        RequestBody.fromString(csv.toString()));
  }

  private static String job(String model, String features, String categorical) {
    return "{\"name\": \"cat-" + model + "\", \"dataset\": {\"uri\": \"" + DATA + "\", \"label\": \"label\","
        + " \"features\": " + features + ", \"categorical\": " + categorical + "},"
        + " \"params\": {\"objective\": \"binary:logistic\", \"num_round\": 30, \"max_depth\": 3}, \"metric\": \"auc\","
        + " \"cv\": {\"folds\": 3}, \"seed\": 5, \"register\": {\"model\": \"" + model + "\"}}";
  }

  @Test
  void aModelTrainedOnStringAndIntegerCategoriesServesRawValues() throws Exception {
    String id = given().contentType("application/json")
        .body(job("cat-plans", "[\"x\", \"plan\", \"region\"]", "[\"plan\", \"region\"]"))
        .post("/api/v1/training-jobs").then().log().ifValidationFails().statusCode(201).extract().path("id");
    JsonPath job = TrainingJobsApiTest.awaitFinished(id);
    assertThat(job.getString("state")).as(job.prettify()).isEqualTo("SUCCEEDED");
    assertThat(job.getDouble("refit.holdout_score")).isGreaterThan(0.85);
    int version = job.getInt("registered.version");

    // the coding is stored with the version: categories sorted as text, unknown values missing
    JsonPath v = given().get("/api/v1/models/cat-plans/versions/" + version).then().statusCode(200).extract()
        .jsonPath();
    String pipeline = v.prettify();
    assertThat(pipeline).contains("\"basic\"", "\"pro\"", "\"team\"", "\"missing\"");

    float pro = predict(version, "{\"x\": 0.2, \"plan\": \"pro\", \"region\": 1}");
    float basic = predict(version, "{\"x\": 0.2, \"plan\": \"basic\", \"region\": 1}");
    float region3 = predict(version, "{\"x\": 0.9, \"plan\": \"basic\", \"region\": 3}");
    // (the refit trains the rounds cross-validation found best, which can be few: compare, not thresholds)
    assertThat(pro).isGreaterThan(basic);
    assertThat(region3).isGreaterThan(basic);
    // the same as the model on the codes themselves: basic 0, pro 1, team 2; regions "1".."4" → 0..3
    assertThat(infer(version, 0.2f, 1, 0)).isEqualTo(pro);
    assertThat(infer(version, 0.9f, 0, 2)).isEqualTo(region3);
    // an integer category may come as a number or as its digits
    assertThat(predict(version, "{\"x\": 0.9, \"plan\": \"basic\", \"region\": \"3\"}")).isEqualTo(region3);
    // an unseen category is a missing value: the same answer as leaving it out, not an error
    float unseen = predict(version, "{\"x\": 0.2, \"plan\": \"enterprise\", \"region\": 1}");
    float absent = predict(version, "{\"x\": 0.2, \"region\": 1}");
    assertThat(unseen).isEqualTo(absent);
    assertThat(unseen).isBetween(0f, 1f);
  }

  @Test
  void badCategoricalDeclarationsAreRefusedNamingTheColumn() {
    refused(job("c1", "[\"x\", \"plan\"]", "[\"x\"]"), "categorical column 'x' is DOUBLE");
    refused(job("c2", "[\"x\", \"plan\"]", "[\"colour\"]"), "categorical column 'colour' is not in dataset");
    refused(job("c3", "[\"x\", \"plan\"]", "[\"region\"]"), "categorical column 'region' is not one of the job's"
        + " features");
    refused(job("c4", "[\"x\", \"plan\"]", "[\"label\"]"), "categorical column 'label' is the label");
    refused(job("c5", "[\"x\", \"plan\"]", "[\"plan\", \"plan\"]"), "categorical column 'plan' is declared twice");
    refused(job("c6", "[\"x\", \"plan\"]", "[]"), "feature 'plan' is VARCHAR, not numeric");
    refused(job("c7", "[\"x\", \"plan\"]", "\"plan\""), "categorical");
  }

  private static void refused(String body, String detail) {
    given().contentType("application/json").body(body).post("/api/v1/training-jobs").then().log().ifValidationFails()
        .statusCode(400).body("detail", containsString(detail));
  }

  private static float predict(int version, String instance) {
    JsonPath answer = given().contentType("application/json").body("{\"instances\": [" + instance + "]}")
        .post("/api/v1/models/cat-plans/predict?version=" + version).then().log().ifValidationFails()
        .statusCode(200).extract().jsonPath();
    return first(answer.get("predictions[0].probabilities"));
  }

  private static float infer(int version, float x, int plan, int region) {
    JsonPath answer = given().contentType("application/json")
        .body("{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 3], \"datatype\": \"FP32\", \"data\": [" + x + ", "
            + plan + ", " + region + "]}]}")
        .post("/v2/models/cat-plans/versions/" + version + "/infer").then().log().ifValidationFails()
        .statusCode(200).extract().jsonPath();
    return first(answer.get("outputs.find { it.name == 'probabilities' }.data"));
  }

  private static float first(Object value) {
    Object v = value instanceof List<?> list ? list.get(0) : value;
    v = v instanceof List<?> inner ? inner.get(0) : v;
    return ((Number) v).floatValue();
  }
}
