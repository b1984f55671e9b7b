package dev.pier.endpoints.local;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.pier.kernel.PierException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A stand-in for the SageMaker runtime API on loopback, so endpoint-placed models work in local mode through the
 * real {@code SageMakerRuntimeClient}: {@code POST /endpoints/{name}/invocations} runs the handler hosted under that
 * name (in local mode, the model on the CPU). Failures come back the way SageMaker reports them — a handler's
 * 4xx as a {@code ModelError} (424) carrying the original status and message, an unknown endpoint as a
 * {@code ValidationError} (400), an inference component set to zero copies ({@link #copies}) as SageMaker's "no
 * capacity" {@code ValidationError} — so the client's error mapping is exercised as in AWS. Signatures are not checked.
 *
 * <p>With {@link #serveAsync} the hosted endpoints are asynchronous endpoints as well:
 * {@code POST /endpoints/{name}/async-invocations} ({@code InvokeEndpointAsync}) answers 202 with the output and
 * failure locations at once, then — on its own threads, like SageMaker's internal queue — reads the input from S3, runs
 * the handler, writes the answer ({@code <output path><uuid>.out}) or the container's error
 * ({@code <failure path><uuid>-error.out}) to S3 and hands the notification SageMaker would publish to the endpoint's
 * SNS topic (its documented JSON: {@code inferenceId}, {@code invocationStatus}, {@code requestParameters},
 * {@code responseParameters}, {@code failureReason}, …) to a listener.
 */
public final class LocalSageMakerRuntime implements AutoCloseable {
  private static final Pattern INVOKE = Pattern.compile("/endpoints/([^/]+)/(invocations|async-invocations)");
  private final HttpServer server;
  private final ExecutorService pool;
  private final Map<String, Function<byte[], byte[]>> endpoints = new ConcurrentHashMap<>();
  private final Map<String, Integer> componentCopies = new ConcurrentHashMap<>();
  private volatile AsyncOutputs async;

  /** Where asynchronous invocations read and write, and who receives their notifications. */
  private record AsyncOutputs(S3Client s3, String outputPath, String failurePath, Consumer<String> notifications) {}

  private LocalSageMakerRuntime(HttpServer server, ExecutorService pool) {
    this.server = server;
    this.pool = pool;
  }

  /** Starts on {@code port} (0 for any free one). */
  public static LocalSageMakerRuntime start(int port) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
    ExecutorService pool = Executors.newFixedThreadPool(8, Thread.ofPlatform().daemon().name("sagemaker-local-", 0).factory());
    LocalSageMakerRuntime runtime = new LocalSageMakerRuntime(server, pool);
    server.createContext("/", runtime::handle);
    server.setExecutor(pool);
    server.start();
    return runtime;
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Hosts {@code handler} as endpoint {@code name}; it takes the request body and returns the response body. */
  public void host(String name, Function<byte[], byte[]> handler) {
    endpoints.put(name, handler);
  }

  /**
   * Serves {@code InvokeEndpointAsync} for every hosted endpoint.
   *
   * @param s3 reads inputs and writes outputs (the S3 stand-in)
   * @param outputPath {@code s3://bucket/prefix/} for answers, like {@code AsyncInferenceConfig.OutputConfig.S3OutputPath}
   * @param failurePath {@code s3://bucket/prefix/} for failures ({@code S3FailurePath})
   * @param notifications receives each success or error notification's JSON, as SageMaker publishes it to SNS
   */
  public void serveAsync(S3Client s3, String outputPath, String failurePath, Consumer<String> notifications) {
    this.async = new AsyncOutputs(s3, withSlash(outputPath), withSlash(failurePath), notifications);
  }

  /**
   * Sets how many copies inference component {@code component} has (a component never set has one): at zero, an
   * invocation naming it is refused as SageMaker refuses it while the component is scaled to zero.
   */
  public void copies(String component, int copies) {
    componentCopies.put(component, copies);
  }

  public boolean hosts(String name) {
    return endpoints.containsKey(name);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      Matcher m = INVOKE.matcher(exchange.getRequestURI().getRawPath());
      if (!"POST".equals(exchange.getRequestMethod()) || !m.matches()) {
        error(exchange, 404, "UnknownOperationException", "unknown operation " + exchange.getRequestMethod()
            + " " + exchange.getRequestURI().getPath(), null);
        return;
      }
      String name = URLDecoder.decode(m.group(1), StandardCharsets.UTF_8);
      Function<byte[], byte[]> handler = endpoints.get(name);
      if (handler == null) {
        error(exchange, 400, "ValidationError", "Endpoint " + name + " of account 000000000000 not found.", null);
        return;
      }
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readAllBytes();
      }
      String component = exchange.getRequestHeaders().getFirst("X-Amzn-SageMaker-Inference-Component");
      if (component != null && componentCopies.getOrDefault(component, 1) == 0) {
        error(exchange, 400, "ValidationError", "Inference Component has no capacity to process this request."
            + " ApplicationAutoScaling may be in-progress (if configured) or try to increase the capacity by invoking"
            + " UpdateInferenceComponentRuntimeConfig API.", null);
        return;
      }
      if ("async-invocations".equals(m.group(2))) {
        invokeAsync(exchange, name, handler);
        return;
      }
      byte[] answer;
      try {
        answer = handler.apply(body);
      } catch (PierException e) {
        String original = JsonNodeFactory.instance.objectNode().put("error", e.getMessage()).toString();
        error(exchange, 424, "ModelError", "Received client error (" + e.status() + ") from primary with message \""
            + original + "\".", Map.entry(e.status(), original));
        return;
      } catch (RuntimeException e) {
        error(exchange, 424, "ModelError", "Received server error (500) from primary",
            Map.entry(500, String.valueOf(e.getMessage())));
        return;
      }
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.getResponseHeaders().set("x-Amzn-Invoked-Production-Variant", "AllTraffic");
      exchange.sendResponseHeaders(200, answer.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(answer);
      }
    }
  }

  private void invokeAsync(HttpExchange exchange, String name, Function<byte[], byte[]> handler) throws IOException {
    AsyncOutputs outputs = async;
    if (outputs == null) {
      error(exchange, 400, "ValidationError", "Endpoint " + name + " is not an asynchronous endpoint.", null);
      return;
    }
    var headers = exchange.getRequestHeaders();
    String input = headers.getFirst("X-Amzn-SageMaker-InputLocation");
    if (input == null || !input.startsWith("s3://")) {
      error(exchange, 400, "ValidationError", "InputLocation must be an s3:// URI, got " + input, null);
      return;
    }
    String inferenceId = headers.getFirst("X-Amzn-SageMaker-Inference-Id");
    String id = inferenceId != null ? inferenceId : UUID.randomUUID().toString();
    String object = UUID.randomUUID().toString();
    String output = outputs.outputPath() + object + ".out";
    String failure = outputs.failurePath() + object + "-error.out";
    String contentType = headers.getFirst("X-Amzn-SageMaker-Content-Type");
    Instant received = Instant.now();
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.getResponseHeaders().set("X-Amzn-SageMaker-OutputLocation", output);
    exchange.getResponseHeaders().set("X-Amzn-SageMaker-FailureLocation", failure);
    byte[] answer = JsonNodeFactory.instance.objectNode().put("InferenceId", id).toString()
        .getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(202, answer.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(answer);
    }
    pool.execute(() -> runAsync(outputs, name, handler, id, input, contentType, output, failure, received));
  }

  /** What an instance of an asynchronous endpoint does with one queued request. */
  private static void runAsync(AsyncOutputs outputs, String name, Function<byte[], byte[]> handler, String id,
      String input, String contentType, String output, String failure, Instant received) {
    ObjectNode note = JsonNodeFactory.instance.objectNode();
    note.put("awsRegion", "us-east-1");
    note.put("eventTime", "");
    note.put("receivedTime", received.toString());
    ObjectNode request = note.putObject("requestParameters");
    request.put("contentType", contentType == null ? "application/octet-stream" : contentType);
    request.put("endpointName", name);
    request.put("inputLocation", input);
    ObjectNode response = JsonNodeFactory.instance.objectNode();
    String failureReason = null;
    try {
      byte[] body = read(outputs.s3(), input);
      byte[] answer;
      try {
        answer = handler.apply(body);
      } catch (PierException e) {
        write(outputs.s3(), failure, JsonNodeFactory.instance.objectNode().put("error", e.getMessage()).toString()
            .getBytes(StandardCharsets.UTF_8));
        failureReason = "ClientError: Received client error (" + e.status() + ") from model. See the SageMaker "
            + "Endpoint logs in your account for more information.";
        response.put("failureLocation", failure);
        answer = null;
      } catch (RuntimeException e) {
        write(outputs.s3(), failure, String.valueOf(e.getMessage()).getBytes(StandardCharsets.UTF_8));
        failureReason = "ClientError: Received server error (500) from model. See the SageMaker Endpoint logs in "
            + "your account for more information.";
        response.put("failureLocation", failure);
        answer = null;
      }
      if (answer != null) {
        write(outputs.s3(), output, answer);
        response.put("contentType", "application/json");
        response.put("outputLocation", output);
      }
    } catch (SdkException e) {
      failureReason = "ClientError: Failed to download or upload data at " + input + ": " + e.getMessage();
    }
    note.put("eventTime", Instant.now().toString());
    note.put("invocationStatus", failureReason == null ? "Completed" : "Failed");
    if (failureReason != null) {
      note.put("failureReason", failureReason);
    }
    note.set("responseParameters", response);
    note.put("inferenceId", id);
    note.put("eventVersion", "1.0");
    note.put("eventSource", "aws:sagemaker");
    note.put("eventName", "InferenceResult");
    outputs.notifications().accept(note.toString());
  }

  private static byte[] read(S3Client s3, String location) {
    String[] bucketKey = bucketAndKey(location);
    return s3.getObjectAsBytes(b -> b.bucket(bucketKey[0]).key(bucketKey[1])).asByteArray();
  }

  private static void write(S3Client s3, String location, byte[] body) {
    String[] bucketKey = bucketAndKey(location);
    s3.putObject(b -> b.bucket(bucketKey[0]).key(bucketKey[1]), RequestBody.fromBytes(body));
  }

  private static String[] bucketAndKey(String location) {
    String path = location.substring("s3://".length());
    int slash = path.indexOf('/');
    return new String[] {path.substring(0, slash), path.substring(slash + 1)};
  }

  private static String withSlash(String path) {
    return path.endsWith("/") ? path : path + "/";
  }

  private static void error(HttpExchange exchange, int status, String type, String message,
      Map.Entry<Integer, String> original) throws IOException {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("message", message);
    if (original != null) {
      body.put("OriginalStatusCode", original.getKey());
      body.put("OriginalMessage", original.getValue());
    }
    byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.getResponseHeaders().set("x-amzn-ErrorType", type);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
  }
}
