package dev.pier.async;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.kernel.PierException;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.local.LocalAws;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Async predictions against the real local stand-ins (DynamoDB stand-in, s3proxy, ElasticMQ) through the real SDK
 * clients. Crashes are simulated where a process would die: an {@link Error} thrown out of the worker after scoring
 * and before completion leaves exactly the state a killed worker leaves (record RUNNING under a lease, message in
 * flight).
 */
class AsyncWorkerTest {
  private static final Duration LEASE = Duration.ofSeconds(1);
  @TempDir static Path dataDir;
  static LocalAws aws;
  static AwsClients clients;
  static SqsClient sqs;

  final AtomicInteger scored = new AtomicInteger();
  final Counting listener = new Counting();
  final List<String> callbacks = new CopyOnWriteArrayList<>();
  AsyncTable table;
  AsyncObjects objects;
  AsyncQueue queue;
  String queueUrl;

  @BeforeAll
  static void startStandIns() throws Exception {
    aws = LocalAws.start(dataDir);
    clients = new AwsClients(new AwsClients.AwsSettings(LocalAws.REGION, aws.dynamoDbEndpoint(), aws.s3Endpoint(),
        aws.accessKeyId(), aws.secretAccessKey()));
    sqs = clients.client(SqsClient.builder(), aws.sqsEndpoint());
  }

  @AfterAll
  static void stop() {
    sqs.close();
    clients.close();
    aws.close();
  }

  @BeforeEach
  void freshTableAndQueue() {
    String name = "async-" + UUID.randomUUID().toString().substring(0, 8);
    AsyncTable.createIfMissing(clients.dynamoDb(), name);
    table = new AsyncTable(clients.dynamoDb(), name);
    objects = new AsyncObjects(clients.s3(), name);
    objects.createBucketIfMissing();
    queueUrl = AsyncQueue.createIfMissing(sqs, name, LEASE);
    queue = new AsyncQueue(sqs, queueUrl);
  }

  /** Answers with the request's first input doubled, as an OIP response; counts every scoring. */
  byte[] score(String model, int version, byte[] request) {
    scored.incrementAndGet();
    String body = new String(request, StandardCharsets.UTF_8);
    return ("{\"model_name\":\"" + model + "\",\"model_version\":\"" + version + "\",\"outputs\":[{\"name\":\"echo\","
        + "\"datatype\":\"BYTES\",\"shape\":[1],\"data\":[" + body.length() + "]}],\"note\":\""
        + (body.contains("contact") ? "reach me at jane.doe@example.com" : "none") + "\"}")
        .getBytes(StandardCharsets.UTF_8);
  }

  AsyncWorker worker(AsyncScorer scorer, AsyncSettings settings) {
    return new AsyncWorker(table, objects, scorer, settings, listener,
        (url, type, body, id) -> callbacks.add(type + " " + id + " " + body), Clock.systemUTC());
  }

  AsyncPredictions predictions(AsyncSettings settings) {
    return new AsyncPredictions(table, objects, queue, settings, listener, Clock.systemUTC());
  }

  static AsyncSettings settings(int inlineBytes) {
    return new AsyncSettings(LEASE, 3, Duration.ofDays(7), inlineBytes);
  }

  static AsyncSubmission submission(String body, String key, String subject) {
    return new AsyncSubmission("iris", 2, body.getBytes(StandardCharsets.UTF_8), "hash-of-" + body, key, subject,
        "http://127.0.0.1:1/callback");
  }

  @Test
  void workerCrashAfterScoringIsRedeliveredAndTheResultIsWrittenExactlyOnce() throws Exception {
    AsyncPredictions service = predictions(settings(64 * 1024));
    String id = service.submit(submission("{\"inputs\":[]}", null, null)).prediction().id();

    AtomicInteger calls = new AtomicInteger();
    AsyncWorker crashing = worker((m, v, r) -> {
      byte[] answer = score(m, v, r);
      if (calls.incrementAndGet() == 1) {
        throw new Error("simulated crash: the worker dies after scoring, before completing or deleting the message");
      }
      return answer;
    }, settings(64 * 1024));
    List<Message> first = queue.receive(1, Duration.ofSeconds(2));
    assertThat(first).hasSize(1);
    assertThatThrownBy(() -> crashing.handle(first.get(0).body())).isInstanceOf(Error.class);
    assertThat(table.get(id).orElseThrow().state()).isEqualTo(AsyncState.RUNNING);

    try (AsyncPoller poller = new AsyncPoller(queue, crashing, 2).start()) {
      awaitState(id, AsyncState.SUCCEEDED);
      Thread.sleep(2 * LEASE.toMillis()); // room for any further (wrong) delivery to show up
    }
    AsyncPrediction done = table.get(id).orElseThrow();
    assertThat(done.attempts()).isEqualTo(2);
    assertThat(scored.get()).isEqualTo(2);
    assertThat(listener.completed.get()).as("successful conditional completions").isEqualTo(1);
    assertThat(callbacks).hasSize(1).allMatch(c -> c.startsWith("prediction.completed " + id));
    assertThat(service.view(id).orElseThrow()).contains("\"state\":\"SUCCEEDED\"", "\"model_version\":\"2\"",
        "\"name\":\"echo\"");
    assertThat(queue.receive(10, Duration.ofSeconds(1))).as("the message was deleted").isEmpty();
  }

  @Test
  void twoWorkersGivenTheSameMessageWriteOneResult() throws Exception {
    AsyncPredictions service = predictions(settings(64 * 1024));
    String id = service.submit(submission("{\"inputs\":[1]}", null, null)).prediction().id();
    CountDownLatch bothIn = new CountDownLatch(1);
    AsyncWorker slow = worker((m, v, r) -> {
      await(bothIn);
      return score(m, v, r);
    }, settings(64 * 1024));
    var a = Thread.ofVirtual().start(() -> slow.handle(id));
    var b = Thread.ofVirtual().start(() -> slow.handle(id));
    Thread.sleep(300);
    bothIn.countDown();
    a.join();
    b.join();
    assertThat(scored.get()).as("only the claim holder scores").isEqualTo(1);
    assertThat(listener.completed.get()).isEqualTo(1);
    assertThat(table.get(id).orElseThrow().state()).isEqualTo(AsyncState.SUCCEEDED);
  }

  @Test
  void aWorkerThatStalledPastItsLeaseLosesTheWriteToTheOneThatTookOver() throws Exception {
    AsyncPredictions service = predictions(settings(64 * 1024));
    String id = service.submit(submission("{\"inputs\":[2]}", null, null)).prediction().id();
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger calls = new AtomicInteger();
    AsyncWorker worker = worker((m, v, r) -> {
      if (calls.incrementAndGet() == 1) {
        await(release); // the first worker stalls past its lease
      }
      return score(m, v, r);
    }, settings(64 * 1024));
    List<AsyncWorker.Outcome> outcomes = new CopyOnWriteArrayList<>();
    var stalled = Thread.ofVirtual().start(() -> outcomes.add(worker.handle(id)));
    Thread.sleep(LEASE.toMillis() + 300);
    assertThat(worker.handle(id)).isEqualTo(AsyncWorker.Outcome.ACK); // takes over after the lease ran out
    release.countDown();
    stalled.join();
    assertThat(outcomes).containsExactly(AsyncWorker.Outcome.ACK);
    assertThat(scored.get()).isEqualTo(2);
    assertThat(listener.completed.get()).as("one completion written").isEqualTo(1);
    assertThat(callbacks).hasSize(1);
  }

  @Test
  void idempotencyKeyGivesTheSameIdForTheSameRequestAnd422ForADifferentOne() {
    AsyncPredictions service = predictions(settings(64 * 1024));
    var first = service.submit(submission("{\"inputs\":[3]}", "caller-1/key-a", null));
    var again = service.submit(submission("{\"inputs\":[3]}", "caller-1/key-a", null));
    assertThat(first.created()).isTrue();
    assertThat(again.created()).isFalse();
    assertThat(again.prediction().id()).isEqualTo(first.prediction().id());
    assertThat(listener.queued.get()).isEqualTo(1);
    assertThatThrownBy(() -> service.submit(submission("{\"inputs\":[4]}", "caller-1/key-a", null)))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(422))
        .hasMessageContaining("Idempotency-Key");
  }

  @Test
  void largeRequestAndResultLiveInS3AndErasureRemovesRecordsAndObjects() throws Exception {
    AsyncSettings small = settings(16);
    AsyncPredictions service = predictions(small);
    String body = "{\"inputs\":[\"a fairly long request body\"]}";
    String mine = service.submit(submission(body, "k1", "subject-hash-1")).prediction().id();
    String other = service.submit(submission(body, null, "subject-hash-2")).prediction().id();
    AsyncWorker worker = worker(this::score, small);
    assertThat(clients.s3().getObjectAsBytes(b -> b.bucket(bucketOf()).key(AsyncObjects.REQUESTS + mine + ".json"))
        .asUtf8String()).isEqualTo(body);
    assertThat(worker.handle(mine)).isEqualTo(AsyncWorker.Outcome.ACK);
    assertThat(worker.handle(other)).isEqualTo(AsyncWorker.Outcome.ACK);
    AsyncPrediction done = table.get(mine).orElseThrow();
    assertThat(done.result()).isNull();
    assertThat(done.resultKey()).isEqualTo(AsyncObjects.RESULTS + mine + ".json");
    assertThat(service.view(mine).orElseThrow()).contains("\"name\":\"echo\"");
    assertThatThrownBy(() -> clients.s3().headObject(b -> b.bucket(bucketOf()).key(AsyncObjects.REQUESTS + mine
        + ".json"))).as("the request is dropped once done").isInstanceOf(
            software.amazon.awssdk.services.s3.model.S3Exception.class);

    assertThat(service.eraseSubject("subject-hash-1")).isEqualTo(1);
    assertThat(table.get(mine)).isEmpty();
    assertThatThrownBy(() -> clients.s3().getObjectAsBytes(b -> b.bucket(bucketOf()).key(done.resultKey())))
        .isInstanceOf(NoSuchKeyException.class);
    assertThat(table.get(other)).isPresent();
    assertThat(service.eraseSubject("subject-hash-1")).isZero();
    // the erased prediction's idempotency key is gone too: the same key starts a new prediction
    assertThat(service.submit(submission(body, "k1", "subject-hash-1")).prediction().id()).isNotEqualTo(mine);
  }

  @Test
  void personalDataInAResultIsMaskedBeforeItIsKept() {
    AsyncPredictions service = predictions(settings(64 * 1024));
    String id = service.submit(submission("{\"contact\":1}", null, null)).prediction().id();
    worker(this::score, settings(64 * 1024)).handle(id);
    assertThat(service.view(id).orElseThrow()).contains("reach me at [EMAIL]").doesNotContain("example.com");
  }

  @Test
  void aClientErrorFailsThePredictionForGoodAndAServerErrorIsRetriedUpToTheLimit() {
    AsyncPredictions service = predictions(settings(64 * 1024));
    String bad = service.submit(submission("{\"inputs\":[5]}", null, null)).prediction().id();
    AsyncWorker rejecting = worker((m, v, r) -> {
      throw PierException.badRequest("input 'x': shape [3] does not match the model's [-1,4]");
    }, settings(64 * 1024));
    assertThat(rejecting.handle(bad)).isEqualTo(AsyncWorker.Outcome.ACK);
    assertThat(table.get(bad).orElseThrow().state()).isEqualTo(AsyncState.FAILED);
    assertThat(table.get(bad).orElseThrow().error()).startsWith("400: input 'x'");

    AsyncSettings quick = new AsyncSettings(Duration.ofMillis(1), 2, Duration.ofDays(1), 1024);
    String flaky = service.submit(submission("{\"inputs\":[6]}", null, null)).prediction().id();
    AsyncWorker failing = worker((m, v, r) -> {
      throw new IllegalStateException("engine crashed");
    }, quick);
    assertThat(failing.handle(flaky)).isEqualTo(AsyncWorker.Outcome.RETRY);
    sleep(5);
    assertThat(failing.handle(flaky)).isEqualTo(AsyncWorker.Outcome.ACK);
    assertThat(table.get(flaky).orElseThrow().error()).contains("gave up after 2 attempts", "engine crashed");
    assertThat(listener.failed.get()).isEqualTo(2);
    assertThat(callbacks).allMatch(c -> c.startsWith("prediction.failed"));
  }

  @Test
  void recoveryQueuesAgainWhatAKilledProcessLeftUnfinished() throws Exception {
    AsyncPredictions service = predictions(settings(64 * 1024));
    String id = service.submit(submission("{\"inputs\":[7]}", null, null)).prediction().id();
    sqs.purgeQueue(b -> b.queueUrl(queueUrl)); // ElasticMQ keeps messages in memory: a kill -9 loses them
    assertThat(queue.receive(10, Duration.ofSeconds(1))).isEmpty();
    assertThat(service.recover()).isEqualTo(1);
    try (AsyncPoller poller = new AsyncPoller(queue, worker(this::score, settings(64 * 1024)), 1).start()) {
      awaitState(id, AsyncState.SUCCEEDED);
    }
    assertThat(listener.completed.get()).isEqualTo(1);
  }

  @Test
  void whenTheQueueIsUnavailableNothingIsAccepted() {
    AsyncQueue gone = new AsyncQueue(sqs, queueUrl + "-missing");
    AsyncPredictions service = new AsyncPredictions(table, objects, gone, settings(16), listener, Clock.systemUTC());
    assertThatThrownBy(() -> service.submit(submission("{\"inputs\":[\"large enough for S3\"]}", "k", null)))
        .isInstanceOf(AsyncQueue.QueueUnavailable.class);
    assertThat(table.unfinished()).isEmpty();
    assertThat(clients.s3().listObjectsV2(b -> b.bucket(bucketOf())).contents()).isEmpty();
    // and the key is free again for the retry
    assertThat(predictions(settings(16)).submit(submission("{\"inputs\":[\"large enough for S3\"]}", "k", null))
        .created()).isTrue();
  }

  private String bucketOf() {
    return queueUrl.substring(queueUrl.lastIndexOf('/') + 1);
  }

  private void awaitState(String id, AsyncState state) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (table.get(id).orElseThrow().state() != state) {
      assertThat(System.nanoTime()).as("waiting for " + state).isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  static final class Counting implements AsyncListener {
    final AtomicInteger queued = new AtomicInteger();
    final AtomicInteger completed = new AtomicInteger();
    final AtomicInteger failed = new AtomicInteger();

    @Override
    public void queued(String model) {
      queued.incrementAndGet();
    }

    @Override
    public void completed(String model, Duration age) {
      completed.incrementAndGet();
    }

    @Override
    public void failed(String model, Duration age) {
      failed.incrementAndGet();
    }
  }
}
