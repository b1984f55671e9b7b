package dev.pier.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pier.kernel.aws.AwsClients;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Training jobs follow grants as the registry's listings do: a job belongs to the model it registers, so a key granted
 * {@code viewer} on one model lists, reads and is charged only that model's jobs; another model's job is 404 as if it
 * did not exist. Submitting and cancelling need {@code register} on that one model (not on every model), and a job on
 * the feature store or a recorded dataset {@code features_read} too; a refusal is a 403 naming what is missing.
 */
@QuarkusTest
@TestProfile(AuthOnProfile.class)
class ScopedTrainingListingsTest {
  @jakarta.inject.Inject AwsClients aws;

  private static final String ADMIN = TestTokens.token("root", "admin");
  private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
  private static final String MINE = "train-mine-" + RUN;
  private static final String THEIRS = "train-theirs-" + RUN;
  private static final String VIEWER = TestTokens.token("viewer-" + RUN, "viewer:train-mine-" + RUN + "*");

  /** register on this run's "mine" models only, read on every model. */
  private static final String SCIENTIST = TestTokens.token("scientist-" + RUN, "data-scientist:train-mine-" + RUN + "*",
      "viewer");

  private static String mine;
  private static String theirs;

  @BeforeEach
  synchronized void twoJobsForTwoModels() {
    if (mine != null && theirs != null) {
      return;
    }
    StringBuilder csv = new StringBuilder("x,label\n");
    for (int i = 0; i < 60; i++) {
      csv.append(i % 10).append(',').append(i % 10 > 4 ? 1 : 0).append('\n');
    }
    aws.s3().putObject(b -> b.bucket("pier-batch").key("datasets/scoped/" + RUN + ".csv"),
        RequestBody.fromString(csv.toString()));
    for (String model : List.of(MINE, THEIRS)) {
      if (model.equals(MINE) ? mine != null : theirs != null) {
        continue; // made before a later submission failed
      }
      String id = as(ADMIN).contentType(ContentType.JSON).body("{\"name\": \"" + model + "\", \"project\": \"p-" + RUN
          + "\", \"dataset\": {\"uri\": \"s3://pier-batch/datasets/scoped/" + RUN + ".csv\", \"label\": \"label\"},"
          + " \"params\": {\"objective\": \"binary:logistic\", \"num_round\": 2}, \"cv\": {\"folds\": 2},"
          + " \"register\": {\"model\": \"" + model + "\"}}")
          .post("/api/v1/training-jobs").then().statusCode(201).extract().path("id");
      if (model.equals(MINE)) {
        mine = id;
      } else {
        theirs = id;
      }
    }
  }

  @Test
  void aScopedKeyListsOnlyItsModelsTrainingJobs() {
    List<String> ids = as(VIEWER).get("/api/v1/training-jobs").then().statusCode(200).extract().path("jobs.id");
    assertThat(ids).contains(mine).doesNotContain(theirs);
    List<String> all = as(ADMIN).get("/api/v1/training-jobs").then().statusCode(200).extract().path("jobs.id");
    assertThat(all).contains(mine, theirs);
  }

  @Test
  void anotherModelsTrainingJobIsNotFoundForAScopedKey() {
    as(VIEWER).get("/api/v1/training-jobs/" + theirs).then().statusCode(404);
    as(VIEWER).get("/api/v1/training-jobs/" + mine).then().statusCode(200);
    as(ADMIN).get("/api/v1/training-jobs/" + theirs).then().statusCode(200);
  }

  @Test
  void costsCountOnlyTheJobsTheCallerMayRead() {
    // (a submission that timed out on a loaded machine may have made a second job for a model: hence contains)
    List<String> ids = as(VIEWER).queryParam("project", "p-" + RUN).get("/api/v1/costs").then().statusCode(200)
        .extract().path("by_job.id");
    assertThat(ids).contains(mine).doesNotContain(theirs);
    List<String> all = as(ADMIN).queryParam("project", "p-" + RUN).get("/api/v1/costs").then().statusCode(200)
        .extract().path("by_job.id");
    assertThat(all).contains(mine, theirs).hasSizeGreaterThan(ids.size());
  }

  @Test
  void submittingNeedsRegisterOnlyOnTheModelTheJobRegistersInto() {
    String id = as(SCIENTIST).contentType(ContentType.JSON).body(job(MINE + "-2", uriDataset()))
        .post("/api/v1/training-jobs").then().statusCode(201).extract().path("id");
    as(SCIENTIST).get("/api/v1/training-jobs/" + id).then().statusCode(200);
    as(SCIENTIST).contentType(ContentType.JSON).body(job(THEIRS, uriDataset())).post("/api/v1/training-jobs")
        .then().statusCode(403).body("detail", org.hamcrest.Matchers.allOf(
            org.hamcrest.Matchers.containsString("permission register on model '" + THEIRS + "'"),
            org.hamcrest.Matchers.containsString("scientist-" + RUN)));
    as(SCIENTIST).contentType(ContentType.JSON).body(job(null, uriDataset())).post("/api/v1/training-jobs")
        .then().statusCode(403).body("detail", org.hamcrest.Matchers.containsString("register on every model"));
    // moving an alias (or starting a canary) deploys a version: that needs alias on the model, as the registry's route
    as(SCIENTIST).contentType(ContentType.JSON).body(job(MINE, uriDataset()).replace("\"register\": {",
            "\"register\": {\"canary\": {\"weight\": 0.1}, ")).post("/api/v1/training-jobs")
        .then().statusCode(403).body("detail", org.hamcrest.Matchers.containsString(
            "moving alias 'production' needs permission alias on model '" + MINE + "'"));
    as(VIEWER).contentType(ContentType.JSON).body(job(MINE, uriDataset())).post("/api/v1/training-jobs")
        .then().statusCode(403).body("detail", org.hamcrest.Matchers.containsString("may not register"));
  }

  @Test
  void aJobOnARecordedDatasetNeedsFeaturesReadToo() {
    as(ADMIN).contentType(ContentType.JSON).body("{\"name\": \"scoped-" + RUN + "\", \"uri\": \"s3://pier-batch/datasets/"
        + "scoped/" + RUN + ".csv\"}").post("/api/v1/datasets").then().statusCode(201);
    as(SCIENTIST).contentType(ContentType.JSON).body(job(MINE, "\"scoped-" + RUN + "\", \"label\": \"label\""))
        .post("/api/v1/training-jobs").then().statusCode(403)
        .body("detail", org.hamcrest.Matchers.containsString("needs permission features_read"));
    String admins = TestTokens.token("fs-" + RUN, "data-scientist:train-mine-" + RUN + "*", "viewer",
        "features_read");
    as(admins).contentType(ContentType.JSON).body(job(MINE, "\"scoped-" + RUN + "\", \"label\": \"label\""))
        .post("/api/v1/training-jobs").then().statusCode(201);
  }

  @Test
  void cancellingNeedsRegisterOnTheJobsModel() {
    as(SCIENTIST).post("/api/v1/training-jobs/" + theirs + "/cancel").then().statusCode(403)
        .body("detail", org.hamcrest.Matchers.containsString("permission register on model '" + THEIRS + "'"));
    String scopedOnly = TestTokens.token("narrow-" + RUN, "data-scientist:train-mine-" + RUN + "*");
    as(scopedOnly).post("/api/v1/training-jobs/" + theirs + "/cancel").then().statusCode(404);
  }

  private static String uriDataset() {
    return "{\"uri\": \"s3://pier-batch/datasets/scoped/" + RUN + ".csv\", \"label\": \"label\"}";
  }

  private static String job(String model, String dataset) {
    return "{\"name\": \"scoped-" + RUN + "\", \"project\": \"q-" + RUN + "\", \"dataset\": " + dataset + ","
        + " \"params\": {\"objective\": \"binary:logistic\", \"num_round\": 2}, \"cv\": {\"folds\": 2}"
        + (model == null ? "" : ", \"register\": {\"model\": \"" + model + "\"}") + "}";
  }

  private static RequestSpecification as(String token) {
    return given().header("Authorization", "Bearer " + token);
  }
}
