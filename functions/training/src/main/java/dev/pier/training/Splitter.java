package dev.pier.training;

import dev.pier.kernel.PierException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Cross-validation folds, with scikit-learn's semantics: {@link KFold}, {@link StratifiedKFold}, {@link GroupKFold},
 * {@link TimeSeriesSplit}. Splitting is deterministic: without shuffling the folds equal scikit-learn's index for
 * index; with it they depend only on the seed.
 */
public sealed interface Splitter permits KFold, StratifiedKFold, GroupKFold, TimeSeriesSplit {

  /**
   * Folds over positions {@code 0 … n-1}.
   *
   * @param labels the labels by position (stratification), or null
   * @param groups the groups by position (group k-fold), or null
   */
  List<Split> folds(int n, float[] labels, int[] groups);

  /** Folds over {@code rows} of {@code table} (e.g. the rows left after the holdout), as table row numbers. */
  default List<Split> split(TrainingTable table, int[] rows) {
    List<Split> out = new ArrayList<>();
    for (Split s : folds(rows.length, table.labels(rows), table.groups(rows))) {
      out.add(new Split(map(s.train(), rows), map(s.test(), rows)));
    }
    return out;
  }

  private static int[] map(int[] positions, int[] rows) {
    int[] out = new int[positions.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = rows[positions[i]];
    }
    Arrays.sort(out);
    return out;
  }

  /**
   * The splitter for a job's {@code cv.kind}: {@code kfold}, {@code stratified}, {@code group} or
   * {@code time_series}; {@code shuffle} applies to the first two.
   */
  static Splitter of(String kind, int folds, boolean shuffle, long seed) {
    String k = kind == null ? "kfold" : kind.toLowerCase(Locale.ROOT);
    return switch (k) {
      case "kfold" -> new KFold(folds, shuffle, seed);
      case "stratified" -> new StratifiedKFold(folds, shuffle, seed);
      case "group" -> new GroupKFold(folds);
      case "time_series" -> new TimeSeriesSplit(folds, 0, 0, 0);
      default -> throw PierException.badRequest(
          "unknown cv.kind '" + kind + "': kfold, stratified, group or time_series");
    };
  }

  /** The rows {@code 0 … n-1} that are not in {@code test} (sorted). */
  static int[] complement(int n, int[] test) {
    boolean[] in = new boolean[n];
    for (int t : test) {
      in[t] = true;
    }
    int[] out = new int[n - test.length];
    int j = 0;
    for (int i = 0; i < n; i++) {
      if (!in[i]) {
        out[j++] = i;
      }
    }
    return out;
  }

  static void requireFolds(int folds, int n) {
    if (folds < 2) {
      throw PierException.badRequest("cv.folds must be at least 2, not " + folds);
    }
    if (folds > n) {
      throw PierException.badRequest("cv.folds " + folds + " is more than the " + n + " training rows");
    }
  }
}
