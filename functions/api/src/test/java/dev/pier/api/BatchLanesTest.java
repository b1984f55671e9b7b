package dev.pier.api;

import dev.pier.kernel.aws.AwsClients;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/** Priority lanes: a high-priority job does not wait for the low-priority work already running or queued. */
@QuarkusTest
class BatchLanesTest {
  @Inject AwsClients aws;

  private String submit(String key, String priority) {
    return given().contentType(ContentType.JSON)
        .body("{\"model\": \"demo\", \"input\": \"s3://pier-batch/" + key + "\", \"priority\": \"" + priority + "\"}")
        .post("/api/v1/batch-jobs").then().statusCode(201).extract().path("id");
  }

  private JsonPath job(String id) {
    return given().get("/api/v1/batch-jobs/" + id).then().statusCode(200).extract().jsonPath();
  }

  private JsonPath await(String id, String states) throws InterruptedException {
    for (int i = 0; i < 1200; i++) {
      JsonPath j = job(id);
      if (j.getString("state").matches(states)) {
        return j;
      }
      Thread.sleep(25);
    }
    throw new AssertionError("batch job " + id + " never reached " + states);
  }

  @Test
  void aHighPriorityJobSubmittedWhileBigLowPriorityJobsRunStartsAndFinishesFirst() throws Exception {
    StringBuilder big = new StringBuilder(400_000 * 48);
    for (int i = 1; i <= 400_000; i++) {
      big.append("{\"id\":").append(i).append(",\"input\":[5.1,3.5,1.4,0.2]}\n");
    }
    var s3 = aws.s3();
    s3.putObject(b -> b.bucket("pier-batch").key("lanes/big.jsonl"), RequestBody.fromString(big.toString()));
    s3.putObject(b -> b.bucket("pier-batch").key("lanes/small.jsonl"),
        RequestBody.fromString("{\"id\":1,\"input\":[6.3,2.9,5.6,1.8]}\n{\"id\":2,\"input\":[5.1,3.5,1.4,0.2]}\n"));

    String low = submit("lanes/big.jsonl", "low");
    String queuedLow = submit("lanes/big.jsonl", "low"); // waits in the low lane (one job at a time there)
    await(low, "RUNNING");
    String high = submit("lanes/small.jsonl", "high");

    JsonPath h = await(high, "SUCCEEDED|FAILED");
    JsonPath l = await(low, "SUCCEEDED|FAILED");
    JsonPath q = await(queuedLow, "SUCCEEDED|FAILED");

    assertThat(h.getString("state")).isEqualTo("SUCCEEDED");
    assertThat(l.getString("state")).isEqualTo("SUCCEEDED");
    assertThat(l.getLong("records.total")).isEqualTo(400_000);
    Instant lowStarted = Instant.parse(l.getString("started_at"));
    Instant highStarted = Instant.parse(h.getString("started_at"));
    Instant highFinished = Instant.parse(h.getString("finished_at"));
    assertThat(highStarted).as("the high job started while the low one ran").isAfterOrEqualTo(lowStarted);
    assertThat(highFinished).as("and finished before it")
        .isBefore(Instant.parse(l.getString("finished_at")));
    assertThat(Instant.parse(q.getString("started_at"))).as("the second low job waited for the first")
        .isAfterOrEqualTo(Instant.parse(l.getString("finished_at")).minusMillis(1))
        .isAfter(highFinished);
  }
}
