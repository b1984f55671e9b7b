package dev.pier.monitoring.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.pier.monitoring.capture.CaptureBatch;
import dev.pier.monitoring.capture.CapturedCall;
import dev.pier.monitoring.capture.CapturedPrediction;
import dev.pier.monitoring.capture.TensorColumns;
import dev.pier.security.privacy.PiiFields;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A capture profile built from a columnar batch's arrays ({@link CaptureProfile#add(CaptureBatch.Hour)}, the serving
 * writer's path) against the same rows profiled one by one ({@link CaptureProfile#add(CapturedPrediction)}) and
 * against exact statistics computed here from the values themselves.
 */
class ColumnarCaptureProfileTest {
  private static final long T0 = Instant.parse("2026-12-07T21:00:00Z").toEpochMilli();
  private static final String[] PLANS = {"basic", "pro", "team", "free"};

  private record Runtime(String name, long[] shape, Object data) {}

  private static CaptureProfile columnar;
  private static CaptureProfile byRow;
  /** Every value each column was given, for the exact references (NaN: a null). */
  private static final Map<String, List<Object>> GIVEN = new HashMap<>();
  private static long rows;
  private static long requests;

  /**
   * 12,000 requests of 1 or 2 rows: a 3-column float input with NaNs, a plan (text) that one request in five lacks, a
   * small long column, a double output; latencies per request.
   */
  @BeforeAll
  static void profileBothWays() {
    Random random = new Random(15);
    CaptureBatch batch = new CaptureBatch();
    List<CapturedPrediction> asRows = new ArrayList<>();
    for (int i = 0; i < 12_000; i++) {
      int n = i % 7 == 0 ? 2 : 1;
      float[] x = new float[n * 3];
      for (int k = 0; k < x.length; k++) {
        x[k] = random.nextInt(50) == 0 ? Float.NaN : (float) (random.nextGaussian() * (1 + k % 3) + k % 3);
      }
      long[] tier = new long[n];
      double[] p = new double[n];
      String[] plan = new String[n];
      for (int r = 0; r < n; r++) {
        tier[r] = random.nextInt(4);
        p[r] = random.nextDouble();
        plan[r] = PLANS[random.nextInt(PLANS.length)];
      }
      List<Runtime> in = new ArrayList<>(List.of(new Runtime("x", new long[] {n, 3}, x),
          new Runtime("tier", new long[] {n}, tier)));
      if (i % 5 != 0) {
        in.add(new Runtime("plan", new long[] {n}, plan));
      }
      CapturedCall<Runtime> call = new CapturedCall<>("churn", 1, "r" + i, T0 + i, "oip-rest",
          i % 11 == 0 ? Double.NaN : 0.5 + random.nextDouble(), PiiFields.NONE, null, in,
          List.of(new Runtime("p", new long[] {n}, p)), t -> new TensorColumns.Tensor(t.name(), t.shape(), t.data()), n);
      call.addTo(batch);
      call.addRowsTo(asRows);
      for (int r = 0; r < n; r++) {
        for (int k = 0; k < 3; k++) {
          GIVEN.computeIfAbsent("x[" + k + "]", c -> new ArrayList<>()).add(x[r * 3 + k]);
        }
        GIVEN.computeIfAbsent("tier", c -> new ArrayList<>()).add(tier[r]);
        if (i % 5 != 0) {
          GIVEN.computeIfAbsent("plan", c -> new ArrayList<>()).add(plan[r]);
        }
        GIVEN.computeIfAbsent("p", c -> new ArrayList<>()).add(p[r]);
      }
      rows += n;
      requests++;
    }
    columnar = new CaptureProfile();
    for (CaptureBatch.Hour hour : batch.hours()) {
      columnar.add(hour);
    }
    byRow = new CaptureProfile();
    asRows.forEach(byRow::add);
  }

  private static ColumnProfile column(CaptureProfile profile, String name) {
    return name.equals("p") ? profile.outputs().columns().get(name) : profile.inputs().columns().get(name);
  }

  private static double[] numbers(String column) {
    return GIVEN.get(column).stream().mapToDouble(v -> ((Number) v).doubleValue()).filter(v -> !Double.isNaN(v))
        .sorted().toArray();
  }

  @Test
  void rowsRequestsAndNullsAreCountedAsTheRowPathCountsThem() {
    assertThat(columnar.rows()).isEqualTo(rows).isEqualTo(byRow.rows());
    assertThat(columnar.outputs().rows()).isEqualTo(rows);
    assertThat(columnar.requests()).isEqualTo(requests).isEqualTo(byRow.requests());
    assertThat(columnar.latency().count()).isEqualTo(byRow.latency().count()).isEqualTo(requests - 12_000 / 11 - 1);
    for (String c : List.of("x[0]", "x[1]", "x[2]", "tier", "plan")) {
      long nulls = rows - GIVEN.get(c).stream().filter(v -> !(v instanceof Float f && f.isNaN())).count();
      assertThat(columnar.inputs().nulls(c)).as(c).isEqualTo(nulls).isEqualTo(byRow.inputs().nulls(c));
    }
  }

  @Test
  void momentsEqualTheExactOnesAndTheRowPathsBitForBit() {
    for (String c : List.of("x[0]", "x[1]", "x[2]", "tier", "p")) {
      double[] v = numbers(c);
      double mean = Arrays.stream(v).average().orElseThrow();
      double var = Arrays.stream(v).map(d -> (d - mean) * (d - mean)).sum() / v.length; // the population variance, as Moments keeps it
      ColumnProfile col = column(columnar, c);
      ColumnProfile row = column(byRow, c);
      assertThat(col.numericCount()).as(c).isEqualTo(v.length);
      assertThat(col.min()).as(c).isEqualTo(v[0]);
      assertThat(col.max()).as(c).isEqualTo(v[v.length - 1]);
      assertThat(col.mean()).as(c).isCloseTo(mean, within(1e-9));
      assertThat(col.variance()).as(c).isCloseTo(var, within(1e-9 * Math.max(1, var)));
      assertThat(col.mean()).as(c).isEqualTo(row.mean());
      assertThat(col.variance()).as(c).isEqualTo(row.variance());
    }
  }

  @Test
  void quantilesAreWithinTheSketchsRankErrorOfTheExactOnes() {
    for (String c : List.of("x[0]", "x[1]", "x[2]", "p")) {
      double[] v = numbers(c);
      ColumnProfile col = column(columnar, c);
      for (double q : new double[] {0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99}) {
        double value = col.quantile(q);
        int below = DataProfileTest.upperBound(v, value);
        assertThat(below / (double) v.length).as(c + " q" + q).isCloseTo(q, within(col.rankError() + 1.0 / v.length));
      }
    }
  }

  @Test
  void categoriesAndDistinctCountsEqualTheRowPaths() {
    Map<Object, Long> exact = new HashMap<>();
    GIVEN.get("plan").forEach(v -> exact.merge(v, 1L, Long::sum));
    ColumnProfile plan = column(columnar, "plan");
    assertThat(plan.frequencies()).isEqualTo(exact).isEqualTo(column(byRow, "plan").frequencies());
    assertThat(column(columnar, "tier").frequencies()).isEqualTo(column(byRow, "tier").frequencies());
    for (String c : List.of("x[0]", "tier", "plan", "p")) {
      assertThat(column(columnar, c).distinctEstimate()).as(c).isEqualTo(column(byRow, c).distinctEstimate());
    }
    assertThat(column(columnar, "tier").distinctEstimate()).isCloseTo(4, within(0.1));
  }
}
