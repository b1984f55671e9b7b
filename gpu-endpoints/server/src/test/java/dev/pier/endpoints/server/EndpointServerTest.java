package dev.pier.endpoints.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pier.kernel.tensor.Datatype;
import dev.pier.kernel.tensor.Signature;
import dev.pier.runtime.InferenceRequest;
import dev.pier.runtime.InferenceResponse;
import dev.pier.runtime.LoadedModel;
import dev.pier.runtime.Tensor;
import dev.pier.runtime.oip.OipJson;
import dev.pier.runtime.onnx.OnnxEngine;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The endpoint server over HTTP with the real ONNX Runtime engine and the iris MLP fixture. */
class EndpointServerTest {
  static final Path IRIS = Path.of("../../tests/fixtures/models/iris-mlp.onnx");
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<EndpointServer> servers = new ArrayList<>();

  @AfterEach
  void close() {
    servers.forEach(EndpointServer::close);
  }

  private EndpointServer serve(LoadedModel model, BatchPolicy policy) throws Exception {
    EndpointServer s = new EndpointServer(model, "onnxruntime_onnx", null, policy, "iris", 3, "127.0.0.1", 0);
    servers.add(s);
    return s;
  }

  private static LoadedModel iris() {
    return new OnnxEngine(1).load(IRIS);
  }

  private HttpResponse<byte[]> post(EndpointServer s, String path, byte[] body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private HttpResponse<String> get(EndpointServer s, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static InferenceRequest request(String id, float... flowers) {
    return new InferenceRequest(id, List.of(new Tensor("input", Datatype.FP32,
        new long[] {flowers.length / 4, 4}, flowers)), List.of());
  }

  @Test
  void answersWhatPiersEndpointRouterSendsOnInvocations() throws Exception {
    EndpointServer s = serve(iris(), BatchPolicy.none());
    assertThat(get(s, "/ping").statusCode()).isEqualTo(200);
    byte[] sent = OipJson.writeRequest(request("r1", 5.1f, 3.5f, 1.4f, 0.2f, 6.7f, 3.0f, 5.2f, 2.3f));
    HttpResponse<byte[]> r = post(s, "/invocations", sent);
    assertThat(r.statusCode()).isEqualTo(200);
    InferenceResponse answer = OipJson.parseResponse(r.body(), "iris", 3); // as EndpointRouter reads it
    assertThat(answer.id()).isEqualTo("r1");
    assertThat(answer.outputs()).extracting(Tensor::name).containsExactly("probabilities", "label");
    assertThat((long[]) answer.outputs().get(1).data()).containsExactly(0, 2); // the fixture's reference labels
    float[] p = (float[]) answer.outputs().get(0).data();
    assertThat(p[0]).isCloseTo(0.9911198f, org.assertj.core.data.Offset.offset(1e-5f));
    // the same body on OIP REST, named and versioned
    assertThat(post(s, "/v2/models/iris/versions/3/infer", sent).body()).isEqualTo(r.body());
    assertThat(get(s, "/v2/models/iris").body()).contains("\"platform\":\"onnxruntime_onnx\"", "\"shape\":[-1,4]");
    assertThat(get(s, "/v2/health/live").statusCode()).isEqualTo(200);
    assertThat(get(s, "/v2/health/ready").statusCode()).isEqualTo(200);
  }

  @Test
  void servesTorchScriptThroughTheEngineTheRuntimeFindsForTheMetadatasFramework() throws Exception {
    String signature = new String(java.nio.file.Files.readAllBytes(
        Path.of("../../tests/fixtures/models/iris-torch.reference.json")), StandardCharsets.UTF_8);
    String sig = OipJson.mapper().readTree(signature).get("signature").toString();
    EndpointMetadata metadata = EndpointMetadata.parse("{\"framework\":\"pytorch\",\"signature\":" + sig
        + ",\"batching\":{\"max_batch_size\":4,\"max_delay_ms\":1}}");
    EndpointMain.Options options = EndpointMain.parse(new String[] {"--metadata", "{}"}, java.util.Map.of());
    var engine = EndpointMain.engine(metadata, options);
    assertThat(engine.platform()).isEqualTo("pytorch_torchscript");
    LoadedModel model = engine.load(Path.of("../../tests/fixtures/models/iris-torch.pt"), metadata.signature());
    EndpointServer s = new EndpointServer(model, engine.platform(), metadata.signature(), metadata.batching(), "iris",
        1, "127.0.0.1", 0);
    servers.add(s);
    HttpResponse<byte[]> r = post(s, "/invocations", OipJson.writeRequest(request("t", 5.1f, 3.5f, 1.4f, 0.2f)));
    assertThat(r.statusCode()).isEqualTo(200);
    InferenceResponse answer = OipJson.parseResponse(r.body(), "iris", 1);
    assertThat((long[]) answer.outputs().get(1).data()).containsExactly(0);
    HttpResponse<byte[]> bad = post(s, "/invocations", OipJson.writeRequest(request("t", new float[20])));
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(new String(bad.body(), StandardCharsets.UTF_8)).contains("exceeds the model's max_batch_size 4");
  }

  @Test
  void badRequestsAre4xxNamingTheProblemBeforeTheEngine() throws Exception {
    RecordingModel model = new RecordingModel(iris());
    EndpointServer s = serve(model, new BatchPolicy(4, List.of(), 1000, 1, 1, 0, 0, 1, null));
    record Case(String path, String body, int status, String message) {}
    List<Case> cases = List.of(
        new Case("/invocations", "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP64\",\"shape\":[1,4],"
            + "\"data\":[1,2,3,4]}]}", 400, "input 'input': datatype FP64 does not match the model's FP32"),
        new Case("/invocations", "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,3],"
            + "\"data\":[1,2,3]}]}", 400, "input 'input': shape [1,3] does not match the model's [-1,4]"),
        new Case("/invocations", "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[5,4],"
            + "\"data\":[" + "1,".repeat(19) + "1]}]}", 400,
            "the request's batch of 5 rows exceeds the model's max_batch_size 4"),
        new Case("/invocations", "{\"inputs\":[{\"name\":\"petal\",\"datatype\":\"FP32\",\"shape\":[1,4],"
            + "\"data\":[1,2,3,4]}]}", 400, "unknown input 'petal'"),
        new Case("/invocations", "{\"inputs\": [", 400, ""),
        new Case("/v2/models/iris/infer", "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],"
            + "\"data\":[1,2,3,4]}],\"parameters\":{\"priority\":2}}", 400, "parameters.priority must be between 1 and 1"),
        new Case("/v2/models/other/infer", "{}", 404, "model 'other' is not served here"),
        new Case("/v2/models/iris/versions/4/infer", "{}", 404, "version 4 of 'iris' is not served here"));
    for (Case c : cases) {
      HttpResponse<byte[]> r = post(s, c.path(), c.body().getBytes(StandardCharsets.UTF_8));
      assertThat(r.statusCode()).as(c.body()).isEqualTo(c.status());
      assertThat(new String(r.body(), StandardCharsets.UTF_8)).as(c.body()).startsWith("{\"error\":")
          .contains(c.message());
    }
    assertThat(model.calls).isEmpty();
    assertThat(get(s, "/ping").statusCode()).isEqualTo(200);
  }

  @Test
  void batchedAnswersAreByteForByteTheUnbatchedOnes() throws Exception {
    EndpointServer plain = serve(iris(), BatchPolicy.none());
    RecordingModel held = new RecordingModel(iris());
    EndpointServer batched = serve(held, new BatchPolicy(8, List.of(), 1_000_000, 1, 1, 0, 0, 1, null));
    held.hold();
    var java = new java.util.Random(7);
    List<byte[]> bodies = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      int rows = i == 0 ? 8 : 1 + (i % 3); // first: a full batch that holds the engine; then 1-3 rows each
      float[] x = new float[rows * 4];
      for (int j = 0; j < x.length; j++) {
        x[j] = 8 * java.nextFloat();
      }
      bodies.add(OipJson.writeRequest(request("q" + i, x)));
    }
    List<CompletableFuture<HttpResponse<byte[]>>> answers = new ArrayList<>();
    answers.add(CompletableFuture.supplyAsync(() -> unchecked(() -> post(batched, "/invocations", bodies.get(0)))));
    held.entered.await(30, TimeUnit.SECONDS);
    for (int i = 1; i < bodies.size(); i++) { // one at a time, so the queue's order is known
      byte[] b = bodies.get(i);
      answers.add(CompletableFuture.supplyAsync(() -> unchecked(() -> post(batched, "/invocations", b))));
      for (int t = 0; t < 30_000 && batched.batcher().queued() != i; t++) {
        Thread.sleep(1);
      }
      assertThat(batched.batcher().queued()).isEqualTo(i);
    }
    held.release();
    for (int i = 0; i < bodies.size(); i++) {
      HttpResponse<byte[]> b = answers.get(i).get();
      assertThat(b.statusCode()).isEqualTo(200);
      assertThat(b.body()).as("request " + i).isEqualTo(post(plain, "/invocations", bodies.get(i)).body());
    }
    // queued rows 2,3,1,2 | 3,1,2,(3 does not fit) | 3: whole requests, at most 8 rows per call
    assertThat(held.calls).containsExactly(8, 8, 6, 3);
    String metrics = get(batched, "/metrics").body();
    assertThat(metrics).contains("pier_endpoint_batch_size_count{model=\"iris\"} 4",
        "pier_endpoint_batch_size_sum{model=\"iris\"} 25.0",
        "pier_endpoint_batch_requests_bucket{model=\"iris\",le=\"1\"} 2",
        "pier_endpoint_queue_seconds_count{model=\"iris\"} 9",
        "pier_endpoint_instances{model=\"iris\"} 1",
        "pier_endpoint_gpu_available");
  }

  private static <T> T unchecked(java.util.concurrent.Callable<T> c) {
    try {
      return c.call();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A real model whose calls are recorded (rows per call) and can be held until released. */
  static final class RecordingModel implements LoadedModel {
    final LoadedModel model;
    final List<Integer> calls = new CopyOnWriteArrayList<>();
    final CountDownLatch entered = new CountDownLatch(1);
    private volatile CountDownLatch gate = new CountDownLatch(0);

    RecordingModel(LoadedModel model) {
      this.model = model;
    }

    void hold() {
      gate = new CountDownLatch(1);
    }

    void release() {
      gate.countDown();
    }

    @Override
    public Signature signature() {
      return model.signature();
    }

    @Override
    public List<Tensor> infer(List<Tensor> inputs, List<String> outputs) {
      calls.add((int) inputs.get(0).shape()[0]);
      entered.countDown();
      try {
        gate.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return model.infer(inputs, outputs);
    }

    @Override
    public long sizeBytes() {
      return model.sizeBytes();
    }

    @Override
    public void close() {
      model.close();
    }
  }
}
