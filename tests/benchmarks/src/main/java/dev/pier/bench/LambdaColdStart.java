package dev.pier.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.pier.async.AsyncObjects;
import dev.pier.async.AsyncQueue;
import dev.pier.async.AsyncTable;
import dev.pier.batch.BatchJob;
import dev.pier.batch.InputFormat;
import dev.pier.batch.JobState;
import dev.pier.batch.JobsTable;
import dev.pier.batch.Priority;
import dev.pier.batch.S3Uri;
import dev.pier.kernel.aws.DynamoTables;
import dev.pier.kernel.engine.Framework;
import dev.pier.registry.NewVersion;
import dev.pier.runtime.onnx.OnnxEngine;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Cold start and warm invocations of the API Lambda artifact ({@code -Plambda}'s function.zip) run the way the Lambda
 * Java runtime runs it: AWS's runtime interface client ({@code aws-lambda-java-runtime-interface-client}) loads the
 * handler from the unzipped task root and polls a Lambda Runtime API, which this class serves (the documented
 * {@code /2018-06-01/runtime/invocation/next} / {@code …/response} protocol). The function talks to the DynamoDB and
 * S3 stand-ins, where the demo model is registered as {@code demo@production} and preloaded during init (what
 * SnapStart snapshots), with Lambda's JVM flags ({@code -XX:TieredStopAtLevel=1}).
 *
 * <p>Prints: init duration (process start to the first poll for work, Lambda's "Init Duration"), the first
 * invocation, and the time per warm invocation (API Gateway v2 event with an OIP infer, from event handed out to
 * response received, sequentially). Not a model of Lambda's sandbox start or network: those add on top.
 *
 * <p>Then one async prediction through the same handler, the way the two deployed functions share it: an API Gateway
 * event with {@code Prefer: respond-async} is accepted (202) and queued on SQS (the ElasticMQ stand-in, the async
 * table and bucket on the other stand-ins, configured as in AWS by {@code PIER_ASYNC_*}); the message taken off the
 * queue is handed to the function as the SQS event an event source mapping sends, which must answer an empty
 * {@code batchItemFailures}; reading the prediction back must give SUCCEEDED.
 *
 * <p>Then one batch job through the same handler, the way the batch-scoring state machine runs it in AWS: a job
 * created in the jobs table (as the control plane creates one) over a JSONL input in the batch bucket is handed to the
 * function task by task, each event the {@code Payload} of the ASL's {@code lambda:invoke} state (validate →
 * score-chunk with the chunks of the plan it wrote → write-results → finalize); and a job whose input is missing,
 * whose validate task must fail with the {@code errorType} the ASL's Catch sees, printed as the runtime interface
 * client posted it to {@code /invocation/{id}/error}.
 *
 * <p>Usage: {@code LambdaColdStart FUNCTION_ZIP JAVA_BIN [WARM_INVOCATIONS]}
 */
public final class LambdaColdStart {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String API = "/2018-06-01/runtime";
  private static final String ROW =
      "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[5.1,3.5,1.4,0.2]}]}";
  /** The zip's entry point, as the CDK app deploys it ({@code ApiFunction.HANDLER}). */
  private static final String HANDLER = "dev.pier.api.lambda.PierLambdaHandler::handleRequest";

  private final BlockingQueue<Invocation> pending = new LinkedBlockingQueue<>();
  private final Map<String, Invocation> running = new ConcurrentHashMap<>();
  private final CompletableFuture<Long> firstPoll = new CompletableFuture<>();
  private final CompletableFuture<String> initError = new CompletableFuture<>();

  private record Invocation(String id, String event, CompletableFuture<String> result, long[] handedOut) {}

  public static void main(String[] args) throws Exception {
    Path zip = Path.of(args[0]);
    String java = args[1];
    int warm = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
    new LambdaColdStart().run(zip, java, warm);
  }

  private void run(Path zip, String java, int warm) throws Exception {
    try (RuntimeFixture fixture = new RuntimeFixture(List.of(new OnnxEngine(1)), 1L << 30)) {
      fixture.registry.register("demo", new NewVersion(Framework.ONNX, null, null, Map.of(), Map.of()),
          Path.of("tests/fixtures/models/iris-mlp.onnx"), null);
      fixture.registry.setAlias("demo", "production", 1);
      Path task = fixture.dir.resolve("task");
      unzip(zip, task);
      // What the CDK app creates in AWS: the async predictions table, bucket and queue.
      AsyncTable.createIfMissing(fixture.clients.dynamoDb(), "async");
      new AsyncObjects(fixture.clients.s3(), "async").createBucketIfMissing();
      SqsClient sqs = fixture.clients.client(SqsClient.builder(), fixture.aws.sqsEndpoint());
      String queueUrl = AsyncQueue.createIfMissing(sqs, "async-predictions", Duration.ofSeconds(60));
      // ... and the jobs table and batch bucket
      JobsTable.createIfMissing(fixture.clients.dynamoDb(), "jobs");
      fixture.clients.s3().createBucket(b -> b.bucket("batch"));
      JobsTable jobs = new JobsTable(fixture.clients.dynamoDb(), "jobs");
      // ... and the feature store's definitions table (pier.features.table's default), which the function reads at
      // start to resume interrupted materializations: the shape FeatureRegistry creates locally
      DynamoTables.createIfMissing(fixture.clients.dynamoDb(), "pier-features", DynamoTables.SINGLE_TABLE, null);

      HttpServer api = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      api.createContext(API, this::serve);
      api.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
      api.start();

      Map<String, String> env = new LinkedHashMap<>();
      env.put("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:" + api.getAddress().getPort());
      env.put("LAMBDA_TASK_ROOT", task.toString());
      env.put("_HANDLER", HANDLER);
      env.put("AWS_LAMBDA_FUNCTION_NAME", "pier-api");
      env.put("AWS_LAMBDA_FUNCTION_VERSION", "1");
      env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "2048");
      env.put("AWS_REGION", fixture.aws.region());
      env.put("AWS_ACCESS_KEY_ID", fixture.aws.accessKeyId());
      env.put("AWS_SECRET_ACCESS_KEY", fixture.aws.secretAccessKey());
      env.put("PIER_AWS_DYNAMODB_ENDPOINT", fixture.aws.dynamoDbEndpoint().toString());
      env.put("PIER_AWS_S3_ENDPOINT", fixture.aws.s3Endpoint().toString());
      env.put("PIER_REGISTRY_TABLE", "registry");
      env.put("PIER_REGISTRY_ARTIFACTS_BUCKET", "artifacts");
      env.put("PIER_ASYNC_TABLE", "async");
      env.put("PIER_ASYNC_BUCKET", "async");
      env.put("PIER_ASYNC_QUEUE_URL", queueUrl);
      env.put("PIER_ASYNC_SQS_ENDPOINT", fixture.aws.sqsEndpoint().toString());
      env.put("PIER_BATCH_JOBS_TABLE", "jobs");
      env.put("PIER_BATCH_BUCKET", "batch");
      env.put("PIER_PRELOAD", "demo:production");
      env.put("PIER_MODELS_CACHE_BYTES", Long.toString(1L << 30));
      env.put("PIER_DATA_DIR", fixture.dir.resolve("tmp").toString());
      env.put("DISABLE_SIGNAL_HANDLERS", "true");

      List<String> command = new ArrayList<>(List.of(java, "-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1",
          "-Xmx1536m", "-Djava.io.tmpdir=" + fixture.dir.resolve("tmp"), "--enable-native-access=ALL-UNNAMED",
          "-cp", runtimeClassPath(), "com.amazonaws.services.lambda.runtime.api.client.AWSLambda",
          env.get("_HANDLER")));
      Files.createDirectories(fixture.dir.resolve("tmp"));
      // the runtime client loads the handler from its working directory (and its lib/*.jar), as from /var/task
      ProcessBuilder builder = new ProcessBuilder(command).directory(task.toFile()).redirectErrorStream(true)
          .redirectOutput(fixture.dir.resolve("function.log").toFile());
      builder.environment().putAll(env);
      long start = System.nanoTime();
      Process function = builder.start();
      try {
        long polled = CompletableFuture.anyOf(firstPoll, initError).thenApply(x -> {
          if (initError.isDone()) {
            throw new IllegalStateException("init failed: " + initError.join());
          }
          return firstPoll.join();
        }).get(120, TimeUnit.SECONDS);
        Invocation first = submit(event("/v2/models/demo/infer", ROW));
        String firstBody = first.result().get(60, TimeUnit.SECONDS);
        long firstDone = System.nanoTime();
        check(firstBody);

        Invocation readiness = submit(event("/v2/health/ready", null));
        readiness.result().get(30, TimeUnit.SECONDS);
        long[] nanos = new long[warm];
        for (int i = 0; i < warm; i++) {
          Invocation inv = submit(event("/v2/models/demo/infer", ROW));
          String body = inv.result().get(30, TimeUnit.SECONDS);
          nanos[i] = System.nanoTime() - inv.handedOut()[0];
          if (i == 0) {
            check(body);
          }
        }
        Arrays.sort(nanos);
        System.out.printf("init (process start to first poll, model preloaded): %.0f ms%n", (polled - start) / 1e6);
        System.out.printf("first invocation (OIP infer):                        %.1f ms%n", (firstDone - polled) / 1e6);
        System.out.printf("cold start total (start to first answer):             %.0f ms%n", (firstDone - start) / 1e6);
        System.out.printf("warm invocations (%d, sequential): p50 %.3f ms, p95 %.3f ms, p99 %.3f ms%n", warm,
            nanos[warm / 2] / 1e6, nanos[(int) (warm * 0.95)] / 1e6, nanos[(int) (warm * 0.99)] / 1e6);
        asyncPrediction(sqs, queueUrl);
        batchTasks(jobs, fixture.clients.s3());
        System.out.printf("function log: %s%n", fixture.dir.resolve("function.log"));
      } catch (Exception e) {
        System.err.println(Files.readString(fixture.dir.resolve("function.log")));
        throw e;
      } finally {
        function.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        api.stop(0);
        sqs.close();
      }
    }
  }

  /** Accept (API Gateway event) → the queued message as an SQS event → read back; prints what each step answered. */
  private void asyncPrediction(SqsClient sqs, String queueUrl) throws Exception {
    String accepted = submit(event("/v2/models/demo/infer", ROW, Map.of("prefer", "respond-async")))
        .result().get(30, TimeUnit.SECONDS);
    JsonNode acceptedResponse = JSON.readTree(accepted);
    if (acceptedResponse.path("statusCode").asInt() != 202) {
      throw new IllegalStateException("the async request was not accepted: " + accepted);
    }
    String id = JSON.readTree(acceptedResponse.path("body").asText()).path("id").asText();
    List<Message> queued = sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(5))
        .messages();
    if (queued.size() != 1 || !queued.get(0).body().equals(id)) {
      throw new IllegalStateException("expected one queued message for " + id + ", got " + queued);
    }
    Message m = queued.get(0);
    long sent = System.nanoTime();
    String batchResponse = submit(sqsEvent(m)).result().get(30, TimeUnit.SECONDS);
    long answered = System.nanoTime();
    if (!JSON.readTree(batchResponse).path("batchItemFailures").isEmpty()) {
      throw new IllegalStateException("the SQS event left failures: " + batchResponse);
    }
    sqs.deleteMessage(b -> b.queueUrl(queueUrl).receiptHandle(m.receiptHandle())); // as the event source mapping does
    String read = submit(event("/api/v1/predictions/" + id, null)).result().get(30, TimeUnit.SECONDS);
    JsonNode prediction = JSON.readTree(JSON.readTree(read).path("body").asText());
    if (!prediction.path("state").asText().equals("SUCCEEDED")) {
      throw new IllegalStateException("the prediction did not succeed: " + read);
    }
    System.out.printf("async: 202 %s; SQS event (message %s) answered %s in %.1f ms; GET %s: %s, outputs %s%n",
        acceptedResponse.path("body").asText(), m.messageId(), batchResponse, (answered - sent) / 1e6,
        "/api/v1/predictions/" + id, prediction.path("state").asText(),
        prediction.path("response").path("outputs").get(1).path("data"));
  }

  /** A job run task by task through the function, then a job that fails validation; prints what each answered. */
  private void batchTasks(JobsTable jobs, S3Client s3) throws Exception {
    StringBuilder rows = new StringBuilder();
    for (int i = 1; i <= 1000; i++) {
      rows.append(i == 500 ? "{\"id\":500,\"input\":[5.1,3.5]}" : "{\"id\":" + i + ",\"input\":[5.1,3.5,1.4,0.2]}")
          .append('\n');
    }
    s3.putObject(b -> b.bucket("batch").key("in/rows.jsonl"), RequestBody.fromString(rows.toString()));
    String id = queuedJob(jobs, "in/rows.jsonl");
    long started = System.nanoTime();
    JsonNode plan = JSON.readTree(task(JSON.createObjectNode().put("action", "validate").put("job_id", id)
        .put("execution", id)));
    ArrayNode chunks = (ArrayNode) JSON.readTree(s3.getObjectAsBytes(b -> b.bucket("batch")
        .key(plan.path("plan_key").asText())).asByteArray());
    ObjectNode scoreChunk = JSON.createObjectNode().put("action", "score-chunk").put("job_id", id);
    scoreChunk.set("chunks", chunks);
    String scored = task(scoreChunk);
    String written = task(JSON.createObjectNode().put("action", "write-results").put("job_id", id));
    String finalized = task(JSON.createObjectNode().put("action", "finalize").put("job_id", id));
    long done = System.nanoTime();
    String firstResult = s3.getObjectAsBytes(b -> b.bucket("batch").key("outputs/" + id + "/results/part-00000.jsonl"))
        .asUtf8String().lines().findFirst().orElse("");
    if (!JSON.readTree(finalized).path("state").asText().equals("SUCCEEDED")) {
      throw new IllegalStateException("the batch job did not succeed: " + finalized);
    }
    System.out.printf("batch: validate %s%n       score-chunk (%d chunk) %s; first result row %s%n"
        + "       write-results %s%n       finalize %s (4 tasks in %.0f ms)%n", plan, chunks.size(), scored,
        firstResult, written, finalized, (done - started) / 1e6);

    String missing = queuedJob(jobs, "in/missing.jsonl");
    try {
      task(JSON.createObjectNode().put("action", "validate").put("job_id", missing).put("execution", missing));
      throw new IllegalStateException("validating a job without input did not fail");
    } catch (FunctionError e) {
      if (!JSON.readTree(e.body).path("errorType").asText().equals("dev.pier.batch.InvalidJobError")) {
        throw new IllegalStateException("unexpected error for a job without input: " + e.body);
      }
      JsonNode error = JSON.readTree(e.body);
      System.out.printf("batch: validate of a job without input: /error {\"errorType\":%s,\"errorMessage\":%s}%n",
          error.path("errorType"), error.path("errorMessage"));
    }
  }

  /** A QUEUED JSONL job of demo@production, as the control plane creates it. */
  private static String queuedJob(JobsTable jobs, String key) {
    String id = "bj-bench-" + UUID.randomUUID().toString().substring(0, 8);
    jobs.create(new BatchJob(id, "demo", "production", 1, JobState.QUEUED, Priority.NORMAL, new S3Uri("batch", key),
        new S3Uri("batch", "outputs/" + id + "/"), InputFormat.JSONL, null, 0, 0, 0, Instant.now(), null, null, null,
        "api", null));
    return id;
  }

  /** One task invocation: its response, or {@link FunctionError} with what the runtime client posted. */
  private String task(JsonNode payload) throws Exception {
    try {
      return submit(payload.toString()).result().get(60, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof FunctionError f) {
        throw f;
      }
      throw e;
    }
  }

  /** A function error: the body the runtime interface client posted to {@code /invocation/{id}/error}. */
  private static final class FunctionError extends RuntimeException {
    final String body;

    FunctionError(String body) {
      super(body);
      this.body = body;
    }
  }

  /** The event an SQS event source mapping sends for {@code m} (a batch of one). */
  private static String sqsEvent(Message m) {
    ObjectNode e = JSON.createObjectNode();
    ObjectNode r = e.putArray("Records").addObject();
    r.put("messageId", m.messageId());
    r.put("receiptHandle", m.receiptHandle());
    r.put("body", m.body());
    r.putObject("attributes").put("ApproximateReceiveCount", "1");
    r.putObject("messageAttributes");
    r.put("md5OfBody", m.md5OfBody());
    r.put("eventSource", "aws:sqs");
    r.put("eventSourceARN", "arn:aws:sqs:us-east-1:123456789012:async-predictions");
    r.put("awsRegion", "us-east-1");
    return e.toString();
  }

  private static void check(String lambdaResponse) throws IOException {
    JsonNode response = JSON.readTree(lambdaResponse);
    if (response.path("statusCode").asInt() != 200 || !response.path("body").asText().contains("\"outputs\"")) {
      throw new IllegalStateException("the function did not answer the prediction: " + lambdaResponse);
    }
  }

  private Invocation submit(String event) {
    Invocation inv = new Invocation(UUID.randomUUID().toString(), event, new CompletableFuture<>(), new long[1]);
    running.put(inv.id(), inv);
    pending.add(inv);
    return inv;
  }

  /** The Lambda Runtime API: next (long poll), response, error, init error. */
  private void serve(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath().substring(API.length());
    byte[] body = exchange.getRequestBody().readAllBytes();
    try {
      if (path.equals("/invocation/next") && exchange.getRequestMethod().equals("GET")) {
        firstPoll.complete(System.nanoTime());
        Invocation inv = pending.take();
        inv.handedOut()[0] = System.nanoTime();
        var headers = exchange.getResponseHeaders();
        headers.add("Lambda-Runtime-Aws-Request-Id", inv.id());
        headers.add("Lambda-Runtime-Deadline-Ms", Long.toString(System.currentTimeMillis() + 29_000));
        headers.add("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:pier-api:live");
        headers.add("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0");
        headers.add("Content-Type", "application/json");
        byte[] out = inv.event().getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(200, out.length);
        exchange.getResponseBody().write(out);
      } else if (path.startsWith("/invocation/") && path.endsWith("/response")) {
        Invocation inv = running.remove(path.substring("/invocation/".length(), path.length() - "/response".length()));
        exchange.sendResponseHeaders(202, -1);
        if (inv != null) {
          inv.result().complete(new String(body, StandardCharsets.UTF_8));
        }
      } else if (path.startsWith("/invocation/") && path.endsWith("/error")) {
        Invocation inv = running.remove(path.substring("/invocation/".length(), path.length() - "/error".length()));
        exchange.sendResponseHeaders(202, -1);
        if (inv != null) {
          inv.result().completeExceptionally(new FunctionError(new String(body, StandardCharsets.UTF_8)));
        }
      } else if (path.equals("/init/error")) {
        exchange.sendResponseHeaders(202, -1);
        initError.complete(new String(body, StandardCharsets.UTF_8));
      } else {
        exchange.sendResponseHeaders(404, -1);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      exchange.close();
    }
  }

  /** An API Gateway HTTP API (payload 2.0) event with claims the JWT authorizer verified (an admin caller). */
  private static String event(String path, String body) {
    return event(path, body, Map.of());
  }

  private static String event(String path, String body, Map<String, String> headers) {
    ObjectNode e = JSON.createObjectNode();
    e.put("version", "2.0");
    e.put("routeKey", "$default");
    e.put("rawPath", path);
    e.put("rawQueryString", "");
    ObjectNode h = e.putObject("headers").put("content-type", "application/json").put("host", "pier.example.com");
    headers.forEach(h::put);
    ObjectNode ctx = e.putObject("requestContext");
    ctx.put("requestId", UUID.randomUUID().toString());
    ctx.put("routeKey", "$default");
    ctx.put("stage", "$default");
    ObjectNode http = ctx.putObject("http");
    http.put("method", body == null ? "GET" : "POST");
    http.put("path", path);
    http.put("protocol", "HTTP/1.1");
    http.put("sourceIp", "203.0.113.7");
    ctx.putObject("authorizer").putObject("jwt").putObject("claims").put("sub", "bench-user")
        .put("iss", "https://cognito-idp.us-east-1.amazonaws.com/pool").put("cognito:groups", "admin");
    if (body != null) {
      e.put("body", body);
      e.put("isBase64Encoded", false);
    }
    return e.toString();
  }

  /** The runtime interface client and its own dependencies: what Lambda's Java runtime has on its class path. */
  private static String runtimeClassPath() {
    List<String> picked = new ArrayList<>();
    for (String name : List.of("aws-lambda-java-runtime-interface-client", "aws-lambda-java-core",
        "aws-lambda-java-serialization", "utils-lite")) {
      picked.add(locate(name));
    }
    return String.join(File.pathSeparator, picked);
  }

  private static String locate(String artifact) {
    try {
      Class<?> probe = switch (artifact) {
        case "aws-lambda-java-runtime-interface-client" ->
            Class.forName("com.amazonaws.services.lambda.runtime.api.client.AWSLambda");
        case "aws-lambda-java-core" -> Class.forName("com.amazonaws.services.lambda.runtime.Context");
        case "utils-lite" -> Class.forName("software.amazon.awssdk.utilslite.SdkInternalThreadLocal");
        default -> Class.forName("com.amazonaws.services.lambda.runtime.serialization.PojoSerializer");
      };
      return Path.of(probe.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (Exception e) {
      throw new IllegalStateException("cannot find " + artifact + " on the bench class path", e);
    }
  }

  private static void unzip(Path zip, Path into) throws IOException {
    try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
      for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
        Path target = into.resolve(entry.getName()).normalize();
        if (!target.startsWith(into)) {
          throw new IOException("zip entry outside the task root: " + entry.getName());
        }
        if (entry.isDirectory()) {
          Files.createDirectories(target);
        } else {
          Files.createDirectories(target.getParent());
          Files.copy(in, target); // copies this entry only; the stream stays open for the next
        }
      }
    }
  }
}
