package dev.pier.endpoints.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.pier.kernel.PierException;
import dev.pier.kernel.tensor.Signature;
import dev.pier.kernel.tensor.TensorSpec;
import dev.pier.runtime.InferenceRequest;
import dev.pier.runtime.InferenceResponse;
import dev.pier.runtime.LoadedModel;
import dev.pier.runtime.SignatureCheck;
import dev.pier.runtime.Tensor;
import dev.pier.runtime.oip.OipJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The endpoint container's HTTP front: SageMaker's serving contract and OIP REST for one model.
 *
 * <ul>
 *   <li>{@code GET /ping} — 200 once the model is loaded (SageMaker's health check);
 *   <li>{@code POST /invocations} — an OIP JSON inference request (what Pier's endpoint router forwards), answered
 *       with OIP JSON;
 *   <li>{@code POST /v2/models/{m}[/versions/{v}]/infer}, {@code GET /v2/models/{m}[/versions/{v}]},
 *       {@code GET /v2/health/live|ready}, {@code GET /v2/models/{m}/ready}, {@code GET /v2} — OIP REST;
 *   <li>{@code GET /metrics} — the batcher's and the GPU's metrics, Prometheus text.
 * </ul>
 *
 * <p>Every request is checked as in-process serving checks it — against the signature (names, datatypes, shapes) and
 * the batcher's {@code max_batch_size} — and refused with a 400 naming the problem before the engine sees it.
 * Errors are {@code {"error": "..."}} with the status of the problem (429 from the queue policy).
 */
public final class EndpointServer implements AutoCloseable {
  private static final Pattern MODEL = Pattern.compile("/v2/models/([^/]+)(?:/versions/([^/]+))?(/infer|/ready)?");
  private static final long MAX_BODY = 256L * 1024 * 1024;
  private static final byte[] PRIORITY = "\"priority\"".getBytes(StandardCharsets.US_ASCII);

  private final String modelName;
  private final int version;
  private final String platform;
  private final Signature signature;
  private final DynamicBatcher batcher;
  private final LoadedModel direct;
  private final BatcherMetrics metrics;
  private final GpuStats gpu = new GpuStats();
  private final Thread tuner;
  private final HttpServer http;
  private final ExecutorService executor;
  private volatile boolean ready;

  /**
   * Serves {@code model} on {@code port} (0 for any free one). With a batching policy (anything but
   * {@link BatchPolicy#none()}) requests go through a {@link DynamicBatcher}; without, each runs on its own thread.
   *
   * @param declared the registration's signature, or null to check against the model's own
   */
  public EndpointServer(LoadedModel model, String platform, Signature declared, BatchPolicy policy, String modelName,
      int version, String host, int port) throws IOException {
    this.modelName = modelName;
    this.version = version;
    this.platform = platform;
    this.signature = declared != null ? declared : model.signature();
    this.metrics = new BatcherMetrics(modelName, policy.maxBatchSize());
    boolean queue = !policy.equals(BatchPolicy.none());
    this.batcher = queue ? new DynamicBatcher(model, policy, metrics) : null;
    this.direct = model;
    this.tuner = queue && policy.adaptive() ? AdaptiveTuner.start(batcher, metrics, policy, 1000) : null;
    this.executor = Executors.newVirtualThreadPerTaskExecutor();
    this.http = HttpServer.create(new InetSocketAddress(host, port), 1024);
    http.createContext("/", this::handle);
    http.setExecutor(executor);
    http.start();
    this.ready = true;
  }

  public int port() {
    return http.getAddress().getPort();
  }

  public BatcherMetrics metrics() {
    return metrics;
  }

  /** The batcher, or null when the model is served without one. */
  public DynamicBatcher batcher() {
    return batcher;
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String method = ex.getRequestMethod();
      String path = ex.getRequestURI().getRawPath();
      try {
        route(ex, method, path);
      } catch (PierException e) {
        error(ex, e.status(), e.getMessage());
      } catch (RuntimeException e) {
        error(ex, 500, "the model failed: " + e);
      }
    }
  }

  private void route(HttpExchange ex, String method, String path) throws IOException {
    switch (path) {
      case "/ping", "/v2/health/ready" -> {
        expect(method, "GET", path);
        send(ex, ready ? 200 : 503, "application/json", ready ? "{}".getBytes() : "{\"error\":\"not ready\"}".getBytes());
        return;
      }
      case "/v2/health/live" -> {
        expect(method, "GET", path);
        send(ex, 200, "application/json", "{}".getBytes());
        return;
      }
      case "/invocations" -> {
        expect(method, "POST", path);
        infer(ex);
        return;
      }
      case "/metrics" -> {
        expect(method, "GET", path);
        StringBuilder out = new StringBuilder(4096);
        metrics.write(out);
        gpu.write(out);
        send(ex, 200, "text/plain; version=0.0.4", out.toString().getBytes(StandardCharsets.UTF_8));
        return;
      }
      case "/v2" -> {
        expect(method, "GET", path);
        ObjectNode n = JsonNodeFactory.instance.objectNode().put("name", "pier-endpoint").put("version", "0.1.0");
        n.putArray("extensions").add("binary_tensor_data");
        send(ex, 200, "application/json", n.toString().getBytes(StandardCharsets.UTF_8));
        return;
      }
      default -> { }
    }
    Matcher m = MODEL.matcher(path);
    if (!m.matches()) {
      throw PierException.notFound("no route " + method + " " + path + "; the endpoint serves GET /ping, POST"
          + " /invocations, /v2/models/" + modelName + "/infer, /v2/health/live|ready and /metrics");
    }
    if (!m.group(1).equals(modelName)) {
      throw PierException.notFound("model '" + m.group(1) + "' is not served here; this endpoint serves '"
          + modelName + "'");
    }
    if (m.group(2) != null && !m.group(2).equals(Integer.toString(version))) {
      throw PierException.notFound("version " + m.group(2) + " of '" + modelName + "' is not served here; this"
          + " endpoint serves version " + version);
    }
    if ("/infer".equals(m.group(3))) {
      expect(method, "POST", path);
      infer(ex);
    } else if ("/ready".equals(m.group(3))) {
      expect(method, "GET", path);
      send(ex, ready ? 200 : 503, "application/json", "{}".getBytes());
    } else {
      expect(method, "GET", path);
      send(ex, 200, "application/json", modelMetadata().getBytes(StandardCharsets.UTF_8));
    }
  }

  private void infer(HttpExchange ex) throws IOException {
    String length = ex.getRequestHeaders().getFirst("Content-Length");
    if (length != null && Long.parseLong(length) > MAX_BODY) {
      throw new PierException(413, "the request body of " + length + " bytes exceeds the endpoint's " + MAX_BODY);
    }
    byte[] body;
    try (InputStream in = ex.getRequestBody()) {
      body = in.readNBytes((int) MAX_BODY + 1);
    }
    if (body.length > MAX_BODY) {
      throw new PierException(413, "the request body exceeds the endpoint's " + MAX_BODY + " bytes");
    }
    String header = ex.getRequestHeaders().getFirst("Inference-Header-Content-Length");
    int headerLength = -1;
    if (header != null) {
      try {
        headerLength = Integer.parseInt(header.strip());
      } catch (NumberFormatException e) {
        throw PierException.badRequest("Inference-Header-Content-Length must be an integer, got '" + header + "'");
      }
    }
    InferenceRequest request = OipJson.parseRequest(body, headerLength);
    List<Tensor> outputs = predict(request, priority(body, headerLength));
    InferenceResponse response = new InferenceResponse(modelName, version, request.id(), outputs);
    if (request.binaryOutputs().isEmpty()) {
      send(ex, 200, "application/json", OipJson.writeResponse(response));
    } else {
      OipJson.BinaryBody b = OipJson.writeBinaryResponse(response, request.binaryOutputs());
      ex.getResponseHeaders().set("Inference-Header-Content-Length", Integer.toString(b.headerLength()));
      send(ex, 200, "application/octet-stream", b.body());
    }
  }

  /**
   * One decoded request through what every way in shares (REST, {@code /invocations}, gRPC): the signature check, then
   * the batcher (its {@code max_batch_size}, priority and queue policy) or, without one, an engine call.
   *
   * @param priority 1 (highest) and up; 0 for the policy's default
   */
  List<Tensor> predict(InferenceRequest request, int priority) {
    SignatureCheck.check(signature, request);
    return batcher != null ? batcher.infer(request.inputs(), request.outputs(), priority) : direct(request);
  }

  String modelName() {
    return modelName;
  }

  int version() {
    return version;
  }

  String platform() {
    return platform;
  }

  Signature signature() {
    return signature;
  }

  boolean ready() {
    return ready;
  }

  /** Without a batcher: one engine call on this thread, counted as a batch of its own rows. */
  private List<Tensor> direct(InferenceRequest request) {
    long start = System.nanoTime();
    List<Tensor> outputs = direct.infer(request.inputs(), request.outputs());
    long took = System.nanoTime() - start;
    List<Tensor> in = request.inputs();
    metrics.batch(1, in.isEmpty() || in.get(0).shape().length == 0 ? 1 : (int) in.get(0).shape()[0]);
    metrics.compute(took);
    metrics.latency(took);
    return outputs;
  }

  /**
   * The request's OIP {@code parameters.priority} (1 = highest), 0 when it names none. Only a body that mentions
   * {@code "priority"} is read a second time.
   */
  static int priority(byte[] body, int headerLength) {
    int end = headerLength >= 0 ? headerLength : body.length;
    if (!contains(body, end, PRIORITY)) {
      return 0;
    }
    JsonNode p = OipJson.readTree(java.util.Arrays.copyOf(body, end)).path("parameters").get("priority");
    if (p == null || p.isNull()) {
      return 0;
    }
    if (!p.isIntegralNumber() || !p.canConvertToInt() || p.asInt() < 1) {
      throw PierException.badRequest("parameters.priority must be an integer from 1 (highest), got " + p);
    }
    return p.asInt();
  }

  private static boolean contains(byte[] body, int end, byte[] what) {
    outer:
    for (int i = 0; i + what.length <= end; i++) {
      for (int j = 0; j < what.length; j++) {
        if (body[i + j] != what[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  private String modelMetadata() {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("name", modelName);
    n.putArray("versions").add(Integer.toString(version));
    n.put("platform", platform);
    tensors(n.putArray("inputs"), signature.inputs());
    tensors(n.putArray("outputs"), signature.outputs());
    return n.toString();
  }

  private static void tensors(ArrayNode array, List<TensorSpec> specs) {
    for (TensorSpec s : specs) {
      ObjectNode t = array.addObject().put("name", s.name()).put("datatype", s.datatype().name());
      ArrayNode shape = t.putArray("shape");
      for (long d : s.shape()) {
        shape.add(d);
      }
    }
  }

  private static void expect(String method, String allowed, String path) {
    if (!allowed.equals(method)) {
      throw new PierException(405, path + " takes " + allowed + ", not " + method);
    }
  }

  private static void error(HttpExchange ex, int status, String message) throws IOException {
    byte[] body = JsonNodeFactory.instance.objectNode().put("error", String.valueOf(message)).toString()
        .getBytes(StandardCharsets.UTF_8);
    send(ex, status, "application/json", body);
  }

  private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  /** Stops taking requests, lets queued ones finish, closes the model. */
  @Override
  public void close() {
    ready = false;
    http.stop(1);
    if (tuner != null) {
      tuner.interrupt();
    }
    if (batcher != null) {
      batcher.close();
    }
    executor.close();
    direct.close();
  }
}
