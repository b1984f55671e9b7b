package dev.pier.api;

import dev.pier.api.inference.RpcStartup;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.experiments.assignment.Allocation;
import dev.pier.grpc.v2.GRPCInferenceServiceGrpc;
import dev.pier.grpc.v2.InferParameter;
import dev.pier.grpc.v2.InferTensorContents;
import dev.pier.grpc.v2.ModelInferRequest;
import dev.pier.grpc.v2.ModelInferResponse;
import dev.pier.grpc.v2.ModelStreamInferResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Experiment assignment in the prediction pipeline's resolve stage, seen from the ways in that carry a unit: OIP REST
 * (the I/O-thread route and the JAX-RS resource), gRPC unary and streaming, {@code /predict}, and — fixed once, at
 * intake or at the stream's start — async predictions and {@code /predict-stream}.
 * Each unit lands in the arm the documented hash puts it in, the same arm whichever way it comes in and however often
 * (sticky), answered by that arm's version and named in {@code X-Pier-Experiment} (gRPC: the response parameter
 * {@code experiment}; {@code /predict}: also the body's {@code experiment}). Exposures reach the experiment's
 * results; a request naming a version number, or carrying no unit, is not assigned; a stopped experiment assigns no
 * more.
 */
@QuarkusTest
class ExperimentAssignmentTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PIPELINE = "{\"input\":\"input\",\"features\":"
      + "[{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"c\"},{\"name\":\"d\"}]}";
  private static final String BODY = "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],"
      + "\"data\":[5.1,3.5,1.4,0.2]}]}";

  private static ManagedChannel channel;

  @Inject RpcStartup rpc;

  @AfterAll
  static void closeChannel() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** A model with versions 1 (production, control) and 2 (treatment) and a running 50/50 experiment on it. */
  private record Running(String model, String id, Allocation allocation) {
    String expected(String unit) {
      return id + "=" + allocation.arm(unit);
    }

    int version(String unit) {
      return allocation.arm(unit).equals("control") ? 1 : 2;
    }
  }

  private static Running startExperiment() throws Exception {
    return startExperiment("");
  }

  /** @param extra more fields of the design, e.g. {@code "targeting": {…},} */
  private static Running startExperiment(String extra) throws Exception {
    String model = "xp-" + UUID.randomUUID().toString().substring(0, 8);
    for (int v = 1; v <= 2; v++) {
      given().multiPart("artifact", Fixtures.model("iris-mlp.onnx").toFile())
          .multiPart("metadata", "{\"framework\":\"onnx\",\"pipeline\":" + PIPELINE + "}")
          .post("/api/v1/models/" + model + "/versions").then().statusCode(201);
    }
    given().contentType(ContentType.JSON).body("{\"version\": 1}")
        .put("/api/v1/models/" + model + "/aliases/production").then().statusCode(200);
    String design = """
        {EXTRA"name": "v2 vs v1", "model": "MODEL", "alias": "production",
         "arms": [{"name": "control", "version": 1, "weight": 0.5}, {"name": "treatment", "version": 2, "weight": 0.5}],
         "unit": "user", "metrics": {"primary": {"name": "conversion", "type": "binary"}GUARDRAILS},
         "design": {"alpha": 0.05, "power": 0.8, "mde": 0.05, "baseline": 0.1}, "analysis": "frequentist"}
        """.replace("MODEL", model).replace("EXTRA", extra)
        .replace("GUARDRAILS", extra.isEmpty() ? "" : ", \"guardrails\": [{\"name\": \"error_rate\", \"type\": \"binary\"},"
            + " {\"name\": \"latency_ms\", \"type\": \"continuous\", \"max_relative_harm\": 0.5}]");
    JsonNode created = JSON.readTree(given().contentType(ContentType.JSON).body(design).post("/api/v1/experiments")
        .then().statusCode(201).extract().asString());
    String id = created.get("id").asText();
    given().contentType(ContentType.JSON).post("/api/v1/experiments/" + id + "/start").then().statusCode(200);
    return new Running(model, id, new Allocation(created.get("seed").asText(), List.of("control", "treatment"),
        List.of(0.5, 0.5)));
  }

  /** What answered a request: {@code <version> <experiment header or "-">}. */
  private static String rest(String model, String version, String unit, boolean viaJaxRs) {
    // a body over the I/O-thread route's 64 KiB limit goes to the JAX-RS resource (whitespace is valid JSON)
    String body = viaJaxRs ? BODY + " ".repeat(70 * 1024) : BODY;
    var request = given().contentType(ContentType.JSON).body(body);
    if (unit != null) {
      request.header("X-Pier-Unit", unit);
    }
    Response r = request.post("/v2/models/" + model + (version == null ? "" : "/versions/" + version) + "/infer");
    assertThat(r.statusCode()).as(r.asString()).isEqualTo(200);
    String header = r.header("X-Pier-Experiment");
    return r.path("model_version") + " " + (header == null ? "-" : header);
  }

  private static String predict(String model, String unit) throws Exception {
    Response r = given().contentType(ContentType.JSON).header("X-Pier-Unit", unit)
        .body("{\"instances\":[{\"a\":5.1,\"b\":3.5,\"c\":1.4,\"d\":0.2}]}")
        .post("/api/v1/models/" + model + "/predict");
    assertThat(r.statusCode()).as(r.asString()).isEqualTo(200);
    JsonNode body = JSON.readTree(r.asString());
    assertThat(r.header("X-Pier-Experiment")).isEqualTo(body.path("experiment").asText(null));
    return body.get("model_version").asText() + " " + body.path("experiment").asText("-");
  }

  private ModelInferRequest grpcRequest(String model, String unit) {
    return ModelInferRequest.newBuilder().setModelName(model)
        .putParameters("unit", InferParameter.newBuilder().setStringParam(unit).build())
        .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("input").setDatatype("FP32")
            .addShape(1).addShape(4).setContents(InferTensorContents.newBuilder()
                .addFp32Contents(5.1f).addFp32Contents(3.5f).addFp32Contents(1.4f).addFp32Contents(0.2f)))
        .build();
  }

  private static String grpcAnswer(ModelInferResponse r) {
    InferParameter p = r.getParametersMap().get("experiment");
    return r.getModelVersion() + " " + (p == null ? "-" : p.getStringParam());
  }

  private ManagedChannel channel() {
    if (channel == null) {
      channel = NettyChannelBuilder.forAddress("127.0.0.1", rpc.port("grpc")).usePlaintext().build();
    }
    return channel;
  }

  private String grpc(String model, String unit) {
    return grpcAnswer(GRPCInferenceServiceGrpc.newBlockingStub(channel()).withDeadlineAfter(30, TimeUnit.SECONDS)
        .modelInfer(grpcRequest(model, unit)));
  }

  /** One gRPC stream carrying a request per unit, answered in order. */
  private List<String> grpcStream(String model, List<String> units) throws Exception {
    List<String> answers = new ArrayList<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    StreamObserver<ModelInferRequest> in = GRPCInferenceServiceGrpc.newStub(channel())
        .withDeadlineAfter(30, TimeUnit.SECONDS).modelStreamInfer(new StreamObserver<>() {
          @Override
          public void onNext(ModelStreamInferResponse r) {
            answers.add(r.getErrorMessage().isEmpty() ? grpcAnswer(r.getInferResponse()) : "error " + r.getErrorMessage());
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
    units.forEach(u -> in.onNext(grpcRequest(model, u)));
    in.onCompleted();
    done.get(30, TimeUnit.SECONDS);
    return answers;
  }

  @Test
  void eachUnitIsAnsweredByItsArmAlikeThroughEveryWayInAndAgainOnEveryRequest() throws Exception {
    Running x = startExperiment();
    List<String> units = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      units.add("user-" + i);
    }
    Map<String, String> expected = new LinkedHashMap<>();
    units.forEach(u -> expected.put(u, x.version(u) + " " + x.expected(u)));
    assertThat(expected.values()).as("16 units fill both arms").anyMatch(a -> a.startsWith("1 "))
        .anyMatch(a -> a.startsWith("2 "));

    List<String> streamed = grpcStream(x.model(), units);
    for (int i = 0; i < units.size(); i++) {
      String u = units.get(i);
      for (int repeat = 0; repeat < 2; repeat++) {
        assertThat(rest(x.model(), null, u, false)).as("rest " + u).isEqualTo(expected.get(u));
        assertThat(rest(x.model(), "production", u, true)).as("rest via JAX-RS " + u).isEqualTo(expected.get(u));
        assertThat(grpc(x.model(), u)).as("grpc " + u).isEqualTo(expected.get(u));
        assertThat(predict(x.model(), u)).as("predict " + u).isEqualTo(expected.get(u));
      }
      assertThat(streamed.get(i)).as("grpc stream " + u).isEqualTo(expected.get(u));
    }

    // each unit's first exposure reaches the experiment's ledger, once, in its arm
    long treated = units.stream().filter(u -> x.version(u) == 2).count();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    JsonNode arms;
    do {
      Thread.sleep(100);
      arms = JSON.readTree(given().get("/api/v1/experiments/" + x.id() + "/results").then().statusCode(200)
          .extract().asString()).get("arms");
      assertThat(System.nanoTime()).as("exposures written: " + arms).isLessThan(deadline);
    } while (arms.get(0).get("units").asLong() + arms.get(1).get("units").asLong() < units.size());
    assertThat(arms.get(0).get("units").asLong()).as("control units").isEqualTo(units.size() - treated);
    assertThat(arms.get(1).get("units").asLong()).as("treatment units").isEqualTo(treated);
  }

  /**
   * Async predictions and streams fix their version once — at intake, at the stream's start — through the same
   * resolve stages: the unit's arm, named in the 202's and the stream's {@code X-Pier-Experiment}.
   */
  @Test
  void asyncPredictionsAndStreamsAreAnsweredByTheArmFixedAtTheirStart() throws Exception {
    Running x = startExperiment();
    List<String> units = new ArrayList<>(); // two units of each arm
    for (int i = 0, control = 0, treated = 0; units.size() < 4; i++) {
      boolean inControl = x.version("a-" + i) == 1;
      if (inControl ? control++ < 2 : treated++ < 2) {
        units.add("a-" + i);
      }
    }
    for (String unit : units) {
      Response accepted = given().contentType(ContentType.JSON).header("Prefer", "respond-async")
          .header("X-Pier-Unit", unit).body(BODY).post("/v2/models/" + x.model() + "/infer");
      assertThat(accepted.statusCode()).as(accepted.asString()).isEqualTo(202);
      assertThat(accepted.header("X-Pier-Experiment")).as("async " + unit).isEqualTo(x.expected(unit));
      String id = accepted.path("id");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      JsonNode p;
      while (!(p = JSON.readTree(given().get("/api/v1/predictions/" + id).then().statusCode(200).extract()
          .asString())).path("state").asText().equals("SUCCEEDED")) {
        assertThat(p.path("state").asText()).isNotEqualTo("FAILED");
        assertThat(System.nanoTime()).as("async " + unit).isLessThan(deadline);
        Thread.sleep(50);
      }
      assertThat(p.path("response").path("model_version").asText()).as("async " + unit)
          .isEqualTo(Integer.toString(x.version(unit)));

      Response streamed = given().contentType("application/x-ndjson").header("X-Pier-Unit", unit)
          .body("{\"input\":[5.1,3.5,1.4,0.2]}\n".getBytes()).post("/api/v1/models/" + x.model() + "/predict-stream");
      assertThat(streamed.statusCode()).as(streamed.asString()).isEqualTo(200);
      assertThat(streamed.header("X-Pier-Experiment")).as("stream " + unit).isEqualTo(x.expected(unit));
      assertThat(streamed.header("X-Pier-Model-Version")).as("stream " + unit)
          .isEqualTo(Integer.toString(x.version(unit)));
    }
    Response unassigned = given().contentType("application/x-ndjson").body("{\"input\":[5.1,3.5,1.4,0.2]}\n".getBytes())
        .post("/api/v1/models/" + x.model() + "/predict-stream");
    assertThat(unassigned.header("X-Pier-Experiment")).as("a stream without a unit").isNull();
    assertThat(unassigned.header("X-Pier-Model-Version")).isEqualTo("1");
  }

  @Test
  void aVersionNumberOrAMissingUnitIsNotAssignedAndAStoppedExperimentAssignsNoMore() throws Exception {
    Running x = startExperiment();
    String treated = null;
    for (int i = 0; treated == null; i++) {
      if (x.version("u-" + i) == 2) {
        treated = "u-" + i;
      }
    }
    assertThat(rest(x.model(), null, treated, false)).isEqualTo("2 " + x.expected(treated));
    assertThat(rest(x.model(), "1", treated, false)).as("an explicit version bypasses assignment").isEqualTo("1 -");
    assertThat(rest(x.model(), "1", treated, true)).as("via JAX-RS too").isEqualTo("1 -");
    assertThat(rest(x.model(), null, null, false)).as("no unit: the alias, no experiment").isEqualTo("1 -");

    given().contentType(ContentType.JSON).post("/api/v1/experiments/" + x.id() + "/stop").then().statusCode(200);
    assertThat(rest(x.model(), null, treated, false)).as("stopped").isEqualTo("1 -");
    assertThat(grpc(x.model(), treated)).as("stopped, grpc").isEqualTo("1 -");
    assertThat(predict(x.model(), treated)).as("stopped, predict").isEqualTo("1 -");
  }

  @Test
  void aUnitAModelsHoldoutKeepsOutIsAnsweredByTheAliasAndSaysHoldout() throws Exception {
    Running x = startExperiment();
    JsonNode holdout = JSON.readTree(given().contentType(ContentType.JSON).body("{\"share\": 0.5}")
        .put("/api/v1/holdouts/models/" + x.model()).then().statusCode(200).extract().asString());
    String seed = holdout.get("seed").asText();
    String heldTreated = null, inTreated = null;
    for (int i = 0; heldTreated == null || inTreated == null; i++) {
      String unit = "h-" + i;
      if (x.version(unit) != 2) {
        continue;
      }
      if (dev.pier.experiments.assignment.UnitHash.position(seed, unit) < 0.5) {
        heldTreated = heldTreated == null ? unit : heldTreated;
      } else {
        inTreated = inTreated == null ? unit : inTreated;
      }
    }
    assertThat(rest(x.model(), null, heldTreated, false)).as("held out: the alias's version")
        .isEqualTo("1 " + x.id() + "=holdout");
    assertThat(grpc(x.model(), heldTreated)).isEqualTo("1 " + x.id() + "=holdout");
    assertThat(rest(x.model(), null, inTreated, false)).isEqualTo("2 " + x.expected(inTreated));

    given().delete("/api/v1/holdouts/models/" + x.model()).then().statusCode(204);
    assertThat(rest(x.model(), null, heldTreated, false)).as("no holdout any more: its arm")
        .isEqualTo("2 " + x.expected(heldTreated));
    given().contentType(ContentType.JSON).body("{\"share\": 0.9}").put("/api/v1/holdouts/models/" + x.model())
        .then().statusCode(400);
    given().contentType(ContentType.JSON).post("/api/v1/experiments/" + x.id() + "/stop").then().statusCode(200);
  }

  @Test
  void aTargetedExperimentTakesOnlyUnitsWhoseAttributesMatchTheOthersGetTheAliasAndNoExposure() throws Exception {
    Running x = startExperiment("\"targeting\": {\"conditions\": [{\"attribute\": \"country\", \"operator\": \"in\","
        + " \"values\": [\"NL\", \"BE\"]}]}, ");
    String treated = null;
    for (int i = 0; treated == null; i++) {
      if (x.version("t-" + i) == 2) {
        treated = "t-" + i;
      }
    }
    // units targeted out, first: had they been exposed, they would be written no later than the matching unit
    for (boolean viaJaxRs : new boolean[] {false, true}) {
      assertThat(rest(x.model(), null, "none-" + viaJaxRs, viaJaxRs)).as("no attributes: targeted out")
          .isEqualTo("1 -");
      Response de = targeted(x.model(), "de-" + viaJaxRs, "{\"country\": \"DE\"}", viaJaxRs);
      assertThat(de.statusCode()).as(de.asString()).isEqualTo(200);
      assertThat(de.header("X-Pier-Experiment")).as("targeted out").isNull();
    }
    for (boolean viaJaxRs : new boolean[] {false, true}) {
      assertThat(targeted(x.model(), treated, "{\"country\": \"NL\"}", viaJaxRs).asString())
          .as("matching attributes").contains("\"model_version\":\"2\"");
      Response nl = targeted(x.model(), treated, "{\"country\": \"NL\"}", viaJaxRs);
      assertThat(nl.header("X-Pier-Experiment")).isEqualTo(x.expected(treated));
      Response de = targeted(x.model(), treated, "{\"country\": \"DE\"}", viaJaxRs);
      assertThat(de.statusCode()).isEqualTo(200);
      assertThat(de.header("X-Pier-Experiment")).as("targeted out").isNull();
      assertThat(de.asString()).contains("\"model_version\":\"1\"");
      Response bad = targeted(x.model(), treated, "[1, 2]", viaJaxRs);
      assertThat(bad.statusCode()).as(bad.asString()).isEqualTo(400);
      assertThat(bad.asString()).contains("X-Pier-Attributes");
    }
    JsonNode shown = JSON.readTree(given().get("/api/v1/experiments/" + x.id()).then().statusCode(200).extract()
        .asString());
    assertThat(shown.at("/targeting/conditions/0/operator").asText()).isEqualTo("in");
    // only the matching unit was exposed
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    JsonNode arms;
    do {
      Thread.sleep(100);
      arms = JSON.readTree(given().get("/api/v1/experiments/" + x.id() + "/results").then().statusCode(200)
          .extract().asString()).get("arms");
      assertThat(System.nanoTime()).as("exposures written: " + arms).isLessThan(deadline);
    } while (arms.get(1).get("units").asLong() < 1);
    assertThat(arms.get(0).get("units").asLong() + arms.get(1).get("units").asLong()).isEqualTo(1);
    given().contentType(ContentType.JSON).post("/api/v1/experiments/" + x.id() + "/stop").then().statusCode(200);
  }

  /**
   * The unit's attributes reach a targeted experiment through every way in, not only REST infer: gRPC metadata
   * {@code x-pier-attributes} (unary and streaming), and {@code X-Pier-Attributes} on {@code /predict}, async
   * predictions and {@code /predict-stream}; attributes that miss the targeting get the alias and no experiment.
   */
  @Test
  void targetingAttributesReachAssignmentThroughGrpcPredictAsyncAndStreams() throws Exception {
    Running x = startExperiment("\"layer\": \"ways-in\", \"targeting\": {\"conditions\": [{\"attribute\":"
        + " \"country\", \"operator\": \"in\", \"values\": [\"NL\", \"BE\"]}]}, ");
    String treated = null;
    for (int i = 0; treated == null; i++) {
      if (x.version("w-" + i) == 2) {
        treated = "w-" + i;
      }
    }
    String in = "2 " + x.expected(treated);
    assertThat(grpcWith(x.model(), treated, "{\"country\": \"NL\"}")).as("grpc, matching").isEqualTo(in);
    assertThat(grpcWith(x.model(), treated, "{\"country\": \"DE\"}")).as("grpc, targeted out").isEqualTo("1 -");
    assertThat(grpc(x.model(), treated)).as("grpc, no attributes").isEqualTo("1 -");
    io.grpc.StatusRuntimeException bad = org.junit.jupiter.api.Assertions.assertThrows(
        io.grpc.StatusRuntimeException.class, () -> grpcWith(x.model(), "w-bad", "[1, 2]"));
    assertThat(bad.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.INVALID_ARGUMENT);
    assertThat(bad.getStatus().getDescription()).contains("X-Pier-Attributes");
    assertThat(grpcStreamWith(x.model(), List.of(treated, treated), "{\"country\": \"BE\"}"))
        .as("grpc stream, matching").containsExactly(in, in);

    for (String country : new String[] {"NL", "DE"}) {
      boolean matches = country.equals("NL");
      String attributes = "{\"country\": \"" + country + "\"}";
      Response predicted = given().contentType(ContentType.JSON).header("X-Pier-Unit", treated)
          .header("X-Pier-Attributes", attributes).body("{\"instances\":[{\"a\":5.1,\"b\":3.5,\"c\":1.4,\"d\":0.2}]}")
          .post("/api/v1/models/" + x.model() + "/predict");
      assertThat(predicted.statusCode()).as(predicted.asString()).isEqualTo(200);
      assertThat(predicted.header("X-Pier-Experiment")).as("predict " + country)
          .isEqualTo(matches ? x.expected(treated) : null);
      assertThat(predicted.path("model_version").toString()).isEqualTo(matches ? "2" : "1");

      Response accepted = given().contentType(ContentType.JSON).header("Prefer", "respond-async")
          .header("X-Pier-Unit", treated).header("X-Pier-Attributes", attributes).body(BODY)
          .post("/v2/models/" + x.model() + "/infer");
      assertThat(accepted.statusCode()).as(accepted.asString()).isEqualTo(202);
      assertThat(accepted.header("X-Pier-Experiment")).as("async " + country)
          .isEqualTo(matches ? x.expected(treated) : null);

      Response streamed = given().contentType("application/x-ndjson").header("X-Pier-Unit", treated)
          .header("X-Pier-Attributes", attributes).body("{\"input\":[5.1,3.5,1.4,0.2]}\n".getBytes())
          .post("/api/v1/models/" + x.model() + "/predict-stream");
      assertThat(streamed.statusCode()).as(streamed.asString()).isEqualTo(200);
      assertThat(streamed.header("X-Pier-Experiment")).as("stream " + country)
          .isEqualTo(matches ? x.expected(treated) : null);
      assertThat(streamed.header("X-Pier-Model-Version")).isEqualTo(matches ? "2" : "1");
    }
    Response badAsync = given().contentType(ContentType.JSON).header("Prefer", "respond-async")
        .header("X-Pier-Unit", treated).header("X-Pier-Attributes", "not json").body(BODY)
        .post("/v2/models/" + x.model() + "/infer");
    assertThat(badAsync.statusCode()).as(badAsync.asString()).isEqualTo(400);
    given().contentType(ContentType.JSON).post("/api/v1/experiments/" + x.id() + "/stop").then().statusCode(200);
  }

  /**
   * An experiment over a flag's variants, through the REST routes: the flags listing carries it, evaluating the flag
   * serves each unit its arm's variant, and the exposures reach the experiment's results.
   */
  @Test
  void aFlagExperimentServesItsArmsThroughTheFlagsApiAndCountsTheirExposures() throws Exception {
    String key = "checkout-" + UUID.randomUUID().toString().substring(0, 8);
    given().contentType(ContentType.JSON).body("{\"key\": \"" + key + "\", \"type\": \"boolean\","
        + " \"variants\": {\"on\": true, \"off\": false}, \"default\": {\"variant\": \"off\"}}")
        .post("/api/v1/flags").then().statusCode(201);
    JsonNode created = JSON.readTree(given().contentType(ContentType.JSON).body("""
        {"name": "checkout on", "flag": "FLAG",
         "arms": [{"name": "control", "variant": "off", "weight": 0.5}, {"name": "treatment", "variant": "on", "weight": 0.5}],
         "metrics": {"primary": {"name": "conversion", "type": "binary"}},
         "design": {"alpha": 0.05, "power": 0.8, "mde": 0.05, "baseline": 0.1, "daily_units": 1000}}
        """.replace("FLAG", key)).post("/api/v1/experiments").then().statusCode(201).extract().asString());
    assertThat(created.get("flag").asText()).isEqualTo(key);
    assertThat(created.get("model").isNull()).isTrue();
    String id = created.get("id").asText();
    given().contentType(ContentType.JSON).post("/api/v1/experiments/" + id + "/start").then().statusCode(200);
    Allocation allocation = new Allocation(created.get("seed").asText(), List.of("control", "treatment"),
        List.of(0.5, 0.5));

    JsonNode listing = JSON.readTree(given().get("/api/v1/flags").then().statusCode(200).extract().asString());
    assertThat(listing.get("experiments").findValuesAsText("id")).contains(id);

    long treated = 0;
    for (int i = 0; i < 20; i++) {
      String unit = "flag-unit-" + i;
      JsonNode answer = JSON.readTree(given().contentType(ContentType.JSON)
          .body("{\"targeting_key\": \"" + unit + "\"}").post("/api/v1/flags/" + key + "/evaluate")
          .then().statusCode(200).extract().asString());
      String arm = allocation.arm(unit);
      treated += arm.equals("treatment") ? 1 : 0;
      assertThat(answer.get("variant").asText()).as(unit).isEqualTo(arm.equals("control") ? "off" : "on");
      assertThat(answer.get("reason").asText()).isEqualTo("SPLIT");
      assertThat(answer.get("experiment").asText()).isEqualTo(id + "=" + arm);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    JsonNode arms;
    do {
      Thread.sleep(100);
      arms = JSON.readTree(given().get("/api/v1/experiments/" + id + "/results").then().statusCode(200)
          .extract().asString()).get("arms");
      assertThat(System.nanoTime()).as("exposures written: " + arms).isLessThan(deadline);
    } while (arms.get(0).get("units").asLong() + arms.get(1).get("units").asLong() < 20);
    assertThat(arms.get(1).get("units").asLong()).as("treatment units").isEqualTo(treated);
    given().contentType(ContentType.JSON).post("/api/v1/experiments/" + id + "/stop").then().statusCode(200);
    JsonNode after = JSON.readTree(given().contentType(ContentType.JSON).body("{\"targeting_key\": \"flag-unit-1\"}")
        .post("/api/v1/flags/" + key + "/evaluate").then().statusCode(200).extract().asString());
    assertThat(after.has("experiment")).as("stopped: the flag's own answer").isFalse();
  }

  private static io.grpc.Metadata attributesMetadata(String attributes) {
    io.grpc.Metadata metadata = new io.grpc.Metadata();
    metadata.put(io.grpc.Metadata.Key.of("x-pier-attributes", io.grpc.Metadata.ASCII_STRING_MARSHALLER), attributes);
    return metadata;
  }

  private String grpcWith(String model, String unit, String attributes) {
    return grpcAnswer(GRPCInferenceServiceGrpc.newBlockingStub(channel()).withDeadlineAfter(30, TimeUnit.SECONDS)
        .withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(attributesMetadata(attributes)))
        .modelInfer(grpcRequest(model, unit)));
  }

  private List<String> grpcStreamWith(String model, List<String> units, String attributes) throws Exception {
    List<String> answers = new ArrayList<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    StreamObserver<ModelInferRequest> in = GRPCInferenceServiceGrpc.newStub(channel())
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(attributesMetadata(attributes)))
        .modelStreamInfer(new StreamObserver<>() {
          @Override
          public void onNext(ModelStreamInferResponse r) {
            answers.add(r.getErrorMessage().isEmpty() ? grpcAnswer(r.getInferResponse()) : "error " + r.getErrorMessage());
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
    units.forEach(u -> in.onNext(grpcRequest(model, u)));
    in.onCompleted();
    done.get(30, TimeUnit.SECONDS);
    return answers;
  }

  private static Response targeted(String model, String unit, String attributes, boolean viaJaxRs) {
    String body = viaJaxRs ? BODY + " ".repeat(70 * 1024) : BODY;
    return given().contentType(ContentType.JSON).body(body).header("X-Pier-Unit", unit)
        .header("X-Pier-Attributes", attributes).post("/v2/models/" + model + "/infer");
  }

  @Test
  void theLatencyOfEachPredictionAnExperimentRoutedIsItsArmsLatencyMetric() throws Exception {
    Running x = startExperiment("\"layer\": \"model-metrics\", ");
    List<String> units = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      units.add("m-" + i);
    }
    for (String u : units) {
      assertThat(rest(x.model(), null, u, false)).isEqualTo(x.version(u) + " " + x.expected(u));
      assertThat(predict(x.model(), u)).isEqualTo(x.version(u) + " " + x.expected(u));
    }
    rest(x.model(), null, null, false); // no unit: not routed, not measured
    long treated = units.stream().filter(u -> x.version(u) == 2).count();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    JsonNode latency;
    do {
      Thread.sleep(100);
      JsonNode results = JSON.readTree(given().get("/api/v1/experiments/" + x.id() + "/results").then().statusCode(200)
          .extract().asString());
      latency = null;
      for (JsonNode m : results.get("metrics")) {
        if (m.get("metric").asText().equals("latency_ms")) {
          latency = m;
        }
      }
      assertThat(latency).as("latency_ms is a metric of the results: " + results).isNotNull();
      assertThat(System.nanoTime()).as("model metrics written: " + latency).isLessThan(deadline);
    } while (latency.get("arms").get(0).get("n").asLong() + latency.get("arms").get(1).get("n").asLong()
        < units.size() || !(latency.get("arms").get(0).get("mean").asDouble() > 0)
        || !(latency.get("arms").get(1).get("mean").asDouble() > 0));
    assertThat(latency.get("arms").get(0).get("n").asLong()).isEqualTo(units.size() - treated);
    assertThat(latency.get("arms").get(1).get("n").asLong()).isEqualTo(treated);
    given().contentType(ContentType.JSON).post("/api/v1/experiments/" + x.id() + "/stop").then().statusCode(200);
  }
}
