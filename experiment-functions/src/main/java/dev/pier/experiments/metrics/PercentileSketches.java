package dev.pier.experiments.metrics;

import com.tdunning.math.stats.TDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The percentile metrics of one experiment: for each percentile metric and arm, a t-digest (compression
 * {@value #COMPRESSION}) of the values of every counted event of the metric it ranks, per UTC day and in total.
 * Digests merge, so a window of days is the merge of its days' digests; an update costs O(1) amortized and the memory
 * stays bounded (a few KB per digest) however many events arrive. t-digest is most accurate in the tails, where
 * latency percentiles live: {@code PercentileMetricTest} finds the 0.95 quantile of 200,000 skewed values within
 * {@value #RANK_ERROR} of its rank (numpy's exact percentile as the reference). Not thread-safe, like the ledger that
 * owns it.
 */
public final class PercentileSketches {

  /** The digests' compression (their size and accuracy; 100 is the library's usual default). */
  public static final double COMPRESSION = 200;

  /**
   * The rank error the results allow for the digest on top of the sampling error, as a fraction of the values (the
   * bound the tests hold it to; t-digest has no worst-case bound, its error at the 0.95 quantile is typically far
   * smaller).
   */
  public static final double RANK_ERROR = 0.005;

  private final int arms;
  private final List<String> names = new ArrayList<>();
  private final Map<String, int[]> bySource = new HashMap<>();
  private final TDigest[][] totals;
  private final TreeMap<Long, TDigest[][]> byDay = new TreeMap<>();

  /** @param percentiles percentile metric name → the metric whose events it ranks */
  PercentileSketches(int arms, Map<String, String> percentiles) {
    this.arms = arms;
    Map<String, List<Integer>> sources = new HashMap<>();
    percentiles.forEach((name, of) -> {
      sources.computeIfAbsent(of, k -> new ArrayList<>()).add(names.size());
      names.add(name);
    });
    sources.forEach((of, idx) -> bySource.put(of, idx.stream().mapToInt(Integer::intValue).toArray()));
    this.totals = grid();
  }

  /** Whether some percentile metric ranks events named {@code metric}. */
  boolean ranks(String metric) {
    return bySource.containsKey(metric);
  }

  void update(String source, int arm, long day, double value) {
    if (!Double.isFinite(value)) return;
    TDigest[][] daily = byDay.computeIfAbsent(day, d -> grid());
    for (int p : bySource.get(source)) {
      totals[p][arm].add(value);
      daily[p][arm].add(value);
    }
  }

  /** The digest of percentile metric {@code name} in arm {@code arm} over every day (empty: no value yet). */
  public TDigest total(String name, int arm) {
    return totals[index(name)][arm];
  }

  /** The merge of the arm's digests of the days {@code fromDay} to {@code toDay} (epoch days, inclusive). */
  public TDigest window(String name, int arm, long fromDay, long toDay) {
    TDigest out = TDigest.createMergingDigest(COMPRESSION);
    for (TDigest[][] day : byDay.subMap(fromDay, true, toDay, true).values()) {
      if (day[index(name)][arm].size() > 0) out.add(day[index(name)][arm]);
    }
    return out;
  }

  private int index(String name) {
    int i = names.indexOf(name);
    if (i < 0) throw new IllegalArgumentException("no percentile metric '" + name + "'; there are " + names);
    return i;
  }

  private TDigest[][] grid() {
    TDigest[][] g = new TDigest[names.size()][arms];
    for (TDigest[] row : g) for (int a = 0; a < arms; a++) row[a] = TDigest.createMergingDigest(COMPRESSION);
    return g;
  }
}
