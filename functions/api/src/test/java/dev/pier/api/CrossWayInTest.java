package dev.pier.api;

import dev.pier.kernel.aws.AwsClients;
import dev.pier.api.inference.RpcStartup;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.grpc.v2.GRPCInferenceServiceGrpc;
import dev.pier.grpc.v2.InferTensorContents;
import dev.pier.grpc.v2.ModelInferRequest;
import dev.pier.grpc.v2.ModelInferResponse;
import dev.pier.security.audit.AuditQuery;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * One table of requests — good ones, and one of each class of bad input — sent through every way in to a prediction
 * (OIP REST, gRPC, named-feature {@code /predict}, {@code /predict-stream}, async, batch): each good row gets the same
 * outputs everywhere, each bad one the same class of error, and for every way in the prediction metrics (labelled by
 * way in), the audit sample and the probe count move — the prediction pipeline they share, seen from outside.
 */
@QuarkusTest
@TestProfile(CrossWayInTest.EverySampleAudited.class)
class CrossWayInTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Every prediction sampled for the audit trail, so each way in's samples can be counted. */
  public static class EverySampleAudited implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("pier.audit.prediction-sample-rate", "1");
    }
  }

  /** A row of the table: the model and version it names, and its four values (strings where a number is due). */
  record Case(String name, String model, String version, Object[] values, int expected) {
    boolean good() {
      return expected == 0;
    }

    Case withModel(String other) {
      return new Case(name, other, "1", values, expected);
    }
  }

  private static String model;
  private static List<Case> table;
  private static ManagedChannel channel;

  @Inject RpcStartup rpc;
  @Inject AwsClients aws;
  @Inject Security security;
  @Inject MeterRegistry meters;

  /** A model every way in can reach (registered once the app is up: a test profile starts it after class setup). */
  private static void registerAModelEveryWayInCanReach() {
    model = "x-" + UUID.randomUUID().toString().substring(0, 8);
    // identity features, so /predict's named features make the very tensor the others send
    given().multiPart("artifact", Fixtures.model("iris-mlp.onnx").toFile())
        .multiPart("metadata", "{\"framework\":\"onnx\",\"pipeline\":{\"input\":\"input\",\"features\":"
            + "[{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"c\"},{\"name\":\"d\"}]}}")
        .post("/api/v1/models/" + model + "/versions").then().statusCode(201);
    table = List.of(
        new Case("setosa", model, "1", new Object[] {5.1, 3.5, 1.4, 0.2}, 0),
        new Case("virginica", model, "1", new Object[] {6.7, 3.0, 5.2, 2.3}, 0),
        new Case("unknown model", "no-such-model", "1", new Object[] {5.1, 3.5, 1.4, 0.2}, 404),
        new Case("unknown version", model, "99", new Object[] {5.1, 3.5, 1.4, 0.2}, 404),
        new Case("too few values", model, "1", new Object[] {5.1, 3.5, 1.4}, 400),
        new Case("text for a number", model, "1", new Object[] {5.1, "x", 1.4, 0.2}, 400));
  }

  @AfterAll
  static void closeChannel() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** One way in: sends the table (as it can: rows of one stream or job together) and answers per case. */
  interface WayIn {
    Map<String, String> send(List<Case> cases) throws Exception;
  }

  @Test
  void everyWayInAnswersTheTableAlikeAndEachIsMeasuredAuditedAndWatchedForProbes() throws Exception {
    registerAModelEveryWayInCanReach();
    Map<String, WayIn> ways = new LinkedHashMap<>();
    ways.put("rest", this::rest);
    ways.put("grpc", this::grpc);
    ways.put("predict", this::predict);
    ways.put("stream", this::stream);
    ways.put("async", this::async);
    ways.put("batch", this::batch);
    Map<String, String> expected = null;
    for (var way : ways.entrySet()) {
      long predictions = predictions(way.getKey());
      long samples = samples();
      double probes = probes();
      Map<String, String> answers = way.getValue().send(table);
      // a near-duplicate of the first row (differs only below the first decimal): a suspected probe
      Case nudged = new Case("setosa, nudged", model, "1", new Object[] {5.12, 3.5, 1.4, 0.2}, 0);
      way.getValue().send(List.of(nudged));

      for (Case c : table) {
        String answer = answers.get(c.name());
        if (c.good()) {
          assertThat(answer).as(way.getKey() + ": " + c.name()).startsWith("label=");
        } else {
          assertThat(answer).as(way.getKey() + ": " + c.name()).isEqualTo("error " + c.expected());
        }
      }
      if (expected == null) {
        expected = answers;
      }
      assertThat(answers).as(way.getKey() + " answers as rest does").isEqualTo(expected);
      assertThat(predictions(way.getKey())).as(way.getKey() + ": predictions counted with way_in")
          .isGreaterThan(predictions);
      awaitAbove(this::samples, samples, way.getKey() + ": audit samples");
      assertThat(probes()).as(way.getKey() + ": suspected probes").isGreaterThan(probes);
    }
    assertThat(meters.find("pier.predictions").tags("model", model, "way_in", "rest", "status", "400").timer())
        .as("bad input counted by status").isNotNull();
  }

  private long predictions(String wayIn) {
    long n = 0;
    for (Timer t : meters.find("pier.predictions").tags("model", model, "way_in", wayIn, "status", "200").timers()) {
      n += t.count();
    }
    return n;
  }

  private long samples() {
    return security.audit().query(new AuditQuery(model, null, true, 1000)).size();
  }

  private double probes() {
    Counter c = meters.find("pier.suspected.probes").tags("model", model).counter();
    return c == null ? 0 : c.count();
  }

  private static void awaitAbove(LongSupplier value, long before, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (value.getAsLong() <= before) {
      assertThat(System.nanoTime()).as(what + " did not move").isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  // ---- the ways in: each encodes a case as its clients do and reads the answer back as "label=… p=[…]" or "error N"

  private static String values(Case c) {
    List<String> out = new ArrayList<>();
    for (Object v : c.values()) {
      out.add(v instanceof String s ? "\"" + s + "\"" : v.toString());
    }
    return "[" + String.join(",", out) + "]";
  }

  private static String oipBody(Case c) {
    return "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1," + c.values().length + "],\"data\":"
        + values(c) + "}]}";
  }

  private static String answer(long label, JsonNode probabilities) {
    List<Float> p = new ArrayList<>();
    probabilities.forEach(v -> p.add((float) v.asDouble()));
    return "label=" + label + " p=" + p;
  }

  private static String oipAnswer(JsonNode response) {
    long label = -1;
    JsonNode probabilities = null;
    for (JsonNode o : response.get("outputs")) {
      if (o.get("name").asText().equals("label")) {
        label = o.get("data").get(0).asLong();
      } else if (o.get("name").asText().equals("probabilities")) {
        probabilities = o.get("data");
      }
    }
    return answer(label, probabilities);
  }

  private Map<String, String> rest(List<Case> cases) throws Exception {
    Map<String, String> out = new LinkedHashMap<>();
    for (Case c : cases) {
      Response r = given().contentType(ContentType.JSON).body(oipBody(c))
          .post("/v2/models/" + c.model() + "/versions/" + c.version() + "/infer");
      out.put(c.name(), r.statusCode() == 200 ? oipAnswer(JSON.readTree(r.asString())) : "error " + r.statusCode());
    }
    return out;
  }

  private Map<String, String> grpc(List<Case> cases) {
    if (channel == null) {
      channel = NettyChannelBuilder.forAddress("127.0.0.1", rpc.port("grpc")).usePlaintext().build();
    }
    var stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
    Map<String, String> out = new LinkedHashMap<>();
    for (Case c : cases) {
      InferTensorContents.Builder contents = InferTensorContents.newBuilder();
      ModelInferRequest.InferInputTensor.Builder input = ModelInferRequest.InferInputTensor.newBuilder()
          .setName("input").setDatatype("FP32").addShape(1).addShape(c.values().length);
      boolean text = false;
      for (Object v : c.values()) {
        if (v instanceof String s) {
          contents.addBytesContents(com.google.protobuf.ByteString.copyFromUtf8(s));
          text = true;
        } else {
          contents.addFp32Contents(((Number) v).floatValue());
        }
      }
      try {
        ModelInferResponse r = stub.withDeadlineAfter(30, TimeUnit.SECONDS).modelInfer(ModelInferRequest.newBuilder()
            .setModelName(c.model()).setModelVersion(c.version()).addInputs(input.setContents(contents)).build());
        long label = -1;
        List<Float> p = new ArrayList<>();
        for (int i = 0; i < r.getOutputsCount(); i++) {
          var o = r.getOutputs(i);
          if (o.getName().equals("label")) {
            label = o.getContents().getInt64Contents(0);
          } else if (o.getName().equals("probabilities")) {
            p.addAll(o.getContents().getFp32ContentsList());
          }
        }
        out.put(c.name(), "label=" + label + " p=" + p);
      } catch (StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        out.put(c.name(), "error " + switch (code) {
          case NOT_FOUND -> 404;
          case INVALID_ARGUMENT -> 400;
          default -> throw new AssertionError(c.name() + (text ? " (text)" : "") + ": " + e.getStatus());
        });
      }
    }
    return out;
  }

  private static String instance(Case c) {
    String[] names = {"a", "b", "c", "d"};
    List<String> fields = new ArrayList<>();
    for (int i = 0; i < c.values().length; i++) {
      Object v = c.values()[i];
      fields.add("\"" + names[i] + "\":" + (v instanceof String s ? "\"" + s + "\"" : v.toString()));
    }
    return "{" + String.join(",", fields) + "}";
  }

  private Map<String, String> predict(List<Case> cases) throws Exception {
    Map<String, String> out = new LinkedHashMap<>();
    for (Case c : cases) {
      Response r = given().contentType(ContentType.JSON).body("{\"instances\":[" + instance(c) + "]}")
          .post("/api/v1/models/" + c.model() + "/predict?version=" + c.version());
      if (r.statusCode() != 200) {
        out.put(c.name(), "error " + r.statusCode());
        continue;
      }
      JsonNode row = JSON.readTree(r.asString()).get("predictions").get(0);
      out.put(c.name(), answer(row.get("label").asLong(), row.get("probabilities")));
    }
    return out;
  }

  /**
   * Rows of a stream or a batch job: the cases that name the table's model and version go in one input, as tensors
   * (a stream) or as named features (a batch job applies the version's feature pipeline, as {@code /predict} does).
   */
  private static String rows(List<Case> cases, boolean named) {
    StringBuilder in = new StringBuilder();
    for (int i = 0; i < cases.size(); i++) {
      Case c = cases.get(i);
      if (c.model().equals(model) && c.version().equals("1")) {
        in.append("{\"id\":").append(i).append(",")
            .append(named ? instance(c).substring(1) : "\"input\":" + values(c) + "}").append("\n");
      }
    }
    return in.toString();
  }

  /** Answers of streamed or scored rows, by id; an error line is the 400 of its row. */
  private static void readRows(List<Case> cases, String lines, Map<String, String> out) throws Exception {
    for (String line : lines.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode row = JSON.readTree(line);
      Case c = cases.get(row.get("id").asInt());
      // a good row's error keeps its message, for the failure to say why
      out.put(c.name(), !row.has("error") ? answer(row.get("label").asLong(), row.get("probabilities"))
          : c.good() ? "error " + row.get("error") : "error 400");
    }
  }

  private Map<String, String> stream(List<Case> cases) throws Exception {
    Map<String, String> out = new LinkedHashMap<>();
    for (Case c : cases) {
      if (!c.model().equals(model) || !c.version().equals("1")) { // refused before the first row is read
        int status = given().contentType("application/x-ndjson")
            .body(rows(List.of(c.withModel(model)), false).getBytes(java.nio.charset.StandardCharsets.UTF_8))
            .post("/api/v1/models/" + c.model() + "/predict-stream?version=" + c.version()).statusCode();
        out.put(c.name(), "error " + status);
      }
    }
    String lines = given().contentType("application/x-ndjson")
        .body(rows(cases, false).getBytes(java.nio.charset.StandardCharsets.UTF_8))
        .post("/api/v1/models/" + model + "/predict-stream?version=1").then().statusCode(200).extract().asString();
    readRows(cases, lines, out);
    return order(cases, out);
  }

  private Map<String, String> async(List<Case> cases) throws Exception {
    Map<String, String> accepted = new LinkedHashMap<>();
    Map<String, String> out = new LinkedHashMap<>();
    for (Case c : cases) {
      Response r = given().contentType(ContentType.JSON).header("Prefer", "respond-async").body(oipBody(c))
          .post("/v2/models/" + c.model() + "/versions/" + c.version() + "/infer");
      if (r.statusCode() == 202) {
        accepted.put(c.name(), r.path("id"));
      } else {
        out.put(c.name(), "error " + r.statusCode());
      }
    }
    for (var a : accepted.entrySet()) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      JsonNode p;
      while (!(p = JSON.readTree(given().get("/api/v1/predictions/" + a.getValue()).then().statusCode(200).extract()
          .asString())).path("state").asText().matches("SUCCEEDED|FAILED")) {
        assertThat(System.nanoTime()).as("async " + a.getKey()).isLessThan(deadline);
        Thread.sleep(50);
      }
      out.put(a.getKey(), p.path("state").asText().equals("SUCCEEDED") ? oipAnswer(p.path("response"))
          : "failed " + p.path("error").asText());
    }
    return order(cases, out);
  }

  private Map<String, String> batch(List<Case> cases) throws Exception {
    Map<String, String> out = new LinkedHashMap<>();
    String key = "cross/" + UUID.randomUUID() + ".jsonl";
    BatchTestClient.put(aws.s3(), key, rows(cases, true));
    for (Case c : cases) {
      if (!c.model().equals(model) || !c.version().equals("1")) { // refused at submission
        int status = given().contentType(ContentType.JSON).body("{\"model\":\"" + c.model() + "\",\"version\":\""
            + c.version() + "\",\"input\":\"s3://pier-batch/" + key + "\"}").post("/api/v1/batch-jobs").statusCode();
        out.put(c.name(), "error " + status);
      }
    }
    String id = BatchTestClient.submit("{\"model\":\"" + model + "\",\"version\":\"1\",\"input\":\"s3://pier-batch/"
        + key + "\"}");
    JsonPath job = BatchTestClient.awaitFinished(id);
    assertThat(job.getString("state")).isEqualTo("SUCCEEDED");
    JsonNode manifest = JSON.readTree(BatchTestClient.read(aws.s3(), job.getString("manifest")));
    for (JsonNode file : manifest.get("results")) {
      readRows(cases, BatchTestClient.read(aws.s3(), file.asText()), out);
    }
    if (job.getString("errors") != null) {
      readRows(cases, BatchTestClient.read(aws.s3(), job.getString("errors")), out);
    }
    return order(cases, out);
  }

  private static Map<String, String> order(List<Case> cases, Map<String, String> out) {
    Map<String, String> ordered = new LinkedHashMap<>();
    cases.forEach(c -> ordered.put(c.name(), out.get(c.name())));
    return ordered;
  }
}
