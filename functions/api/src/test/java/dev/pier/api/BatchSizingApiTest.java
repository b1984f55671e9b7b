package dev.pier.api;

import dev.pier.kernel.aws.AwsClients;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.util.UUID;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/** A version's measured throughput sizes its next jobs' chunks; every job reports throughput and estimated cost. */
@QuarkusTest
class BatchSizingApiTest {
  @Inject AwsClients aws;

  private static JsonPath run(String model, String key) throws InterruptedException {
    return BatchTestClient.awaitFinished(BatchTestClient.submit(
        "{\"model\": \"" + model + "\", \"version\": \"1\", \"input\": \"s3://pier-batch/" + key + "\"}"));
  }

  @Test
  void theSecondJobOfAVersionIsSizedFromTheFirstJobsMeasuredThroughput() throws Exception {
    String model = "sz-" + UUID.randomUUID().toString().substring(0, 8);
    given().multiPart("artifact", Fixtures.model("iris-mlp.onnx").toFile())
        .multiPart("metadata", "{\"framework\":\"onnx\"}")
        .post("/api/v1/models/" + model + "/versions").then().statusCode(201);
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < 20_000; i++) {
      rows.append("{\"input\":[5.1,3.5,1.4,0.2]}\n");
    }
    aws.s3().putObject(b -> b.bucket("pier-batch").key("sizing/rows.jsonl"),
        RequestBody.fromString(rows.toString()));

    JsonPath first = run(model, "sizing/rows.jsonl");
    JsonPath second = run(model, "sizing/rows.jsonl");

    assertThat(first.getString("state")).isEqualTo("SUCCEEDED");
    assertThat(first.getString("plan.basis")).isEqualTo("default");
    assertThat(first.getInt("plan.chunk_rows")).isEqualTo(50_000);
    long measured = first.getLong("scoring_records_per_second");
    assertThat(measured).isPositive();
    assertThat(second.getString("plan.basis")).isEqualTo("measured");
    assertThat(second.getLong("plan.measured_records_per_second")).isCloseTo(measured, Offset.offset(1L));
    assertThat(second.getInt("plan.chunk_rows")).isCloseTo((int) Math.max(1_000, Math.min(500_000, 8 * measured)),
        Offset.offset(8));
    assertThat(second.getInt("plan.chunks")).isEqualTo((20_000 + second.getInt("plan.chunk_rows") - 1)
        / second.getInt("plan.chunk_rows"));
    assertThat(second.getDouble("estimated_cost_usd.total")).isPositive()
        .isCloseTo(second.getDouble("estimated_cost_usd.lambda") + second.getDouble("estimated_cost_usd.step_functions")
            + second.getDouble("estimated_cost_usd.s3") + second.getDouble("estimated_cost_usd.dynamodb"),
            Offset.offset(0.000003));
  }
}
