package dev.pier.monitoring.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Merging many hourly profiles at once ({@link DataProfile#mergeAll}, column by column in parallel), against merging
 * them one by one and against the exact statistics of all their rows, whatever the order of the hours.
 */
class ProfileMergeTest {
  private static final String[] CITIES = {"Lisbon", "Porto", "Braga", "Faro", "Coimbra", "Aveiro"};
  private static final int HOURS = 300;
  private static final int ROWS_PER_HOUR = 200;

  /** The hours' rows: a skewed number, a category, a nullable small integer, a category of 3,000 values; seeded. */
  private static List<List<Map<String, Object>>> hours() {
    Random random = new Random(42);
    List<List<Map<String, Object>>> hours = new ArrayList<>();
    for (int h = 0; h < HOURS; h++) {
      List<Map<String, Object>> rows = new ArrayList<>();
      for (int i = 0; i < ROWS_PER_HOUR; i++) {
        Map<String, Object> row = new HashMap<>();
        row.put("income", Math.exp(10 + random.nextGaussian() + h / 100.0));
        row.put("city", CITIES[(int) Math.floor(Math.abs(random.nextGaussian()) * 2) % CITIES.length]);
        row.put("rooms", random.nextInt(10) == 0 ? null : random.nextInt(5) + 1);
        row.put("user", "u" + (int) Math.floor(Math.abs(random.nextGaussian()) * 1_000));
        rows.add(row);
      }
      hours.add(rows);
    }
    return hours;
  }

  /** Each hour's profile as a run reads it: from its bytes. */
  private static List<DataProfile> read(List<List<Map<String, Object>>> hours) {
    List<DataProfile> out = new ArrayList<>();
    for (List<Map<String, Object>> rows : hours) {
      DataProfile p = new DataProfile();
      rows.forEach(p::update);
      out.add(DataProfile.fromBytes(p.toBytes()));
    }
    return out;
  }

  private static DataProfile mergedAll(List<DataProfile> parts) {
    DataProfile merged = new DataProfile();
    merged.mergeAll(parts);
    return merged;
  }

  @Test
  void mergingColumnsInParallelGivesWhatMergingTheHoursOneByOneGives() {
    List<List<Map<String, Object>>> hours = hours();
    DataProfile folded = new DataProfile();
    read(hours).forEach(folded::merge);
    DataProfile parallel = mergedAll(read(hours));

    assertThat(parallel.rows()).isEqualTo(folded.rows()).isEqualTo((long) HOURS * ROWS_PER_HOUR);
    assertThat(parallel.columns().keySet()).isEqualTo(folded.columns().keySet());
    for (String name : folded.columns().keySet()) {
      ColumnProfile p = parallel.column(name);
      ColumnProfile f = folded.column(name);
      // each column merges its hours in the same order either way: counts, moments, frequent items and distinct
      // values are the same to the bit; KLL compacts with random coin flips, so its ranks agree within its error
      assertThat(p.count()).as(name).isEqualTo(f.count());
      assertThat(parallel.nulls(name)).as(name).isEqualTo(folded.nulls(name));
      assertThat(Double.valueOf(p.mean())).as(name).isEqualTo(Double.valueOf(f.mean())); // NaN for categories
      assertThat(Double.valueOf(p.variance())).as(name).isEqualTo(Double.valueOf(f.variance()));
      assertThat(Double.valueOf(p.min())).as(name).isEqualTo(Double.valueOf(f.min()));
      assertThat(Double.valueOf(p.max())).as(name).isEqualTo(Double.valueOf(f.max()));
      assertThat(p.frequencies()).as(name).isEqualTo(f.frequencies());
      assertThat(p.frequencyError()).as(name).isEqualTo(f.frequencyError());
      assertThat(p.distinctEstimate()).as(name).isEqualTo(f.distinctEstimate());
    }
    ColumnProfile income = parallel.column("income");
    for (double q = 0.05; q < 1; q += 0.05) {
      double x = folded.column("income").quantile(q);
      assertThat(income.cdf(x)).as("rank of %s", x)
          .isCloseTo(folded.column("income").cdf(x), within(2 * income.rankError()));
    }
  }

  @Test
  void theMergedProfileIsThatOfAllTheRowsWhateverTheOrderOfTheHours() {
    List<List<Map<String, Object>>> hours = hours();
    double[] incomes = hours.stream().flatMap(List::stream).mapToDouble(r -> (Double) r.get("income")).sorted()
        .toArray();
    Map<Object, Long> cities = exactCounts(hours, "city");
    Map<Object, Long> users = exactCounts(hours, "user");
    double mean = Arrays.stream(incomes).average().orElseThrow();
    double variance = Arrays.stream(incomes).map(x -> (x - mean) * (x - mean)).sum() / incomes.length;

    List<List<Map<String, Object>>> reversed = new ArrayList<>(hours);
    Collections.reverse(reversed);
    List<List<Map<String, Object>>> shuffled = new ArrayList<>(hours);
    Collections.shuffle(shuffled, new Random(7));
    List<DataProfile> merged = List.of(mergedAll(read(hours)), mergedAll(read(reversed)), mergedAll(read(shuffled)));

    for (DataProfile m : merged) {
      ColumnProfile income = m.column("income");
      assertThat(income.count()).isEqualTo(incomes.length);
      assertThat(income.min()).isEqualTo(incomes[0]);
      assertThat(income.max()).isEqualTo(incomes[incomes.length - 1]);
      assertThat(income.mean()).isCloseTo(mean, within(1e-9 * mean));
      assertThat(income.variance()).isCloseTo(variance, within(1e-9 * variance));
      // quantiles: each rank within KLL's stated error of the exact rank over all the rows
      assertThat(income.rankError()).isGreaterThan(0).isLessThan(0.005);
      for (double q = 0.05; q < 1; q += 0.05) {
        double x = incomes[(int) (q * incomes.length)];
        double exact = DataProfileTest.upperBound(incomes, x) / (double) incomes.length;
        assertThat(income.cdf(x)).as("rank of %s", x).isCloseTo(exact, within(income.rankError()));
      }
      // frequent items: exact while the categories fit, else each count within the stated error
      assertThat(m.column("city").frequencies()).isEqualTo(cities);
      assertThat(m.column("user").frequenciesExact()).isFalse();
      long error = m.column("user").frequencyError();
      m.column("user").frequencies().forEach((user, count) ->
          assertThat(count).as("user %s", user).isCloseTo(users.get(user), within(error)));
      assertThat(m.nulls("rooms")).isEqualTo(hours.stream().flatMap(List::stream)
          .filter(r -> r.get("rooms") == null).count());
      // distinct values within HLL's error (3 standard errors at lgK 12): the union's estimate from small hours' coupons
      // is its running (HIP) estimate, which depends on the order the coupons came in, not only on the set
      assertThat(m.column("user").distinctEstimate()).isCloseTo(users.size(), within(users.size() * 0.05));
      assertThat(m.column("city").distinctEstimate()).isCloseTo(CITIES.length, within(0.01));
      assertThat(income.distinctEstimate()).isCloseTo(incomes.length, within(incomes.length * 0.05));
    }
  }

  private static Map<Object, Long> exactCounts(List<List<Map<String, Object>>> hours, String column) {
    Map<Object, Long> counts = new HashMap<>();
    hours.stream().flatMap(List::stream).forEach(r -> counts.merge(r.get(column), 1L, Long::sum));
    return counts;
  }
}
