package dev.pier.api.training;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

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
 * Ranking objectives through the API: a query column keeps each query's rows together (group k-fold, whole queries
 * held out), the job is judged by NDCG@k, and the registered model serves one score per row.
 */
@QuarkusTest
class RankingTrainingApiTest {
  @Inject AwsClients aws;

  /** 80 queries of 6 documents, interleaved; relevance 0-3 grows with "match", "noise" is noise. */
  @BeforeEach
  void data() {
    Random r = new Random(3);
    StringBuilder csv = new StringBuilder("qid,match,noise,relevance\n");
    for (int i = 0; i < 480; i++) {
      double match = r.nextDouble();
      int rel = (int) Math.max(0, Math.min(3, Math.floor(4 * match + 0.5 * r.nextGaussian())));
      csv.append(String.format(Locale.ROOT, "q%d,%.4f,%.4f,%d%n", i % 80, match, r.nextDouble(), rel));
    }
    aws.s3().putObject(b -> b.bucket("pier-batch").key("datasets/ranking/rows.csv"),
        RequestBody.fromString(csv.toString()));
  }

  private static String job(String objective, String extra) {
    return "{\"name\": \"ranker\", \"dataset\": {\"uri\": \"s3://pier-batch/datasets/ranking/rows.csv\","
        + " \"label\": \"relevance\", \"features\": [\"match\", \"noise\"]}, \"params\": {\"objective\": \""
        + objective + "\", \"num_round\": 20, \"max_depth\": 3}, \"cv\": {\"folds\": 3}, \"seed\": 2" + extra + "}";
  }

  @Test
  void aRankingJobTrainsOnWholeQueriesAndIsJudgedByNdcg() throws Exception {
    for (String objective : new String[] {"rank:ndcg", "rank:pairwise"}) {
      String id = given().contentType("application/json")
          .body(job(objective, ", \"query\": \"qid\", \"metric\": \"ndcg@5\", \"register\": {\"model\": \"ranker\"}"))
          .post("/api/v1/training-jobs").then().log().ifValidationFails().statusCode(201)
          .body("spec.cv.kind", org.hamcrest.Matchers.equalTo("group"))
          .body("spec.split.mode", org.hamcrest.Matchers.equalTo("group")).extract().path("id");
      JsonPath job = TrainingJobsApiTest.awaitFinished(id);
      assertThat(job.getString("state")).as(job.prettify()).isEqualTo("SUCCEEDED");
      assertThat(job.getDouble("best.cv_mean")).as(objective).isGreaterThan(0.85);
      assertThat(job.getDouble("refit.holdout_score")).as(objective).isGreaterThan(0.85);
      int version = job.getInt("registered.version");
      given().contentType("application/json")
          .body("{\"inputs\": [{\"name\": \"input\", \"shape\": [2, 2], \"datatype\": \"FP32\", \"data\": [0.9, 0.5,"
              + " 0.1, 0.5]}]}")
          .post("/v2/models/ranker/versions/" + version + "/infer").then().log().ifValidationFails().statusCode(200)
          .body("outputs[0].shape", org.hamcrest.Matchers.contains(2));
    }
    // the default metric of a ranking objective is ndcg
    String id = given().contentType("application/json").body(job("rank:ndcg", ", \"query\": \"qid\""))
        .post("/api/v1/training-jobs").then().statusCode(201).body("spec.metric", org.hamcrest.Matchers.equalTo("ndcg"))
        .extract().path("id");
    TrainingJobsApiTest.awaitFinished(id);
  }

  @Test
  void badRankingJobsAreRefusedNamingWhatIsWrong() {
    refused(job("rank:ndcg", ""), "objective 'rank:ndcg' ranks rows within queries: name the query column");
    refused(job("binary:logistic", ", \"query\": \"qid\""), "query is for ranking objectives");
    refused(job("rank:ndcg", ", \"query\": \"session\""), "query column 'session' is not in dataset");
    refused(job("rank:ndcg", ", \"query\": \"qid\"").replace("\"folds\": 3", "\"folds\": 3, \"kind\": \"stratified\""),
        "cv.kind stratified would split queries");
    refused(job("rank:ndcg", ", \"query\": \"qid\", \"split\": {\"holdout\": 0.2, \"mode\": \"last\"}"),
        "split.mode last would split queries");
    refused(job("rank:ndcg", ", \"query\": \"qid\", \"metric\": \"auc\""), "metric 'auc' does not fit objective");
    refused(job("binary:logistic", ", \"metric\": \"ndcg@5\"").replace("relevance", "relevance"),
        "metric 'ndcg@5' does not fit objective 'binary:logistic'");
  }

  private static void refused(String body, String detail) {
    given().contentType("application/json").body(body).post("/api/v1/training-jobs").then().log().ifValidationFails()
        .statusCode(400).body("detail", containsString(detail));
  }
}
