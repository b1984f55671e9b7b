package dev.pier.async;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.endpoints.EndpointClient;
import dev.pier.endpoints.local.LocalSageMakerRuntime;
import dev.pier.kernel.PierException;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.local.LocalAws;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.sagemakerruntime.SageMakerRuntimeClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Endpoint-placed predictions through SageMaker asynchronous inference, end to end on the local stand-ins with the
 * real SDK clients: the worker stages the request in S3 (s3proxy) and calls {@code InvokeEndpointAsync} on the
 * SageMaker-runtime stand-in, which reads it, runs the hosted model, writes the answer or failure to S3 and emits
 * SageMaker's notification; the test delivers it to the work queue (ElasticMQ) inside the envelope SNS gives an SQS
 * subscriber, and the worker's SQS path (the Lambda's {@link AsyncSqsBatch}) completes the record.
 */
class AsyncEndpointInferenceTest {
  private static final String ENDPOINT = "pier-iris-v2";
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dataDir;
  static LocalAws aws;
  static AwsClients clients;
  static SqsClient sqs;
  static LocalSageMakerRuntime sagemaker;
  static SageMakerRuntimeClient sagemakerClient;

  final AtomicInteger scoredHere = new AtomicInteger();
  final AtomicInteger completed = new AtomicInteger();
  final AtomicInteger failed = new AtomicInteger();
  final List<String> callbacks = new CopyOnWriteArrayList<>();
  AsyncTable table;
  AsyncObjects objects;
  AsyncQueue queue;
  String queueUrl;
  String outputs;

  @BeforeAll
  static void startStandIns() throws Exception {
    aws = LocalAws.start(dataDir);
    clients = new AwsClients(new AwsClients.AwsSettings(LocalAws.REGION, aws.dynamoDbEndpoint(), aws.s3Endpoint(),
        aws.accessKeyId(), aws.secretAccessKey()));
    sqs = clients.client(SqsClient.builder(), aws.sqsEndpoint());
    sagemaker = LocalSageMakerRuntime.start(0);
    sagemakerClient = clients.client(SageMakerRuntimeClient.builder(), sagemaker.endpoint());
  }

  @AfterAll
  static void stop() {
    sagemakerClient.close();
    sagemaker.close();
    sqs.close();
    clients.close();
    aws.close();
  }

  @BeforeEach
  void freshTableQueueAndBuckets() {
    String name = "smasync-" + UUID.randomUUID().toString().substring(0, 8);
    AsyncTable.createIfMissing(clients.dynamoDb(), name);
    table = new AsyncTable(clients.dynamoDb(), name);
    objects = new AsyncObjects(clients.s3(), name);
    objects.createBucketIfMissing();
    outputs = name + "-outputs";
    new AsyncObjects(clients.s3(), outputs).createBucketIfMissing();
    queueUrl = AsyncQueue.createIfMissing(sqs, name, Duration.ofSeconds(30));
    queue = new AsyncQueue(sqs, queueUrl);
    // As configured by the CDK GpuEndpoint: outputs under async-inference/<endpoint>/, notifications to SNS → SQS.
    sagemaker.serveAsync(clients.s3(), "s3://" + outputs + "/async-inference/gpu/results/",
        "s3://" + outputs + "/async-inference/gpu/failures/", this::publishToQueue);
  }

  /** What SNS delivers to an SQS subscriber without raw message delivery: the notification as {@code Message}. */
  private void publishToQueue(String notification) {
    String envelope = JSON.createObjectNode()
        .put("Type", "Notification")
        .put("MessageId", UUID.randomUUID().toString())
        .put("TopicArn", "arn:aws:sns:us-east-1:000000000000:pier-dev-gpu-success")
        .put("Message", notification)
        .put("Timestamp", Instant.now().toString())
        .put("SignatureVersion", "1")
        .put("Signature", "EXAMPLEpH+DcEwjAPg8O9mY8dReBSwksfg2S7WKQcikcNKWLQjwu6A4VbeS0QHVCkhRS7fUQvi2egU3N858fiTDN6bkkO")
        .put("SigningCertURL", "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem")
        .put("UnsubscribeURL", "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn="
            + "arn:aws:sns:us-east-1:000000000000:pier-dev-gpu-success:" + UUID.randomUUID())
        .toString();
    sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody(envelope));
  }

  /** The SageMaker endpoints of the test: version 2 of iris on {@value #ENDPOINT}, through the real client. */
  AsyncEndpoints endpoints() {
    EndpointClient client = new EndpointClient(sagemakerClient);
    return new AsyncEndpoints() {
      @Override
      public String endpointFor(String model, int version) {
        return "iris".equals(model) && version == 2 ? ENDPOINT : null;
      }

      @Override
      public Invocation invoke(String model, int version, String inputLocation, String inferenceId) {
        var i = client.invokeAsync(ENDPOINT, inputLocation, inferenceId, Duration.ofMinutes(15), Duration.ofHours(6));
        assertThat(i.inferenceId()).isEqualTo(inferenceId);
        return new Invocation(ENDPOINT, i.outputLocation(), i.failureLocation());
      }

      @Override
      public Duration maxRun() {
        return Duration.ofHours(6).plusMinutes(15);
      }

      @Override
      public byte[] response(String model, int version, byte[] request, byte[] answer) {
        assertThat(request).isNotNull();
        return answer;
      }

      @Override
      public String failureMessage(byte[] failure) {
        return EndpointClient.errorText(new String(failure, StandardCharsets.UTF_8));
      }
    };
  }

  AsyncWorker worker() {
    AsyncScorer inProcess = (model, version, request) -> {
      scoredHere.incrementAndGet();
      return "{\"outputs\":[]}".getBytes(StandardCharsets.UTF_8);
    };
    AsyncListener listener = new AsyncListener() {
      @Override
      public void completed(String model, Duration age) {
        completed.incrementAndGet();
      }

      @Override
      public void failed(String model, Duration age) {
        failed.incrementAndGet();
      }
    };
    return new AsyncWorker(table, objects, inProcess, endpoints(), settings(), listener,
        (url, type, body, id) -> callbacks.add(type + " " + id), Clock.systemUTC());
  }

  static AsyncSettings settings() {
    return new AsyncSettings(Duration.ofSeconds(30), 3, Duration.ofDays(7), 64 * 1024);
  }

  String submit(int version, String body) {
    AsyncPredictions service = new AsyncPredictions(table, objects, queue, settings(), AsyncListener.NONE,
        Clock.systemUTC());
    return service.submit(new AsyncSubmission("iris", version, body.getBytes(StandardCharsets.UTF_8),
        "hash-of-" + body, null, null, "http://127.0.0.1:1/callback")).prediction().id();
  }

  /** Runs the next message on the queue through the Lambda's SQS path; returns its body. */
  String deliverNext(AsyncWorker worker) throws Exception {
    Message m = next();
    List<String> failures = new AsyncSqsBatch(worker).handle(List.of(new AsyncSqsBatch.Message(m.messageId(),
        m.body())));
    assertThat(failures).as("batch item failures").isEmpty();
    queue.delete(m.receiptHandle());
    return m.body();
  }

  Message next() {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      List<Message> messages = queue.receive(1, Duration.ofSeconds(1));
      if (!messages.isEmpty()) {
        return messages.getFirst();
      }
    }
    throw new AssertionError("no message on the work queue within 20 s");
  }

  @Test
  void anEndpointPlacedPredictionIsQueuedOnTheAsyncEndpointAndCompletedOnceFromItsNotification() throws Exception {
    sagemaker.host(ENDPOINT, body -> ("{\"model_name\":\"iris\",\"model_version\":\"2\",\"outputs\":[{\"name\":"
        + "\"label\",\"datatype\":\"INT64\",\"shape\":[1],\"data\":[" + new String(body, StandardCharsets.UTF_8).length()
        + "]}],\"parameters\":{\"note\":\"reach me at jane.doe@example.com\"}}").getBytes(StandardCharsets.UTF_8));
    AsyncWorker worker = worker();
    String body = "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[5.1,3.5,1.4,0.2]}]}";
    String id = submit(2, body);

    assertThat(deliverNext(worker)).isEqualTo(id);
    var waiting = table.handedOff(id).orElseThrow();
    assertThat(waiting.claim().prediction().state()).isEqualTo(AsyncState.RUNNING);
    assertThat(waiting.endpoint()).isEqualTo(ENDPOINT);
    assertThat(waiting.outputLocation()).startsWith("s3://" + outputs + "/async-inference/gpu/results/").endsWith(".out");
    assertThat(waiting.failureLocation()).startsWith("s3://" + outputs + "/async-inference/gpu/failures/");
    assertThat(waiting.claim().requestKey()).isEqualTo("async-requests/" + id + ".json");
    assertThat(scoredHere).hasValue(0);

    String notification = deliverNext(worker);
    assertThat(notification).contains("\"Type\":\"Notification\"", "InferenceResult");
    AsyncPrediction done = table.get(id).orElseThrow();
    assertThat(done.state()).isEqualTo(AsyncState.SUCCEEDED);
    assertThat(JSON.readTree(done.result()).at("/outputs/0/data/0").asInt()).isEqualTo(body.length());
    assertThat(done.result()).contains("reach me at [EMAIL]").doesNotContain("example.com");
    assertThat(objects.get(waiting.claim().requestKey())).as("staged request, dropped once done").isNull();
    assertThatGone(waiting.outputLocation());

    // SNS and SQS deliver at least once: the same notification again changes nothing.
    sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody(notification));
    deliverNext(worker);
    assertThat(table.get(id).orElseThrow()).isEqualTo(done);
    assertThat(completed).hasValue(1);
    assertThat(callbacks).containsExactly("prediction.completed " + id);
    assertThat(scoredHere).hasValue(0);
  }

  @Test
  void anErrorNotificationFailsThePredictionWithTheFailureObjectsMessage() throws Exception {
    sagemaker.host(ENDPOINT, body -> {
      throw PierException.badRequest("input 'input': shape [1,3] does not match the model's [-1,4]");
    });
    AsyncWorker worker = worker();
    String id = submit(2, "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,3],\"data\":[1,2,3]}]}");
    deliverNext(worker);
    String failureLocation = table.handedOff(id).orElseThrow().failureLocation();

    String notification = deliverNext(worker);
    assertThat(EndpointNotification.parse(notification).orElseThrow().completed()).isFalse();
    AsyncPrediction p = table.get(id).orElseThrow();
    assertThat(p.state()).isEqualTo(AsyncState.FAILED);
    assertThat(p.error()).isEqualTo("endpoint " + ENDPOINT + " failed: input 'input': shape [1,3] does not match the "
        + "model's [-1,4]");
    assertThatGone(failureLocation);
    sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody(notification));
    deliverNext(worker);
    assertThat(failed).hasValue(1);
    assertThat(callbacks).containsExactly("prediction.failed " + id);
  }

  @Test
  void aVersionNotOnAnAsyncEndpointIsStillScoredByTheWorker() throws Exception {
    AsyncWorker worker = worker();
    String id = submit(1, "{\"inputs\":[]}");
    deliverNext(worker);
    assertThat(table.get(id).orElseThrow().state()).isEqualTo(AsyncState.SUCCEEDED);
    assertThat(scoredHere).hasValue(1);
  }

  @Test
  void aNotificationThatOvertakesTheHandOffComesBackLater() {
    String id = submit(2, "{\"inputs\":[]}");
    String early = "{\"awsRegion\":\"us-east-1\",\"eventTime\":\"2026-11-27T20:10:29.018Z\",\"receivedTime\":"
        + "\"2026-11-27T20:10:28.900Z\",\"invocationStatus\":\"Completed\",\"requestParameters\":{\"contentType\":"
        + "\"application/json\",\"endpointName\":\"" + ENDPOINT + "\",\"inputLocation\":\"s3://b/async-requests/" + id
        + ".json\"},\"responseParameters\":{\"contentType\":\"application/json\",\"outputLocation\":\"s3://" + outputs
        + "/async-inference/gpu/results/x.out\"},\"inferenceId\":\"" + id + "\",\"eventVersion\":\"1.0\","
        + "\"eventSource\":\"aws:sagemaker\",\"eventName\":\"InferenceResult\"}";
    assertThat(worker().handleMessage(early)).isEqualTo(AsyncWorker.Outcome.RETRY);
    assertThat(table.get(id).orElseThrow().state()).isEqualTo(AsyncState.QUEUED);
  }

  @Test
  void onlySageMakerNotificationsAreTakenForNotifications() {
    assertThat(EndpointNotification.parse("67979b01-2398-495f-b7f1-3f53050f1d8d")).isEmpty();
    assertThat(EndpointNotification.parse("{\"Type\":\"Notification\",\"Message\":\"{\\\"Records\\\":[]}\"}")).isEmpty();
    assertThat(EndpointNotification.parse("{\"inferenceId\":\"1\",\"invocationStatus\":\"Completed\"}")).isEmpty();
    var raw = EndpointNotification.parse("{\"invocationStatus\":\"Failed\",\"failureReason\":\"Request expired\","
        + "\"inferenceId\":\"1\",\"eventSource\":\"aws:sagemaker\",\"responseParameters\":{}}").orElseThrow();
    assertThat(raw).isEqualTo(new EndpointNotification("1", false, null, null, "Request expired"));
  }

  private void assertThatGone(String location) {
    String path = location.substring("s3://".length());
    String bucket = path.substring(0, path.indexOf('/'));
    String key = path.substring(path.indexOf('/') + 1);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> clients.s3().getObjectAsBytes(b -> b.bucket(bucket)
        .key(key))).isInstanceOf(NoSuchKeyException.class);
  }
}
