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
  void capturedRowsAreWrittenCompressedUnderTheirModelVersionAndHourAndReadBack() throws IOException {
    try (CaptureBuffer buffer = new CaptureBuffer(1_000, 100, Duration.ofSeconds(10), store::write)) {
      for (int i = 0; i < 5; i++) {
        assertThat(buffer.offer(row("r" + i, 0, T0.plusSeconds(i), i, "basic"))).isTrue();
      }
    } // close writes what is queued

    List<String> keys = clients.s3().listObjectsV2Paginator(b -> b.bucket(bucket).prefix("captures/")).contents()
        .stream().map(S3Object::key).sorted().toList();
    assertThat(keys).hasSize(2);
    assertThat(keys.get(0)).startsWith("captures/churn/3/2026/12/06/21/").endsWith(".jsonl.gz");
    assertThat(keys.get(1)).startsWith("captures/churn/3/2026/12/06/22/");
    byte[] gz = clients.s3().getObjectAsBytes(b -> b.bucket(bucket).key(keys.get(0))).asByteArray();
    String text = new String(new GZIPInputStream(new ByteArrayInputStream(gz)).readAllBytes(), StandardCharsets.UTF_8);
    assertThat(text.lines()).hasSize(2);
    assertThat(text).contains("\"request_id\":\"r0\"", "\"way_in\":\"oip-rest\"", "\"x[0]\":0.0");

    List<CaptureStore.CapturedRow> back = store.read("churn", 3, T0, T0.plusSeconds(3600));
    assertThat(back).extracting(CaptureStore.CapturedRow::requestId).containsExactly("r0", "r1", "r2", "r3", "r4");
    assertThat(back.get(4).inputs()).containsEntry("x[0]", 4.0).containsEntry("plan", "basic");
    assertThat(back.get(4).outputs()).containsEntry("probability[1]", 0.4);
    assertThat(back.get(4).time()).isEqualTo(T0.plusSeconds(4));
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

  @Test
  void columnsOfATwoDimensionalInputAreNamedByIndex() {
    assertThat(CapturedPrediction.column("input", 2)).isEqualTo("input[2]");
    assertThat(CapturedPrediction.column("input", -1)).isEqualTo("input");
  }
}
