package dev.pier.api;

import dev.pier.api.inference.RpcStartup;

import dev.pier.kernel.aws.AwsClients;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.grpc.v2.GRPCInferenceServiceGrpc;
import dev.pier.grpc.v2.InferTensorContents;
import dev.pier.grpc.v2.ModelInferRequest;
import dev.pier.grpc.v2.ModelStreamInferResponse;
import dev.pier.monitoring.capture.CaptureBuffer;
import dev.pier.monitoring.capture.CaptureStore;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The CAPTURE stage seen from every way in: a version registered with {@code "capture": {"sample_rate": 1}} has each
 * prediction — OIP REST (I/O-thread route and JAX-RS), gRPC unary and streaming, {@code /predict},
 * {@code /predict-stream}, async and batch — land in the capture store with its inputs, outputs, request id and way in;
 * a version without capture has none, until a PATCH turns it on.
 */
@QuarkusTest
class CaptureThroughEveryWayInTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PIPELINE = "{\"input\":\"input\",\"features\":"
      + "[{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"c\"},{\"name\":\"d\"}]}";
  private static final String BODY = "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],"
      + "\"data\":[5.1,3.5,1.4,0.2]}]}";

  private static ManagedChannel channel;

  @Inject RpcStartup rpc;
  @Inject AwsClients aws;
  @Inject CaptureBuffer captures;

  @AfterAll
  static void closeChannel() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static String register(String capture) {
    String model = "cap-" + UUID.randomUUID().toString().substring(0, 8);
    given().multiPart("artifact", Fixtures.model("iris-mlp.onnx").toFile())
        .multiPart("metadata", "{\"framework\":\"onnx\",\"pipeline\":" + PIPELINE
            + (capture == null ? "" : ",\"capture\":" + capture) + "}")
        .post("/api/v1/models/" + model + "/versions").then().statusCode(201);
    given().contentType(ContentType.JSON).body("{\"version\": 1}")
        .put("/api/v1/models/" + model + "/aliases/production").then().statusCode(200);
    return model;
  }

  private ModelInferRequest grpcRequest(String model) {
    return ModelInferRequest.newBuilder().setModelName(model)
        .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("input").setDatatype("FP32")
            .addShape(1).addShape(4).setContents(InferTensorContents.newBuilder()
                .addFp32Contents(5.1f).addFp32Contents(3.5f).addFp32Contents(1.4f).addFp32Contents(0.2f)))
        .build();
  }

  /** One prediction through each way in; answers the way-in labels sent. */
  private void predictEveryWay(String model) throws Exception {
    given().contentType(ContentType.JSON).header("X-Request-Id", "rest-" + model).body(BODY)
        .post("/v2/models/" + model + "/infer").then().statusCode(200);
    given().contentType(ContentType.JSON).header("X-Request-Id", "jaxrs-" + model).body(BODY + " ".repeat(70 * 1024))
        .post("/v2/models/" + model + "/infer").then().statusCode(200);
    given().contentType(ContentType.JSON).header("X-Request-Id", "predict-" + model)
        .body("{\"instances\":[{\"a\":5.1,\"b\":3.5,\"c\":1.4,\"d\":0.2},{\"a\":6.7,\"b\":3.0,\"c\":5.2,\"d\":2.3}]}")
        .post("/api/v1/models/" + model + "/predict").then().statusCode(200);
    given().contentType("application/x-ndjson").body("{\"input\":[5.1,3.5,1.4,0.2]}\n".getBytes())
        .post("/api/v1/models/" + model + "/predict-stream").then().statusCode(200);

    if (channel == null) {
      channel = NettyChannelBuilder.forAddress("127.0.0.1", rpc.port("grpc")).usePlaintext().build();
    }
    GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
        .modelInfer(grpcRequest(model));
    CompletableFuture<Void> done = new CompletableFuture<>();
    StreamObserver<ModelInferRequest> in = GRPCInferenceServiceGrpc.newStub(channel)
        .withDeadlineAfter(30, TimeUnit.SECONDS).modelStreamInfer(new StreamObserver<>() {
          @Override
          public void onNext(ModelStreamInferResponse r) {
            assertThat(r.getErrorMessage()).isEmpty();
          }

          @Override
          public void onError(Throwable t) {
            done.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            done.complete(null);
          }
        });
    in.onNext(grpcRequest(model));
    in.onCompleted();
    done.get(30, TimeUnit.SECONDS);

    String id = given().contentType(ContentType.JSON).header("Prefer", "respond-async").body(BODY)
        .post("/v2/models/" + model + "/infer").then().statusCode(202).extract().path("id");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!given().get("/api/v1/predictions/" + id).then().statusCode(200).extract().path("state")
        .equals("SUCCEEDED")) {
      assertThat(System.nanoTime()).as("async prediction scored").isLessThan(deadline);
      Thread.sleep(50);
    }

    String key = "capture/" + UUID.randomUUID() + ".jsonl";
    BatchTestClient.put(aws.s3(), key, "{\"a\":5.1,\"b\":3.5,\"c\":1.4,\"d\":0.2}\n");
    String job = BatchTestClient.submit("{\"model\":\"" + model + "\",\"version\":\"1\",\"input\":\"s3://pier-batch/"
        + key + "\"}");
    assertThat(BatchTestClient.awaitFinished(job).getString("state")).isEqualTo("SUCCEEDED");
  }

  /**
   * The version's captured rows once {@code done} holds for them: the writer thread may hold a batch it is filling
   * (up to {@code pier.capture.flush-interval}), so rows are awaited, not read once.
   */
  private List<CaptureStore.CapturedRow> captured(String model, Instant from,
      java.util.function.Predicate<List<CaptureStore.CapturedRow>> done) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      captures.flush(); // what is still queued
      List<CaptureStore.CapturedRow> rows = new CaptureStore(aws.s3(), "pier-captures").read(model, 1, from,
          Instant.now().plus(1, ChronoUnit.MINUTES));
      if (done.test(rows)) {
        return rows;
      }
      assertThat(System.nanoTime()).as("captured rows of " + model + ": " + waysIn(rows)).isLessThan(deadline);
      Thread.sleep(200);
    }
  }

  private static Set<String> waysIn(List<CaptureStore.CapturedRow> rows) {
    Set<String> out = new TreeSet<>();
    rows.forEach(r -> out.add(r.wayIn()));
    return out;
  }

  @Test
  void everyWayInsPredictionLandsInTheCaptureStoreWhenTheVersionCapturesIt() throws Exception {
    String model = register("{\"sample_rate\": 1}");
    Instant from = Instant.now().minus(1, ChronoUnit.MINUTES);
    predictEveryWay(model);

    List<CaptureStore.CapturedRow> rows = captured(model, from, r -> waysIn(r).size() == 6);
    assertThat(waysIn(rows)).containsExactly("async", "batch", "grpc", "predict", "rest", "stream");
    assertThat(rows).filteredOn(r -> "rest-".concat(model).equals(r.requestId())).singleElement().satisfies(r -> {
      assertThat(r.inputs()).containsOnlyKeys("input[0]", "input[1]", "input[2]", "input[3]");
      assertThat(((Number) r.inputs().get("input[0]")).doubleValue()).isCloseTo(5.1, org.assertj.core.data.Offset.offset(1e-6));
      assertThat(r.outputs()).containsKey("label");
    });
    assertThat(rows).filteredOn(r -> r.requestId() != null && r.requestId().equals("jaxrs-" + model)).hasSize(1);
    // /predict keeps the instance's named features, one row per instance, in order
    List<CaptureStore.CapturedRow> named = rows.stream().filter(r -> ("predict-" + model).equals(r.requestId()))
        .toList();
    assertThat(named).extracting(CaptureStore.CapturedRow::row).containsExactly(0, 1);
    assertThat(named.get(1).inputs()).containsEntry("a", 6.7).containsEntry("d", 2.3);
    assertThat(JSON.valueToTree(named.get(0).outputs()).path("label").asLong()).isEqualTo(0);
    // what ./pier bench monitoring reads to say which share of the offered rows capture kept
    String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
    assertThat(counter(metrics, "pier_capture_accepted_total")).isGreaterThanOrEqualTo(rows.size());
    assertThat(counter(metrics, "pier_capture_written_total")).isGreaterThanOrEqualTo(rows.size());
  }

  private static double counter(String prometheus, String name) {
    return prometheus.lines().filter(l -> l.startsWith(name + " ")).mapToDouble(l -> Double.parseDouble(
        l.substring(name.length() + 1).trim())).findFirst().orElseThrow(() -> new AssertionError("no " + name));
  }

  @Test
  void aVersionWithoutCaptureHasNoneUntilAPatchTurnsItOn() throws Exception {
    String model = register(null);
    Instant from = Instant.now().minus(1, ChronoUnit.MINUTES);
    predictEveryWay(model);

    given().contentType(ContentType.JSON).body("{\"capture\": {\"sample_rate\": 1.5}}")
        .patch("/api/v1/models/" + model + "/versions/1").then().statusCode(400);
    given().contentType(ContentType.JSON).body("{\"capture\": {\"sample_rate\": 1}}")
        .patch("/api/v1/models/" + model + "/versions/1").then().statusCode(200);
    given().contentType(ContentType.JSON).header("X-Request-Id", "after-" + model).body(BODY)
        .post("/v2/models/" + model + "/infer").then().statusCode(200);
    // rows are written in the order they were offered: none of the earlier predictions came before this one
    assertThat(captured(model, from, r -> !r.isEmpty())).extracting(CaptureStore.CapturedRow::requestId)
        .containsExactly("after-" + model);
  }

  /** A rate of 0 captures nothing; a rate of 0.5 captures about half the requests, each whole (two rows). */
  @Test
  void theSampleRateDecidesPerRequest() throws Exception {
    String none = register("{\"sample_rate\": 0}");
    String half = register("{\"sample_rate\": 0.5}");
    Instant from = Instant.now().minus(1, ChronoUnit.MINUTES);
    String two = "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[2,4],"
        + "\"data\":[5.1,3.5,1.4,0.2,6.7,3.0,5.2,2.3]}]}";
    for (int i = 0; i < 40; i++) {
      given().contentType(ContentType.JSON).header("X-Request-Id", "r" + i).body(two)
          .post("/v2/models/" + none + "/infer").then().statusCode(200);
      given().contentType(ContentType.JSON).header("X-Request-Id", "r" + i).body(two)
          .post("/v2/models/" + half + "/infer").then().statusCode(200);
    }
    // the same request ids: whichever the 0.5 rate draws, the 0 rate draws none of them
    long drawn = java.util.stream.IntStream.range(0, 40)
        .filter(i -> new dev.pier.monitoring.capture.CaptureSampling(0.5).captures("r" + i)).count();
    assertThat(drawn).as("the draw of 40 ids").isBetween(8L, 32L);
    List<CaptureStore.CapturedRow> rows = captured(half, from, r -> r.size() >= 2 * drawn);
    assertThat(rows).hasSize((int) (2 * drawn));
    assertThat(rows).allSatisfy(r -> assertThat(new dev.pier.monitoring.capture.CaptureSampling(0.5)
        .captures(r.requestId())).isTrue());
    // offered interleaved with the rows above, so written by now had they been taken
    assertThat(captured(none, from, r -> true)).isEmpty();
  }
}
