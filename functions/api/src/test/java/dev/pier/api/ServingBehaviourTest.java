package dev.pier.api;

import dev.pier.runtime.ModelCache;
import dev.pier.registry.ModelRegistry;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Preloading, micro-batching and version changes under load, through the HTTP API. */
@QuarkusTest
class ServingBehaviourTest {
  private static final String ROW =
      "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[6.3,2.9,5.6,1.8]}]}";

  @Inject ModelCache models;

  @Inject ModelRegistry registry;

  private static String fresh() {
    return "s-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static int register(String model, String file, String metadata) {
    return given().multiPart("artifact", Fixtures.model(file).toFile()).multiPart("metadata", metadata)
        .post("/api/v1/models/" + model + "/versions").then().statusCode(201).extract().path("version");
  }

  @Test
  void preloadedVersionsAreLoadedBeforeTheFirstRequest() {
    assertThat(models.isLoaded(registry.resolve("demo", null))).isTrue();
  }

  @Test
  void aBatchedVersionAnswersConcurrentRequestsEachWithItsOwnRows() throws Exception {
    String model = fresh();
    register(model, "iris-mlp.onnx", "{\"framework\":\"onnx\",\"batching\":{\"max_batch_size\":8,\"max_delay_ms\":5}}");
    given().get("/api/v1/models/" + model + "/versions/1").then()
        .body("batching.max_batch_size", equalTo(8)).body("batching.max_delay_ms", equalTo(5.0f));
    ExecutorService pool = Executors.newFixedThreadPool(12);
    List<Future<Integer>> labels = new ArrayList<>();
    float[][] rows = {{5.1f, 3.5f, 1.4f, 0.2f}, {6.7f, 3.0f, 5.2f, 2.3f}, {5.9f, 3.0f, 4.2f, 1.5f}};
    int[] expected = {0, 2, 1};
    for (int i = 0; i < 60; i++) {
      float[] r = rows[i % 3];
      String body = "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":["
          + r[0] + "," + r[1] + "," + r[2] + "," + r[3] + "]}]}";
      labels.add(pool.submit(() -> given().contentType(ContentType.JSON).body(body)
          .post("/v2/models/" + model + "/versions/1/infer")
          .then().statusCode(200).extract().jsonPath().getInt("outputs.find { it.name == 'label' }.data[0]")));
    }
    for (int i = 0; i < labels.size(); i++) {
      assertThat(labels.get(i).get()).as("request %d", i).isEqualTo(expected[i % 3]);
    }
    pool.shutdown();
  }

  @Test
  void anInvalidBatchingPolicyIsRefused() {
    given().multiPart("artifact", Fixtures.model("iris-mlp.onnx").toFile())
        .multiPart("metadata", "{\"framework\":\"onnx\",\"batching\":{\"max_batch_size\":0,\"max_delay_ms\":5}}")
        .post("/api/v1/models/" + fresh() + "/versions")
        .then().statusCode(400).body("detail", containsString("batching.max_batch_size"));
  }

  @Test
  void tenAliasMovesUnderContinuousLoadFailNoRequest() throws Exception {
    String model = fresh();
    register(model, "iris-mlp.onnx", "{\"framework\":\"onnx\"}");
    register(model, "iris-mlp-v2.onnx", "{\"framework\":\"onnx\"}");
    String alias = "/api/v1/models/" + model + "/aliases/production";
    given().contentType(ContentType.JSON).body("{\"version\":1}").put(alias).then().statusCode(200);

    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger ok = new AtomicInteger();
    List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    Set<String> answered = ConcurrentHashMap.newKeySet();
    ExecutorService load = Executors.newFixedThreadPool(4);
    for (int t = 0; t < 4; t++) {
      load.submit(() -> {
        while (running.get()) {
          var r = given().contentType(ContentType.JSON).body(ROW).post("/v2/models/" + model + "/infer");
          if (r.statusCode() == 200) {
            ok.incrementAndGet();
            answered.add(r.jsonPath().getString("model_version"));
          } else {
            failures.add(r.statusCode() + " " + r.asString());
          }
        }
        return null;
      });
    }
    for (int move = 0; move < 10; move++) {
      Thread.sleep(150);
      given().contentType(ContentType.JSON).body("{\"version\":" + (move % 2 == 0 ? 2 : 1) + "}").put(alias)
          .then().statusCode(200);
    }
    Thread.sleep(150);
    running.set(false);
    load.shutdown();
    assertThat(load.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(failures).isEmpty();
    assertThat(ok.get()).isGreaterThan(50);
    assertThat(answered).containsExactlyInAnyOrder("1", "2");
  }

  @Test
  void anEndpointPlacedVersionIsServedThroughTheSageMakerRuntime() {
    String model = fresh();
    register(model, "iris-mlp.onnx", "{\"framework\":\"onnx\",\"placement\":{\"kind\":\"endpoint\","
        + "\"instance_type\":\"ml.g5.xlarge\",\"instance_count\":1}}");
    given().get("/api/v1/models/" + model + "/versions/1").then().statusCode(200)
        .body("placement.kind", equalTo("endpoint"))
        .body("placement.endpoint_name", equalTo("pier-" + model + "-v1"))
        .body("placement.instance_type", equalTo("ml.g5.xlarge"));
    given().get("/v2/models/" + model + "/versions/1").then().statusCode(200)
        .body("platform", equalTo("sagemaker_endpoint:pier-" + model + "-v1"));
    given().contentType(ContentType.JSON).body(ROW).post("/v2/models/" + model + "/versions/1/infer")
        .then().statusCode(200).body("model_name", equalTo(model)).body("model_version", equalTo("1"))
        .body("outputs.find { it.name == 'label' }.data", equalTo(List.of(2)));
    given().contentType(ContentType.JSON)
        .body("{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,3],\"data\":[1,2,3]}]}")
        .post("/v2/models/" + model + "/versions/1/infer")
        .then().statusCode(400).body("error", containsString("does not match the model's [-1,4]"));
  }

  @Test
  void anUnknownPlacementKindIsRefused() {
    given().multiPart("artifact", Fixtures.model("iris-mlp.onnx").toFile())
        .multiPart("metadata", "{\"framework\":\"onnx\",\"placement\":{\"kind\":\"gpu\"}}")
        .post("/api/v1/models/" + fresh() + "/versions")
        .then().statusCode(400).body("detail", containsString("placement.kind must be function, endpoint or ecs"));
  }

  @Test
  void anOptedInVersionAnswersIdenticalInputsFromItsCacheAndNeverAcrossVersions() {
    String model = fresh();
    register(model, "iris-mlp.onnx", "{\"framework\":\"onnx\",\"response_cache\":{\"ttl_seconds\":60}}");
    register(model, "iris-mlp-v2.onnx", "{\"framework\":\"onnx\",\"response_cache\":{\"ttl_seconds\":60}}");
    String nested = "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[[6.3,2.9,5.6,1.8]]}]}";
    for (String v : List.of("1", "1", "2")) {
      given().contentType(ContentType.JSON).body(v.equals("1") ? ROW : nested)
          .post("/v2/models/" + model + "/versions/" + v + "/infer").then().statusCode(200)
          .body("model_version", equalTo(v));
    }
    given().contentType(ContentType.JSON).body(nested).post("/v2/models/" + model + "/versions/1/infer")
        .then().statusCode(200);
    given().get("/api/v1/models/" + model + "/versions/1/cache-stats").then().statusCode(200)
        .body("hits", equalTo(2)).body("misses", equalTo(1));
    given().get("/api/v1/models/" + model + "/versions/2/cache-stats").then().statusCode(200)
        .body("hits", equalTo(0)).body("misses", equalTo(1));
    given().get("/api/v1/models/demo/versions/1/cache-stats").then().statusCode(200)
        .body("enabled", equalTo(false)).body("hits", equalTo(0));
  }
}
