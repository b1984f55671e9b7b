package dev.pier.monitoring.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.security.privacy.PiiFields;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * The columnar capture batch and its format (PCB2), against s3proxy: what a batch stores reads back as the row-wise
 * format (PCB1, still read) gave for the same rows — the reference here, itself checked by {@link CaptureBufferTest}.
 */
class CaptureBatchTest {
  private static final Instant T0 = Instant.parse("2026-12-07T21:00:00Z");
  private static final AtomicInteger BUCKETS = new AtomicInteger();

  private static S3StandIn s3;
  private String bucket;
  private CaptureStore store;

  @BeforeAll
  static void startStandIns() throws Exception {
    s3 = new S3StandIn();
  }

  @AfterAll
  static void stopStandIns() throws Exception {
    s3.close();
  }

  @BeforeEach
  void freshBucket() {
    bucket = "batches-" + BUCKETS.incrementAndGet();
    s3.clients().s3().createBucket(b -> b.bucket(bucket));
    store = new CaptureStore(s3.clients().s3(), bucket);
  }

  private record Runtime(String name, long[] shape, Object data) {}

  private static CapturedCall<Runtime> call(String id, long millis, PiiFields pii, List<Runtime> in,
      List<Runtime> out) {
    return new CapturedCall<>("churn", 3, id, millis, "oip-rest", 1.25, pii, null, in, out,
        t -> new TensorColumns.Tensor(t.name(), t.shape(), t.data()), 1);
  }

  /** Stores the rows as a PCB1 object (the row-wise format) and reads them back: what PCB2 must give too. */
  private List<CaptureStore.CapturedRow> asPcb1(List<CapturedPrediction> rows, Instant to) {
    String pcb1Bucket = bucket + "-pcb1";
    s3.clients().s3().createBucket(b -> b.bucket(pcb1Bucket));
    CaptureStore reference = new CaptureStore(s3.clients().s3(), pcb1Bucket);
    s3.clients().s3().putObject(b -> b.bucket(pcb1Bucket).key(CaptureStore.hourPrefix("churn", 3, T0)
        + T0.toEpochMilli() + "-pcb1-1.cap"), RequestBody.fromBytes(CaptureCodec.encodeRows(rows)));
    return reference.read("churn", 3, T0, to);
  }

  @Test
  void aBatchOfTensorsIsStoredColumnWiseAndReadsBackAsTheRowWiseFormatDid() {
    List<CapturedCall<Runtime>> calls = List.of(
        call("a", T0.toEpochMilli(), PiiFields.NONE,
            List.of(new Runtime("x", new long[] {2, 2}, new float[] {1.1f, 2.2f, 3.3f, Float.NaN}),
                new Runtime("n", new long[] {2}, new long[] {Long.MIN_VALUE, 9_007_199_254_740_993L}),
                new Runtime("k", new long[] {2}, new int[] {-7, 300}),
                new Runtime("plan", new long[] {2}, new String[] {"basic", "pro"}),
                new Runtime("ok", new long[] {2}, new boolean[] {true, false})),
            List.of(new Runtime("p", new long[] {2, 2}, new double[] {0.25, 0.75, 1e-300, -0.0}))),
        call("b", T0.toEpochMilli() + 5, PiiFields.NONE, // a later request without two of the columns
            List.of(new Runtime("x", new long[] {1, 2}, new float[] {4.4f, 5.5f})),
            List.of(new Runtime("p", new long[] {1, 2}, new double[] {0.5, 0.5}))),
        call("c", T0.toEpochMilli() + 9, PiiFields.NONE, // x changes type: the column turns to boxed values
            List.of(new Runtime("x", new long[] {1, 2}, new double[] {6.5, 7.5}),
                new Runtime("plan", new long[] {1}, new String[] {"free"})),
            List.of(new Runtime("p", new long[] {1, 2}, new double[] {0.1, 0.9}))));
    CaptureBatch batch = new CaptureBatch();
    List<CapturedPrediction> rows = new ArrayList<>();
    for (CapturedCall<Runtime> c : calls) {
      c.addTo(batch);
      c.addRowsTo(rows);
    }
    assertThat(batch.rows()).isEqualTo(4);
    store.write(batch);

    List<CaptureStore.CapturedRow> back = store.read("churn", 3, T0, T0.plusSeconds(1));
    assertThat(back).isEqualTo(asPcb1(rows, T0.plusSeconds(1)));
    assertThat(back).extracting(CaptureStore.CapturedRow::requestId).containsExactly("a", "a", "b", "c");
    assertThat(back.get(1).inputs()).containsEntry("x[0]", 3.3).containsEntry("n", 9_007_199_254_740_993L)
        .containsEntry("k", 300).containsEntry("plan", "pro").containsEntry("ok", false);
    assertThat((Double) back.get(1).inputs().get("x[1]")).isNaN();
    assertThat(back.get(2).inputs()).as("columns the request did not have are missing, not null")
        .containsOnlyKeys("x[0]", "x[1]");
    assertThat(back.get(3).inputs()).containsEntry("x[0]", 6.5).containsEntry("plan", "free");
    assertThat(back.get(0).latencyMs()).isEqualTo(1.25);
  }

  @Test
  void rowsGivenAsMapsRoundTripEveryKindOfValueNullsAndMissingColumns() {
    Map<String, Object> kinds = new LinkedHashMap<>();
    kinds.put("d", 0.1);
    kinds.put("f", 0.25f);
    kinds.put("l", 9_007_199_254_740_993L);
    kinds.put("i", -7);
    kinds.put("s", (short) 3);
    kinds.put("y", (byte) -2);
    kinds.put("b", true);
    kinds.put("n", null);
    kinds.put("list", List.of(1, 2.5));
    kinds.put("t", "plain");
    Map<String, Object> nulls = new LinkedHashMap<>();
    nulls.put("d", null);
    nulls.put("i", "text now");
    List<CapturedPrediction> rows = List.of(
        new CapturedPrediction("churn", 3, "r1", 0, T0, "grpc", kinds, Map.of("y", 1.0), null, 3.5),
        new CapturedPrediction("churn", 3, "r2", 0, T0.plusMillis(7), "predict", nulls, Map.of(), null),
        new CapturedPrediction("churn", 3, null, 0, T0.plusMillis(3), null, Map.of(), Map.of("y", 2L), null));
    store.write(rows);

    List<CaptureStore.CapturedRow> back = store.read("churn", 3, T0, T0.plusSeconds(1));
    assertThat(back).isEqualTo(asPcb1(rows, T0.plusSeconds(1)));
    assertThat(back.get(0).inputs()).containsEntry("d", 0.1).containsEntry("f", 0.25)
        .containsEntry("l", 9_007_199_254_740_993L).containsEntry("i", -7).containsEntry("s", 3).containsEntry("y", -2)
        .containsEntry("b", true).containsEntry("list", List.of(1, 2.5)).containsEntry("t", "plain")
        .containsEntry("n", null).hasSize(10);
    assertThat(back.get(1).inputs()).containsOnlyKeys("d", "i").containsEntry("d", null)
        .containsEntry("i", "text now");
    assertThat(back.get(1).latencyMs()).isNull();
    assertThat(back.get(2).inputs()).isEmpty();
    assertThat(back.get(2).requestId()).isNull();
    assertThat(back.get(2).wayIn()).isNull();
    assertThat(back).extracting(CaptureStore.CapturedRow::time)
        .containsExactly(T0, T0.plusMillis(7), T0.plusMillis(3));
  }

  @Test
  void columnsMarkedAsPersonalDataAreMaskedWholeAndOtherTextIsScreened() {
    PiiFields pii = PiiFields.of(Set.of("email", "ssn"));
    CaptureBatch batch = new CaptureBatch();
    call("p", T0.toEpochMilli(), pii,
        List.of(new Runtime("email", new long[] {2}, new String[] {"ann@example.com", null}),
            new Runtime("ssn", new long[] {2, 1}, new long[] {123456789, 987654321}),
            new Runtime("note", new long[] {2}, new String[] {"call ann@example.com", "fine"}),
            new Runtime("x", new long[] {2}, new float[] {1.5f, 2.5f})),
        List.of(new Runtime("label", new long[] {2}, new String[] {"stay", "leave"}))).addTo(batch);
    store.write(batch);

    List<CaptureStore.CapturedRow> back = store.read("churn", 3, T0, T0.plusSeconds(1));
    assertThat(back.get(0).inputs()).containsEntry("email", PiiFields.TAG).containsEntry("ssn[0]", PiiFields.TAG)
        .containsEntry("note", "call [EMAIL]").containsEntry("x", 1.5);
    assertThat(back.get(1).inputs()).containsEntry("email", null).containsEntry("ssn[0]", PiiFields.TAG);
    assertThat(back.get(1).outputs()).containsEntry("label", "leave");
  }

  @Test
  void rowsOfOtherVersionsAndHoursGoToTheirOwnObjects() {
    CaptureBatch batch = new CaptureBatch();
    batch.add(new CapturedPrediction("churn", 3, "a", 0, T0.minusMillis(1), "grpc", Map.of("x", 1.0), Map.of(), null));
    batch.add(new CapturedPrediction("churn", 3, "b", 0, T0, "grpc", Map.of("x", 2.0), Map.of(), null));
    batch.add(new CapturedPrediction("churn", 4, "c", 0, T0, "grpc", Map.of("x", 3.0), Map.of(), null));
    batch.add(new CapturedPrediction("churn", 3, "d", 0, T0.plusSeconds(1), "grpc", Map.of("x", 4.0), Map.of(), null));
    List<String> keys = store.write(batch);
    assertThat(keys).hasSize(3);
    assertThat(store.read("churn", 3, T0.minusSeconds(3600), T0.plusSeconds(3600)))
        .extracting(CaptureStore.CapturedRow::requestId).containsExactly("a", "b", "d");
    assertThat(store.read("churn", 4, T0, T0.plusSeconds(1))).extracting(r -> r.inputs().get("x"))
        .containsExactly(3.0);
  }

  @Test
  void aRequestWhoseLayoutFailsLeavesTheBatchAsItWas() {
    CaptureBatch batch = new CaptureBatch();
    call("ok", T0.toEpochMilli(), PiiFields.NONE, List.of(new Runtime("x", new long[] {1}, new float[] {1f})),
        List.of(new Runtime("y", new long[] {1}, new float[] {2f}))).addTo(batch);
    CapturedCall<Runtime> broken = new CapturedCall<>("churn", 3, "broken", T0.toEpochMilli(), "oip-rest", 1.0,
        PiiFields.NONE, null, List.of(new Runtime("x", new long[] {1}, new float[] {3f})),
        List.of(new Runtime("y", new long[] {1}, new float[] {4f})),
        t -> {
          if (t.name().equals("y")) {
            throw new IllegalStateException("no view of y");
          }
          return new TensorColumns.Tensor(t.name(), t.shape(), t.data());
        }, 1);
    assertThatThrownBy(() -> broken.addTo(batch)).isInstanceOf(IllegalStateException.class);
    assertThat(batch.rows()).isEqualTo(1);
    assertThat(batch.toRows()).extracting(CapturedPrediction::requestId).containsExactly("ok");
    assertThat(new LinkedHashMap<String, Object>(batch.toRows().getFirst().inputs())).containsExactly(
        Map.entry("x", (Object) 1f));
  }

  @Test
  void theFormatIsColumnWiseWithItsOwnMagicNumber() {
    CaptureBatch batch = new CaptureBatch();
    for (int i = 0; i < 3; i++) {
      call("r" + i, T0.toEpochMilli(), PiiFields.NONE,
          List.of(new Runtime("x", new long[] {1, 2}, new float[] {i, -i})),
          List.of(new Runtime("p", new long[] {1}, new float[] {i / 10f}))).addTo(batch);
    }
    byte[] bytes = CaptureCodec.encode(batch.hours().getFirst());
    java.nio.ByteBuffer head = java.nio.ByteBuffer.wrap(bytes);
    assertThat(head.getInt()).isEqualTo(CaptureCodec.MAGIC_COLUMNS);
    assertThat(head.getInt()).isEqualTo(3);
    String text = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
    assertThat(text).containsOnlyOnce("x[0]").containsOnlyOnce("x[1]").containsOnlyOnce("oip-rest");
    int x1 = text.indexOf("x[1]") + 4 + 2; // name, then kind and "no gaps"
    float[] values = new float[3];
    java.nio.ByteBuffer.wrap(bytes, x1, 12).asFloatBuffer().get(values);
    assertThat(values).as("a column's values one after another").containsExactly(0f, -1f, -2f);
    assertThat(Arrays.copyOfRange(bytes, x1 - 2, x1)).containsExactly(2, 0);
  }
}
