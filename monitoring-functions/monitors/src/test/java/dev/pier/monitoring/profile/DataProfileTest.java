package dev.pier.monitoring.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DataProfileTest {
  private static final String[] CITIES = {"Lisbon", "Porto", "Braga", "Faro", "Coimbra", "Aveiro"};

  /** 200,000 rows: a skewed number (lognormal), a category and a nullable integer, seeded. */
  private static List<Map<String, Object>> rows(long seed, int n) {
    Random random = new Random(seed);
    List<Map<String, Object>> rows = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Map<String, Object> row = new HashMap<>();
      row.put("income", Math.exp(10 + random.nextGaussian()));
      row.put("city", CITIES[(int) Math.floor(Math.abs(random.nextGaussian()) * 2) % CITIES.length]);
      row.put("rooms", random.nextInt(10) == 0 ? null : random.nextInt(5) + 1);
      rows.add(row);
    }
    return rows;
  }

  private static DataProfile profile(List<Map<String, Object>> rows) {
    DataProfile p = new DataProfile();
    rows.forEach(p::update);
    return p;
  }

  @Test
  void mergingProfilesOfTwoSourcesEqualsProfilingTheirUnion() {
    List<Map<String, Object>> a = rows(1, 120_000);
    List<Map<String, Object>> b = rows(2, 80_000);
    List<Map<String, Object>> all = new ArrayList<>(a);
    all.addAll(b);

    DataProfile merged = profile(a);
    merged.merge(profile(b));
    DataProfile whole = profile(all);

    assertThat(merged.rows()).isEqualTo(200_000);
    for (String column : List.of("income", "city", "rooms")) {
      assertThat(merged.nulls(column)).as(column).isEqualTo(whole.nulls(column));
      assertThat(merged.column(column).count()).as(column).isEqualTo(whole.column(column).count());
    }
    ColumnProfile income = merged.column("income");
    ColumnProfile incomeWhole = whole.column("income");
    assertThat(income.min()).isEqualTo(incomeWhole.min());
    assertThat(income.max()).isEqualTo(incomeWhole.max());
    assertThat(income.mean()).isCloseTo(incomeWhole.mean(), within(1e-9 * Math.abs(incomeWhole.mean())));
    assertThat(income.variance()).isCloseTo(incomeWhole.variance(), within(1e-9 * incomeWhole.variance()));

    // quantiles: every rank within the sketch's stated error of the exact rank over the union
    double[] sorted = all.stream().mapToDouble(r -> (Double) r.get("income")).sorted().toArray();
    assertThat(income.rankError()).isGreaterThan(0).isLessThan(0.005);
    for (double q = 0.01; q < 1; q += 0.01) {
      double x = sorted[(int) (q * sorted.length)];
      double exact = upperBound(sorted, x) / (double) sorted.length;
      assertThat(income.cdf(x)).as("rank of %s", x).isCloseTo(exact, within(income.rankError()));
    }

    // categories: exact below the sketch's capacity; distinct counts within HLL's error
    assertThat(merged.column("city").frequencies()).isEqualTo(whole.column("city").frequencies());
    assertThat(merged.column("city").frequencies().values().stream().mapToLong(Long::longValue).sum())
        .isEqualTo(200_000);
    assertThat(merged.column("city").distinctEstimate()).isCloseTo(CITIES.length, within(0.01));
    assertThat(merged.column("rooms").frequencies()).isEqualTo(whole.column("rooms").frequencies());
    assertThat(income.distinctEstimate()).isCloseTo(200_000, within(200_000 * 0.05));
  }

  @Test
  void mergingTwentyFourHourlyProfilesEqualsTheProfileOfTheDay() {
    DataProfile day = new DataProfile();
    DataProfile merged = new DataProfile();
    for (int hour = 0; hour < 24; hour++) {
      List<Map<String, Object>> rows = rows(100 + hour, 2_000);
      rows.forEach(day::update);
      merged.merge(DataProfile.fromBytes(profile(rows).toBytes()));
    }
    assertThat(merged.rows()).isEqualTo(day.rows());
    assertThat(merged.column("rooms").mean()).isCloseTo(day.column("rooms").mean(), within(1e-12));
    assertThat(merged.column("rooms").frequencies()).isEqualTo(day.column("rooms").frequencies());
    assertThat(merged.column("income").quantile(0.5))
        .isCloseTo(day.column("income").quantile(0.5), within(day.column("income").std() * 0.02));
  }

  @Test
  void aProfileReadBackFromItsBytesAnswersExactlyAsTheOriginal() {
    DataProfile p = profile(rows(7, 50_000));
    DataProfile back = DataProfile.fromBytes(p.toBytes());
    assertThat(back.toBytes()).isEqualTo(p.toBytes());
    assertThat(back.rows()).isEqualTo(p.rows());
    for (double q : new double[] {0.05, 0.5, 0.95}) {
      assertThat(back.column("income").quantile(q)).isEqualTo(p.column("income").quantile(q));
    }
    assertThat(back.column("city").frequencies()).isEqualTo(p.column("city").frequencies());
    assertThat(back.column("income").distinctEstimate()).isEqualTo(p.column("income").distinctEstimate());
    assertThat(back.nulls("rooms")).isEqualTo(p.nulls("rooms"));
  }

  @Test
  void aProfileReadFromBytesTakesUpdatesAndMergesAsTheOriginalDoes() {
    // read-back sketches are wrapped read-only until written to: updating or merging into one must copy them first
    List<Map<String, Object>> first = rows(8, 30_000);
    List<Map<String, Object>> second = rows(9, 20_000);
    List<Map<String, Object>> third = rows(10, 10_000);
    DataProfile original = profile(first);
    DataProfile back = DataProfile.fromBytes(original.toBytes());
    second.forEach(original::update);
    second.forEach(back::update);
    original.merge(DataProfile.fromBytes(profile(third).toBytes()));
    back.merge(DataProfile.fromBytes(profile(third).toBytes()));

    assertThat(back.rows()).isEqualTo(60_000);
    assertThat(back.column("income").count()).isEqualTo(original.column("income").count());
    assertThat(back.column("income").mean()).isCloseTo(original.column("income").mean(), within(1e-6));
    // KLL compacts with random coin flips, so two sketches of the same values agree within their rank error
    for (double q : new double[] {0.05, 0.5, 0.95}) {
      double x = original.column("income").quantile(q);
      assertThat(back.column("income").cdf(x)).isCloseTo(original.column("income").cdf(x),
          within(2 * original.column("income").rankError()));
    }
    assertThat(back.column("income").distinctEstimate()).isEqualTo(original.column("income").distinctEstimate())
        .isCloseTo(60_000, within(60_000 * 0.05));
    assertThat(back.column("city").frequencies()).isEqualTo(original.column("city").frequencies());
  }

  @Test
  void readingInPlaceLeavesTheBytesAsTheyWereWhateverIsDoneToTheProfileAfterwards() {
    // sketches are wrapped where they lie in the bytes read (no copies): a write must never reach those bytes
    byte[] hour = profile(rows(11, 200)).toBytes();
    byte[] copy = hour.clone();
    DataProfile merged = new DataProfile();
    for (int i = 0; i < 3; i++) {
      merged.merge(DataProfile.fromBytes(hour));
    }
    DataProfile read = DataProfile.fromBytes(hour);
    rows(12, 500).forEach(read::update);
    read.merge(DataProfile.fromBytes(hour));
    assertThat(hour).isEqualTo(copy);
    assertThat(merged.rows()).isEqualTo(600);
    assertThat(merged.column("income").count()).isEqualTo(3 * DataProfile.fromBytes(hour).column("income").count());
    // a profile in the middle of a larger array (a capture profile's inputs and outputs) reads the same
    byte[] padded = new byte[hour.length + 10];
    System.arraycopy(hour, 0, padded, 7, hour.length);
    assertThat(DataProfile.fromBytes(padded, 7, hour.length).toBytes()).isEqualTo(hour);
    assertThatThrownBy(() -> DataProfile.fromBytes(padded, 7, hour.length - 20))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("truncated data profile");
  }

  @Test
  void aNumericColumnReadBackFromBytesListsItsValuesExactlyWhenTheOriginalDoesWhateverItsNumberOfValues() {
    // past a few dozen distinct numbers the frequent-numbers sketch purges (values seen once each: it empties) and is
    // no longer read; an emptied sketch must not read back as an exact one
    int exact = 0;
    for (int distinct = 1; distinct <= 200; distinct++) {
      ColumnProfile p = new ColumnProfile();
      for (int v = 0; v < distinct; v++) {
        p.update((double) v);
      }
      ColumnProfile back = ColumnProfile.fromBytes(p.toBytes());
      assertThat(back.frequenciesExact()).as(distinct + " values").isEqualTo(p.frequenciesExact());
      assertThat(back.frequencies()).as(distinct + " values").isEqualTo(p.frequencies())
          .hasSize(p.frequenciesExact() ? distinct : 0);
      exact += p.frequenciesExact() ? 1 : 0;
      assertThat(p.frequenciesExact()).as(distinct + " values").isEqualTo(distinct <= exact);
    }
    assertThat(exact).isBetween(40, 100);
  }

  @Test
  void bytesThatAreNoProfileAreRejectedWithTheReason() {
    assertThatThrownBy(() -> DataProfile.fromBytes("hello".getBytes()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a Pier data profile");
    byte[] truncated = Arrays.copyOf(profile(rows(3, 100)).toBytes(), 40);
    assertThatThrownBy(() -> DataProfile.fromBytes(truncated))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("profile");
  }

  @Test
  void aMissingNullOrNaNValueCountsAsANullOfItsColumn() {
    DataProfile p = new DataProfile();
    p.update(Map.of("x", 1.0, "y", "a"));
    p.update(Map.of("x", Double.NaN));
    Map<String, Object> withNull = new HashMap<>();
    withNull.put("x", null);
    withNull.put("y", "b");
    p.update(withNull);
    assertThat(p.nulls("x")).isEqualTo(2);
    assertThat(p.nulls("y")).isEqualTo(1);
    assertThat(p.nulls("never-seen")).isEqualTo(3);
  }

  @Test
  void infinitiesAreCountedButKeptOutOfMomentsAndQuantiles() {
    ColumnProfile c = new ColumnProfile();
    for (double x : new double[] {1, 2, 3, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
      c.update(x);
    }
    assertThat(c.nonFinite()).isEqualTo(2);
    assertThat(c.count()).isEqualTo(5);
    assertThat(c.mean()).isEqualTo(2.0);
    assertThat(c.max()).isEqualTo(3.0);
    assertThat(c.quantile(1.0)).isEqualTo(3.0);
  }

  @Test
  void aColumnOfNumbersAndTextIsMixed() {
    ColumnProfile c = new ColumnProfile();
    c.update(1);
    assertThat(c.kind()).isEqualTo(ColumnProfile.Kind.NUMERIC);
    c.update("one");
    assertThat(c.kind()).isEqualTo(ColumnProfile.Kind.MIXED);
    ColumnProfile flags = new ColumnProfile();
    flags.update(true);
    assertThat(flags.kind()).isEqualTo(ColumnProfile.Kind.CATEGORICAL);
    assertThat(flags.frequencies()).containsEntry("true", 1L);
  }

  @Test
  void momentsMergedFromPartsEqualTwoPassMoments() {
    Random random = new Random(5);
    double[] xs = random.doubles(10_001, -1e6, 1e6).map(x -> x + 1e9).toArray();
    Moments left = new Moments();
    Moments right = new Moments();
    for (int i = 0; i < xs.length; i++) {
      (i % 3 == 0 ? left : right).add(xs[i]);
    }
    left.merge(right);
    double mean = Arrays.stream(xs).average().orElseThrow();
    double var = Arrays.stream(xs).map(x -> (x - mean) * (x - mean)).sum() / xs.length;
    assertThat(left.count()).isEqualTo(xs.length);
    assertThat(left.mean()).isCloseTo(mean, within(1e-6));
    assertThat(left.variance()).isCloseTo(var, within(var * 1e-9));
    assertThat(left.sampleVariance()).isCloseTo(var * xs.length / (xs.length - 1), within(var * 1e-9));
  }

  /** Number of values ≤ x in a sorted array. */
  static int upperBound(double[] sorted, double x) {
    int lo = 0;
    int hi = sorted.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (sorted[mid] <= x) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
