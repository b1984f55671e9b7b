package dev.pier.features;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The streamed online answer ({@link FeastJson#answer}) is, byte for byte, the tree {@link FeastJson#online} built. */
class FeastJsonTest {
  private static final Instant T1 = Instant.parse("2026-12-07T10:00:00.123456Z");
  private static final Instant T2 = Instant.parse("2026-12-06T00:00:00Z");

  @Test
  void streamedAnswerEqualsTheTreeForEveryDtypeAndStatus() throws Exception {
    OnlineResult result = new OnlineResult(List.of("driver_id", "tag", "i32", "i64", "f32", "f64", "flag", "name",
        "raw", "seen", "f64s", "missing"), List.of(
        column("driver_id", null, v(1001L, T0()), v("k-2", T0()), v(null, T0()), v(Map.of("a", 1), T0())),
        column("tag", Dtype.parse("STRING"), v("x", T0()), v("y", T0()), v(null, T0()), v("z", T0())),
        column("i32", Dtype.parse("INT32"), v(7, T1), v(-1, T2), v(null, null, FeatureStatus.NOT_FOUND),
            v(Integer.MIN_VALUE, T1)),
        column("i64", Dtype.parse("INT64"), v(Long.MAX_VALUE, T1), v(0L, T2), v(null, T2,
            FeatureStatus.OUTSIDE_MAX_AGE), v(-5L, T1)),
        column("f32", Dtype.parse("FLOAT32"), v(0.1f, T1), v(1e-30f, T2), v(Float.NaN, T1), v(null, T1,
            FeatureStatus.NULL_VALUE)),
        column("f64", Dtype.parse("FLOAT64"), v(0.1, T1), v(123456.789e100, T2), v(-0.0, T1),
            v(Double.POSITIVE_INFINITY, T1)),
        column("flag", Dtype.parse("BOOL"), v(true, T1), v(false, T2), v(null, null, FeatureStatus.NOT_FOUND),
            v(true, T1)),
        column("name", Dtype.parse("STRING"), v("é \"q\" \\ 𝄞\n", T1), v("", T2), v("a", T1), v("b", T2)),
        column("raw", Dtype.parse("BYTES"), v(new byte[] {0, -1, 2}, T1), v(new byte[0], T2), v(null, T1,
            FeatureStatus.NULL_VALUE), v(new byte[] {9}, T1)),
        column("seen", Dtype.parse("UNIX_TIMESTAMP"), v(T2, T1), v(Instant.EPOCH, T2), v(T1, T1), v(T2, T2)),
        column("f64s", Dtype.parse("FLOAT64_LIST"), v(List.of(1.5, 2.0), T1), v(List.of(), T2),
            v(Arrays.asList(1.0, null), T1), v(null, null, FeatureStatus.NOT_FOUND)),
        column("missing", Dtype.parse("INT64"), v(null, null, FeatureStatus.NOT_FOUND), v(null, null,
            FeatureStatus.NOT_FOUND), v(null, null, FeatureStatus.NOT_FOUND), v(null, null,
            FeatureStatus.NOT_FOUND))));
    String streamed = DefinitionsParser.JSON.writeValueAsString(FeastJson.answer(result));
    assertThat(streamed).isEqualTo(DefinitionsParser.JSON.writeValueAsString(FeastJson.online(result)));
    assertThat(streamed).contains("\"event_timestamps\":[\"2026-12-07T10:00:00.123456Z\","
        + "\"2026-12-06T00:00:00Z\",\"1970-01-01T00:00:00Z\"");
  }

  private static Instant T0() {
    return Instant.EPOCH;
  }

  private static OnlineResult.Column column(String name, Dtype dtype, FeatureValue... values) {
    return new OnlineResult.Column(name, dtype, List.of(values));
  }

  private static FeatureValue v(Object value, Instant time) {
    return v(value, time, value == null ? FeatureStatus.NULL_VALUE : FeatureStatus.PRESENT);
  }

  private static FeatureValue v(Object value, Instant time, FeatureStatus status) {
    return new FeatureValue(value, status, time);
  }
}
