package dev.pier.monitoring.profile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pier.monitoring.capture.CaptureBatch;
import dev.pier.monitoring.capture.CapturedCall;
import dev.pier.monitoring.capture.CapturedPrediction;
import dev.pier.monitoring.capture.TensorColumns;
import dev.pier.security.privacy.PiiFields;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A capture profile keeps no value that the capture object itself would not store: a column the version marks as
 * personal data profiles as {@link PiiFields#TAG} (sketches retain some of the values they see), and text in other
 * columns passes the masker — by the columnar writer's path and by the row path alike.
 */
class CaptureProfilePiiTest {
  private static final long T0 = Instant.parse("2026-12-07T21:00:00Z").toEpochMilli();
  private static final PiiFields MARKED = PiiFields.of(List.of("email", "income"));

  private record Runtime(String name, long[] shape, Object data) {}

  private static CapturedCall<Runtime> call(int i) {
    String[] email = {"user" + i + "@example.com"};
    double[] income = {40_000 + i};
    String[] note = {"call me at jane.doe" + i + "@example.org"};
    long[] tier = {i % 3};
    return new CapturedCall<>("churn", 1, "r" + i, T0 + i, "oip-rest", 1.0, MARKED, null,
        List.of(new Runtime("email", new long[] {1}, email), new Runtime("income", new long[] {1}, income),
            new Runtime("note", new long[] {1}, note), new Runtime("tier", new long[] {1}, tier)),
        List.of(new Runtime("p", new long[] {1}, new double[] {0.5})),
        t -> new TensorColumns.Tensor(t.name(), t.shape(), t.data()), 1);
  }

  private static void assertNoPersonalValues(CaptureProfile profile) {
    for (String marked : List.of("email", "income")) {
      ColumnProfile column = profile.inputs().column(marked);
      assertThat(column.count()).as(marked).isEqualTo(50);
      assertThat(column.numericCount()).as(marked).isZero();
      assertThat(column.frequencies()).as(marked).containsOnlyKeys(PiiFields.TAG);
    }
    Map<Object, Long> notes = profile.inputs().column("note").frequencies();
    assertThat(notes.keySet()).noneMatch(k -> k.toString().contains("@example.org"));
    assertThat(profile.inputs().column("tier").numericCount()).isEqualTo(50);
  }

  @Test
  void theColumnarPathProfilesMarkedColumnsAsTheTagAndMasksText() {
    CaptureBatch batch = new CaptureBatch();
    for (int i = 0; i < 50; i++) {
      call(i).addTo(batch);
    }
    CaptureProfile profile = new CaptureProfile();
    for (CaptureBatch.Hour hour : batch.hours()) {
      profile.add(hour);
    }
    assertNoPersonalValues(profile);
  }

  @Test
  void theRowPathProfilesMarkedColumnsAsTheTagAndMasksText() {
    List<CapturedPrediction> rows = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      call(i).addRowsTo(rows);
    }
    CaptureProfile profile = new CaptureProfile();
    rows.forEach(profile::add);
    assertNoPersonalValues(profile);
  }
}
