package dev.pier.monitoring.capture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pier.kernel.aws.AwsClients;
import dev.pier.security.privacy.PiiFields;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.S3Object;

/** Capture against s3proxy with the real SDK client; one s3proxy per class, a bucket per test. */
class CaptureBufferTest {
  private static final Instant T0 = Instant.parse("2026-12-06T21:59:58Z");
  private static final AtomicInteger BUCKETS = new AtomicInteger();

  private static S3StandIn s3;
  private static AwsClients clients;
  private String bucket;
  private CaptureStore store;

  @BeforeAll
  static void startStandIns() throws Exception {
    s3 = new S3StandIn();
    clients = s3.clients();
  }

  @AfterAll
  static void stopStandIns() throws Exception {
    s3.close();
  }

  @BeforeEach
  void freshBucket() {
    bucket = "captures-" + BUCKETS.incrementAndGet();
    clients.s3().createBucket(b -> b.bucket(bucket));
    store = new CaptureStore(clients.s3(), bucket);
  }

  private static CapturedPrediction row(String requestId, int row, Instant time, double x, String label) {
    return new CapturedPrediction("churn", 3, requestId, row, time, "oip-rest",
        Map.of("x[0]", x, "plan", label), Map.of("probability[1]", x / 10), PiiFields.NONE);
  }

  @Test
  void capturedRowsAreWrittenAsBinaryBatchesUnderTheirModelVersionAndHourAndReadBack() throws IOException {
    try (CaptureBuffer buffer = new CaptureBuffer(1_000, 100, Duration.ofSeconds(10), store::write)) {
      for (int i = 0; i < 5; i++) {
        assertThat(buffer.offer(row("r" + i, 0, T0.plusSeconds(i), i, "basic"))).isTrue();
      }
    } // close writes what is queued

    List<String> keys = clients.s3().listObjectsV2Paginator(b -> b.bucket(bucket).prefix("captures/")).contents()
        .stream().map(S3Object::key).sorted().toList();
    assertThat(keys).hasSize(2);
    assertThat(keys.get(0)).startsWith("captures/churn/3/2026/12/06/21/").endsWith(".cap");
    assertThat(keys.get(1)).startsWith("captures/churn/3/2026/12/06/22/");
    byte[] object = clients.s3().getObjectAsBytes(b -> b.bucket(bucket).key(keys.get(0))).asByteArray();
    java.nio.ByteBuffer head = java.nio.ByteBuffer.wrap(object);
    assertThat(head.getInt()).as("magic").isEqualTo(CaptureCodec.MAGIC_COLUMNS);
    assertThat(head.getInt()).as("rows").isEqualTo(2);
    assertThat(new String(object, StandardCharsets.ISO_8859_1)).as("column names once per object")
        .containsOnlyOnce("x[0]").containsOnlyOnce("probability[1]").containsOnlyOnce("oip-rest");

    List<CaptureStore.CapturedRow> back = store.read("churn", 3, T0, T0.plusSeconds(3600));
    assertThat(back).extracting(CaptureStore.CapturedRow::requestId).containsExactly("r0", "r1", "r2", "r3", "r4");
    assertThat(back.get(4).inputs()).containsEntry("x[0]", 4.0).containsEntry("plan", "basic");
    assertThat(back.get(4).outputs()).containsEntry("probability[1]", 0.4);
    assertThat(back.get(4).time()).isEqualTo(T0.plusSeconds(4));
  }

  @Test
  void objectsWrittenAsGzipJsonLinesBeforeTheBinaryFormatAreStillRead() throws IOException {
    List<CapturedPrediction> rows = List.of(row("old", 0, T0, 1.5, "pro"), row("old", 1, T0, 2.5, "basic"));
    byte[] gz = CaptureStore.encodeJsonLines(rows);
    String text = new String(new GZIPInputStream(new ByteArrayInputStream(gz)).readAllBytes(), StandardCharsets.UTF_8);
    assertThat(text.lines()).hasSize(2);
    clients.s3().putObject(b -> b.bucket(bucket).key(CaptureStore.hourPrefix("churn", 3, T0) + T0.toEpochMilli()
        + "-0ld0ld00-1.jsonl.gz"), software.amazon.awssdk.core.sync.RequestBody.fromBytes(gz));
    store.write(List.of(row("new", 0, T0.plusMillis(1), 3.5, "basic")));
    List<CaptureStore.CapturedRow> back = store.read("churn", 3, T0, T0.plusSeconds(1));
    assertThat(back).extracting(CaptureStore.CapturedRow::requestId).containsExactlyInAnyOrder("old", "old", "new");
    assertThat(back).filteredOn(r -> r.requestId().equals("old")).extracting(r -> r.inputs().get("x[0]"))
        .containsExactly(1.5, 2.5);
  }

  @Test
  void requestIdsRoundTripWhetherUuidsOrNot() {
    List<String> ids = java.util.Arrays.asList("0f8fad5b-d9cb-469f-a165-70867728950e", "ffffffff-ffff-ffff-ffff-ffffffffffff",
        "00000000-0000-0000-0000-000000000000", "0F8FAD5B-D9CB-469F-A165-70867728950E", "my-own-id", "", null, null,
        "0f8fad5b-d9cb-469f-a165-70867728950", "0f8fad5b-d9cb-469f-a165-70867728950e");
    List<CapturedPrediction> rows = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      rows.add(new CapturedPrediction("ids", 1, ids.get(i), 0, T0.plusMillis(i), "grpc", Map.of("x", i), Map.of(),
          null));
    }
    store.write(rows);
    assertThat(store.read("ids", 1, T0, T0.plusSeconds(1))).extracting(CaptureStore.CapturedRow::requestId)
        .containsExactlyElementsOf(ids);
    assertThat(CaptureCodec.isUuid(java.util.UUID.randomUUID().toString())).isTrue();
  }

  @Test
  void theCaughtUpHookRunsAfterAFlushAndAfterABatchThatWasNotFull() throws Exception {
    AtomicInteger caughtUp = new AtomicInteger();
    List<Integer> batchSizes = java.util.Collections.synchronizedList(new ArrayList<>());
    try (CaptureBuffer buffer = new CaptureBuffer(100, 1_000, Duration.ofMillis(20), b -> batchSizes.add(b.size()),
        () -> { }, caughtUp::incrementAndGet)) {
      buffer.offer(row("partial", 0, T0, 1, "a"));
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (caughtUp.get() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(batchSizes).containsExactly(1);
      assertThat(caughtUp.get()).as("after the partial batch").isEqualTo(1);
      buffer.flush();
      assertThat(caughtUp.get()).as("after a flush, even of nothing").isEqualTo(2);
    }
  }

  @Test
  void readingAWindowReturnsOnlyTheRowsInsideIt() {
    store.write(List.of(row("early", 0, T0, 1, "a"), row("inside", 0, T0.plusSeconds(1), 2, "a"),
        row("late", 0, T0.plusSeconds(3), 3, "a")));
    assertThat(store.read("churn", 3, T0.plusSeconds(1), T0.plusSeconds(3)))
        .extracting(CaptureStore.CapturedRow::requestId).containsExactly("inside");
  }

  @Test
  void aFullBufferDropsAndCountsRowsInsteadOfBlocking() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger writtenRows = new AtomicInteger();
    try (CaptureBuffer buffer = new CaptureBuffer(10, 5, Duration.ofMillis(1), batch -> {
      try {
        release.await(); // S3 hangs
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      writtenRows.addAndGet(batch.size());
    })) {
      long started = System.nanoTime();
      int taken = 0;
      for (int i = 0; i < 1_000; i++) {
        if (buffer.offer(row("r" + i, 0, T0, i, "a"))) {
          taken++;
        }
      }
      long tookMillis = (System.nanoTime() - started) / 1_000_000;
      assertThat(tookMillis).as("offers never wait for the writer").isLessThan(500);
      assertThat(taken).isBetween(10, 15); // the queue, plus at most one batch the writer already took
      assertThat(buffer.dropped()).isEqualTo(1_000 - taken);
      assertThat(buffer.accepted()).isEqualTo(taken);
      release.countDown();
      buffer.close();
      assertThat(writtenRows.get()).isEqualTo(taken);
      assertThat(buffer.written()).isEqualTo(taken);
    }
  }

  @Test
  void aFailedWriteIsCountedAndLaterBatchesAreStillWritten() {
    AtomicInteger calls = new AtomicInteger();
    List<CapturedPrediction> written = new ArrayList<>();
    CaptureBuffer buffer = new CaptureBuffer(100, 2, Duration.ofSeconds(10), batch -> {
      if (calls.incrementAndGet() == 1) {
        throw new IllegalStateException("S3 says 503");
      }
      written.addAll(batch);
    });
    for (int i = 0; i < 4; i++) {
      buffer.offer(row("r" + i, 0, T0, i, "a"));
    }
    buffer.close();
    assertThat(buffer.failedRows()).isEqualTo(2);
    assertThat(buffer.written()).isEqualTo(2);
    assertThat(written).hasSize(2);
    assertThat(buffer.offer(row("after", 0, T0, 0, "a"))).as("closed").isFalse();
    assertThat(buffer.dropped()).isEqualTo(1);
  }

  @Test
  void flushWritesTheRowsTheWriterThreadIsStillBatching() throws Exception {
    List<CapturedPrediction> written = java.util.Collections.synchronizedList(new ArrayList<>());
    try (CaptureBuffer buffer = new CaptureBuffer(100, 1_000, Duration.ofHours(1), written::addAll)) {
      buffer.offer(row("a", 0, T0, 1, "a"));
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (buffer.queued() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(5); // the writer thread takes it into the batch it fills for an hour
      }
      assertThat(buffer.queued()).isZero();
      assertThat(written).isEmpty();
      buffer.offer(row("b", 0, T0, 2, "a"));
      buffer.flush();
      assertThat(written).extracting(CapturedPrediction::requestId).containsExactly("a", "b");
      assertThat(buffer.written()).isEqualTo(2);
    }
    assertThat(written).hasSize(2);
  }

  @Test
  void aQueuedRowIsWrittenWithinTheFlushIntervalWithoutClosing() throws Exception {
    try (CaptureBuffer buffer = new CaptureBuffer(100, 1_000, Duration.ofMillis(50), store::write)) {
      buffer.offer(row("soon", 0, T0, 1, "a"));
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (buffer.written() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(buffer.written()).isEqualTo(1);
      assertThat(store.read("churn", 3, T0, T0.plusSeconds(1))).hasSize(1);
    }
  }

  @Test
  void inputsMarkedAsPersonalDataAreMaskedWholeAndOtherTextIsScreened() {
    PiiFields pii = PiiFields.of(Set.of("email", "ssn"));
    store.write(List.of(new CapturedPrediction("churn", 3, "r", 0, T0, "predict",
        Map.of("email", "ann@example.com", "ssn[0]", 123456789, "note", "call ann@example.com", "x[0]", 1.5),
        Map.of("label", "stay"), pii)));
    CaptureStore.CapturedRow back = store.read("churn", 3, T0, T0.plusSeconds(1)).getFirst();
    assertThat(back.inputs()).containsEntry("email", PiiFields.TAG).containsEntry("ssn[0]", PiiFields.TAG)
        .containsEntry("note", "call [EMAIL]").containsEntry("x[0]", 1.5);
    assertThat(back.outputs()).containsEntry("label", "stay");
  }

  @Test
  void theWriterSetupRunsOnceOnTheBackgroundWriterAndNeverOnAFlushingThread() throws Exception {
    List<String> ranOn = java.util.Collections.synchronizedList(new ArrayList<>());
    CountDownLatch started = new CountDownLatch(1);
    try (CaptureBuffer buffer = new CaptureBuffer(100, 10, Duration.ofMillis(50), store::write, () -> {
      ranOn.add(Thread.currentThread().getName());
      started.countDown();
    })) {
      assertThat(started.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      buffer.offer(row("w", 0, T0, 1.0, "basic"));
      buffer.flush(); // on this thread
      buffer.offer(row("w", 1, T0, 2.0, "basic"));
    }
    assertThat(ranOn).containsExactly("pier-capture-writer");
    assertThat(store.read("churn", 3, T0, T0.plusSeconds(3600))).hasSize(2);
  }

  @Test
  void everyKindOfValueAndEachRowsOwnTimeRoundTrip() {
    Map<String, Object> inputs = new java.util.LinkedHashMap<>();
    inputs.put("d", 0.1);
    inputs.put("f", 0.25f);
    inputs.put("l", 9_007_199_254_740_993L);
    inputs.put("i", -7);
    inputs.put("s", (short) 3);
    inputs.put("b", true);
    inputs.put("n", null);
    inputs.put("list", List.of(1, 2.5));
    inputs.put("t", "plain");
    Instant later = T0.plusMillis(1_234);
    store.write(List.of(new CapturedPrediction("kinds", 1, "a", 0, T0, "grpc", inputs, Map.of("y", 1.0), null),
        new CapturedPrediction("kinds", 1, "a", 1, T0, "grpc", inputs, Map.of("y", 2.0), null),
        new CapturedPrediction("kinds", 1, "b", 0, later, "grpc", inputs, Map.of("y", 3.0), null),
        new CapturedPrediction("kinds", 1, "c", 0, T0, "grpc", inputs, Map.of("y", 4.0), null)));
    List<CaptureStore.CapturedRow> back = store.read("kinds", 1, T0, T0.plusSeconds(2));
    assertThat(back).extracting(CaptureStore.CapturedRow::time).containsExactly(T0, T0, later, T0);
    assertThat(back).extracting(r -> r.outputs().get("y")).containsExactly(1.0, 2.0, 3.0, 4.0);
    assertThat(back.get(2).inputs()).containsEntry("d", 0.1).containsEntry("f", 0.25)
        .containsEntry("l", 9_007_199_254_740_993L).containsEntry("i", -7).containsEntry("s", 3)
        .containsEntry("b", true).containsEntry("n", null).containsEntry("list", List.of(1, 2.5))
        .containsEntry("t", "plain");
  }

  @Test
  void samplingKeepsTheConfiguredShareOfRequestsAndDecidesEachRequestTheSameWay() {
    CaptureSampling tenth = new CaptureSampling(0.1);
    int kept = 0;
    for (int i = 0; i < 20_000; i++) {
      if (tenth.captures("req-" + i)) {
        kept++;
      }
    }
    assertThat(kept).isBetween(1_800, 2_200);
    assertThat(tenth.captures("req-42")).isEqualTo(tenth.captures("req-42"));
    assertThat(CaptureSampling.OFF.captures("x")).isFalse();
    assertThat(CaptureSampling.ALL.captures("x")).isTrue();
  }

  @Test
  void aRequestsTensorsBecomeRowsOfNamedColumnsAndAreWrittenAsSuch() {
    List<CapturedPrediction> rows = CapturedPrediction.ofTensors("churn", 3, "req-t", T0.plusSeconds(1), "grpc",
        List.of(new TensorColumns.Tensor("x", new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}),
            new TensorColumns.Tensor("plan", new long[] {2}, new String[] {"basic", "pro"}),
            new TensorColumns.Tensor("f", new long[] {2, 2}, new long[] {7, 8, 9, 10}, List.of("age", "tenure"))),
        List.of(new TensorColumns.Tensor("probability", new long[] {2, 2}, new double[] {0.9, 0.1, 0.2, 0.8})),
        PiiFields.NONE);
    assertThat(rows).hasSize(2);
    Map<String, Object> second = new java.util.LinkedHashMap<>(rows.get(1).inputs());
    assertThat(second.keySet()).containsExactly("x[0]", "x[1]", "x[2]", "plan", "age", "tenure");
    assertThat(second.values()).containsExactly(4.0f, 5.0f, 6.0f, "pro", 9L, 10L);
    assertThat(rows.get(1).outputs().get("probability[1]")).isEqualTo(0.8);

    store.write(rows);
    List<CaptureStore.CapturedRow> back = store.read("churn", 3, T0, T0.plusSeconds(2));
    assertThat(back).extracting(CaptureStore.CapturedRow::row).containsExactly(0, 1);
    assertThat(back.get(0).inputs()).containsEntry("x[2]", 3.0).containsEntry("plan", "basic")
        .containsEntry("tenure", 8);
    assertThat(back.get(0).outputs()).containsEntry("probability[0]", 0.9);
  }

  /** A runtime's tensor, as the serving stage holds it; its view is a constant function, as there. */
  private record Runtime(String name, long[] shape, Object data) {}

  private static CapturedCall<Runtime> call(String id, List<Runtime> in, List<Runtime> out, int rows) {
    return new CapturedCall<>("churn", 3, id, T0.toEpochMilli(), "oip-rest", 2.5, PiiFields.NONE, null, in, out,
        t -> new TensorColumns.Tensor(t.name(), t.shape(), t.data()), rows);
  }

  @Test
  void aRequestOfferedAsOneObjectIsLaidOutAsRowsOnTheWriterAndReadBack() {
    List<Runtime> in = List.of(new Runtime("x", new long[] {2, 2}, new float[] {1, 2, 3, 4}),
        new Runtime("plan", new long[] {2}, new String[] {"basic", "pro"}));
    List<Runtime> out = List.of(new Runtime("p", new long[] {2}, new double[] {0.25, 0.75}));
    List<Map<String, Object>> named = List.of(Map.of("age", 30), Map.of("age", 40));
    try (CaptureBuffer buffer = new CaptureBuffer(100, 10, Duration.ofHours(1), store::write)) {
      assertThat(buffer.offer(call("tensors", in, out, 2))).isTrue();
      assertThat(buffer.offer(new CapturedCall<>("churn", 3, "named", T0.toEpochMilli() + 1, "predict", 1.0,
          PiiFields.NONE, named, List.<Runtime>of(), out, t -> new TensorColumns.Tensor(t.name(), t.shape(), t.data()),
          2))).isTrue();
      assertThat(buffer.accepted()).isEqualTo(4);
      buffer.flush();
      assertThat(buffer.written()).isEqualTo(4);
    }
    List<CaptureStore.CapturedRow> back = store.read("churn", 3, T0, T0.plusSeconds(1));
    assertThat(back).extracting(CaptureStore.CapturedRow::requestId).containsExactly("tensors", "tensors", "named",
        "named");
    assertThat(back).extracting(CaptureStore.CapturedRow::row).containsExactly(0, 1, 0, 1);
    assertThat(back.get(1).inputs()).containsEntry("x[0]", 3.0).containsEntry("x[1]", 4.0).containsEntry("plan", "pro");
    assertThat(back.get(1).outputs()).containsEntry("p", 0.75);
    assertThat(back.get(1).latencyMs()).isEqualTo(2.5);
    assertThat(back.get(1).time()).isEqualTo(T0);
    assertThat(back.get(3).inputs()).containsExactly(Map.entry("age", 40));
    assertThat(back.get(3).outputs()).containsEntry("p", 0.75);
    assertThat(back.get(3).wayIn()).isEqualTo("predict");
  }

  @Test
  void aRequestWithMoreRowsThanTheRingHasRoomForIsDroppedWholeAndCountedInRows() {
    List<Runtime> three = List.of(new Runtime("x", new long[] {3}, new double[] {1, 2, 3}));
    try (CaptureBuffer buffer = new CaptureBuffer(4, 100, Duration.ofHours(1), batch -> { })) {
      assertThat(buffer.offer(call("big", List.of(new Runtime("x", new long[] {5}, new double[5])),
          List.of(new Runtime("y", new long[] {5}, new double[5])), 5))).isFalse();
      assertThat(buffer.dropped()).isEqualTo(5);
      assertThat(buffer.offer(call("three", three, three, 3))).isTrue();
      assertThat(buffer.accepted()).isEqualTo(3);
    }
  }

  @Test
  void rowsThatCannotBeLaidOutAreCountedAsFailedAndTheOthersAreWritten() {
    List<CapturedPrediction> written = java.util.Collections.synchronizedList(new ArrayList<>());
    CapturedRows broken = new CapturedRows() {
      @Override
      public int rowCount() {
        return 2;
      }

      @Override
      public void addRowsTo(List<CapturedPrediction> rows) {
        rows.add(row("half", 0, T0, 1, "a"));
        throw new IllegalArgumentException("tensor 'y' has no row dimension");
      }
    };
    try (CaptureBuffer buffer = new CaptureBuffer(100, 10, Duration.ofHours(1), written::addAll)) {
      buffer.offer(row("before", 0, T0, 1, "a"));
      buffer.offer(broken);
      buffer.offer(row("after", 0, T0, 2, "a"));
      buffer.flush();
      assertThat(buffer.failedRows()).isEqualTo(2);
      assertThat(buffer.written()).isEqualTo(2);
    }
    assertThat(written).extracting(CapturedPrediction::requestId).containsExactly("before", "after");
  }

  @Test
  void manyThreadsOfferingAtOnceLoseNothingUncounted() throws Exception {
    int threads = 4;
    int each = 20_000;
    java.util.concurrent.atomic.LongAdder writtenRows = new java.util.concurrent.atomic.LongAdder();
    java.util.Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
    CaptureBuffer buffer = new CaptureBuffer(1_000, 100, Duration.ofMillis(5), batch -> {
      writtenRows.add(batch.size());
      batch.forEach(r -> assertThat(seen.add(r.requestId())).as("written once: " + r.requestId()).isTrue());
    });
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> offering = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      offering.add(Thread.ofPlatform().start(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < each; i++) {
          buffer.offer(row(thread + "-" + i, 0, T0, i, "a"));
        }
      }));
    }
    go.countDown();
    for (Thread t : offering) {
      t.join();
    }
    buffer.close();
    assertThat(buffer.accepted() + buffer.dropped()).isEqualTo((long) threads * each);
    assertThat(buffer.written()).isEqualTo(buffer.accepted());
    assertThat(writtenRows.sum()).isEqualTo(buffer.accepted());
    assertThat(seen).hasSize((int) buffer.accepted());
    assertThat(buffer.failedRows()).isZero();
    assertThat(buffer.queued()).isZero();
  }

  @Test
  void columnsOfATwoDimensionalInputAreNamedByIndex() {
    assertThat(CapturedPrediction.column("input", 2)).isEqualTo("input[2]");
    assertThat(CapturedPrediction.column("input", -1)).isEqualTo("input");
  }
}
