package dev.pier.api;

import dev.pier.kernel.aws.AwsClients;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Finding #23.4: every listing and search answers only what the caller may read. Two models, each with a version, a
 * batch job and a batch schedule; a key granted {@code viewer} (or {@code predictor}) on one of them sees only that
 * one's items, and the other's ids are 404 as if they did not exist.
 */
@QuarkusTest
@TestProfile(AuthOnProfile.class)
class ScopedListingsTest {
  @jakarta.inject.Inject AwsClients aws;

  private static final String ADMIN = TestTokens.token("root", "admin");
  private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
  private static final String MINE = "scope-mine-" + RUN;
  private static final String THEIRS = "scope-theirs-" + RUN;
  private static final String VIEWER = TestTokens.token("viewer-" + RUN, "viewer:scope-mine-" + RUN + "*");
  private static final String PREDICTOR = TestTokens.token("predictor-" + RUN, "predictor:scope-mine-" + RUN + "*");

  private static String theirJob;
  private static String theirSchedule;

  private static boolean seeded;

  /** Once per class, from the first test (the server is not up yet in a static @BeforeAll). */
  @BeforeEach
  synchronized void twoModelsWithAJobAndAScheduleEach() {
    if (seeded) {
      return;
    }
    seeded = true;
    for (String model : List.of(MINE, THEIRS)) {
      BatchTestClient.put(aws.s3(), model + "/rows.jsonl", "{\"inputs\":[[5.1,3.5,1.4,0.2]]}\n");
      as(ADMIN).multiPart("artifact", Fixtures.model("iris-mlp.onnx").toFile())
          .multiPart("metadata", "{\"framework\":\"onnx\",\"tags\":{\"run\":\"" + RUN + "\"}}")
          .post("/api/v1/models/" + model + "/versions").then().statusCode(201);
      as(ADMIN).contentType(ContentType.JSON).body("{\"version\":1}")
          .put("/api/v1/models/" + model + "/aliases/production").then().statusCode(200);
      String job = as(ADMIN).contentType(ContentType.JSON)
          .body("{\"model\":\"" + model + "\",\"input\":\"s3://pier-batch/" + model + "/rows.jsonl\"}")
          .post("/api/v1/batch-jobs").then().statusCode(201).extract().path("id");
      String schedule = as(ADMIN).contentType(ContentType.JSON)
          .body("{\"model\":\"" + model + "\",\"input\":\"s3://pier-batch/" + model + "/\",\"schedule\":\"rate(1 day)\"}")
          .post("/api/v1/batch-schedules").then().statusCode(201).extract().path("id");
      if (model.equals(THEIRS)) {
        theirJob = job;
        theirSchedule = schedule;
      }
    }
  }

  @Test
  void versionSearchAnswersAScopedKeyOnlyItsModelsVersions() {
    for (String key : List.of(VIEWER, PREDICTOR)) {
      List<String> models = as(key).queryParam("filter", "tags.run = '" + RUN + "'")
          .get("/api/v1/model-versions/search").then().statusCode(200).extract().path("versions.model");
      assertThat(models).containsExactly(MINE);
    }
    List<String> all = as(ADMIN).queryParam("filter", "tags.run = '" + RUN + "'")
        .get("/api/v1/model-versions/search").then().statusCode(200).extract().path("versions.model");
    assertThat(all).containsExactlyInAnyOrder(MINE, THEIRS);
  }

  @Test
  void batchJobListingAnswersAScopedKeyOnlyItsModelsJobs() {
    for (String key : List.of(VIEWER, PREDICTOR)) {
      List<String> models = as(key).get("/api/v1/batch-jobs").then().statusCode(200).extract().path("jobs.model");
      assertThat(models).contains(MINE).doesNotContain(THEIRS);
      List<String> filtered = as(key).queryParam("model", THEIRS).get("/api/v1/batch-jobs").then().statusCode(200)
          .extract().path("jobs.model");
      assertThat(filtered).isEmpty();
    }
  }

  @Test
  void anotherModelsBatchJobIsNotFoundForAScopedKey() {
    as(VIEWER).get("/api/v1/batch-jobs/" + theirJob).then().statusCode(404);
    as(ADMIN).get("/api/v1/batch-jobs/" + theirJob).then().statusCode(200);
  }

  @Test
  void batchScheduleListingAnswersAScopedKeyOnlyItsModelsSchedules() {
    for (String key : List.of(VIEWER, PREDICTOR)) {
      List<String> models = as(key).get("/api/v1/batch-schedules").then().statusCode(200)
          .extract().path("schedules.model");
      assertThat(models).contains(MINE).doesNotContain(THEIRS);
    }
  }

  @Test
  void anotherModelsBatchScheduleIsNotFoundForAScopedKey() {
    as(VIEWER).get("/api/v1/batch-schedules/" + theirSchedule).then().statusCode(404);
    as(ADMIN).get("/api/v1/batch-schedules/" + theirSchedule).then().statusCode(200);
  }

  @Test
  void modelListingAnswersAScopedKeyOnlyItsModels() {
    List<String> names = as(VIEWER).queryParam("max_results", 1000).get("/api/v1/models").then().statusCode(200)
        .extract().path("models.name");
    assertThat(names).contains(MINE).doesNotContain(THEIRS);
  }

  private static RequestSpecification as(String token) {
    return given().header("Authorization", "Bearer " + token);
  }
}
