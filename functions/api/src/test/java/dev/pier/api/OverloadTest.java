package dev.pier.api;

import dev.pier.runtime.PredictionService;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.pier.runtime.Budget;
import dev.pier.runtime.ConcurrencyLimits;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A model at its concurrency limit ({@code pier.limits.max-concurrent-per-model}, 64 by default) answers 429 with
 * Retry-After on every REST path — small bodies taken on the I/O thread and large ones parsed on workers — and
 * health checks keep answering.
 */
@QuarkusTest
class OverloadTest {
  private static final String ROW =
      "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[5.1,3.5,1.4,0.2]}]}";

  @Inject PredictionService predictionService;
  private final List<ConcurrencyLimits.Permit> held = new ArrayList<>();

  private void takeEveryPermitOfDemo() {
    for (int i = 0; i < predictionService.limits().maxConcurrent(); i++) {
      held.add(predictionService.limits().admit("demo", System.nanoTime(), Budget.WAIT));
    }
  }

  @AfterEach
  void release() {
    held.forEach(ConcurrencyLimits.Permit::close);
    held.clear();
  }

  private static String rows(int n) {
    StringBuilder data = new StringBuilder();
    for (int i = 0; i < n; i++) {
      data.append(i == 0 ? "" : ",").append("5.1,3.5,1.4,0.2");
    }
    return "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[" + n + ",4],\"data\":[" + data + "]}]}";
  }

  @Test
  void aLargeRequestToAModelAtItsLimitIsRefusedWith429AndRetryAfter() {
    String large = rows(5000); // ~80 KB: over the I/O thread's 64 KiB, parsed on a worker
    given().contentType(ContentType.JSON).body(large).post("/v2/models/demo/infer").then().statusCode(200);
    takeEveryPermitOfDemo();
    given().contentType(ContentType.JSON).body(large).post("/v2/models/demo/infer")
        .then().statusCode(429).header("Retry-After", equalTo("1")).body("error",
            containsString("limit of " + predictionService.limits().maxConcurrent()));
  }

  @Test
  void aSmallRequestToAModelAtItsLimitIsRefusedWith429AndRetryAfter() {
    takeEveryPermitOfDemo();
    given().contentType(ContentType.JSON).body(ROW).post("/v2/models/demo/versions/production/infer")
        .then().statusCode(429).header("Retry-After", equalTo("1"));
    release();
    given().contentType(ContentType.JSON).body(ROW).post("/v2/models/demo/infer").then().statusCode(200);
  }

  @Test
  void healthChecksAnswerWhileAModelIsAtItsLimit() {
    takeEveryPermitOfDemo();
    given().get("/v2/health/ready").then().statusCode(200);
    given().get("/v2/health/live").then().statusCode(200);
  }
}
