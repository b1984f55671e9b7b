package dev.pier.training;

import dev.pier.kernel.PierException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;

/**
 * The rows kept out of training and tuning, to evaluate the final model on. {@code ceil(fraction × n)} rows are held
 * out (scikit-learn's {@code train_test_split} count), chosen by the seed alone:
 *
 * <ul>
 *   <li>{@link Mode#RANDOM}: a seeded permutation's first rows;
 *   <li>{@link Mode#STRATIFIED}: each label class contributes its share (largest remainders for the rounding), its rows
 *       chosen by a seeded permutation;
 *   <li>{@link Mode#LAST}: the last rows in table order, for time series (nothing from the future is trained on);
 *   <li>{@link Mode#GROUP}: whole groups (queries, for ranking), {@code ceil(fraction × groups)} of them in a seeded
 *       permutation's order, so no group is split between training and holdout.
 * </ul>
 */
public record Holdout(double fraction, Mode mode, long seed) {
  public enum Mode { RANDOM, STRATIFIED, LAST, GROUP }

  public Holdout {
    if (!(fraction > 0 && fraction < 1)) {
      throw PierException.badRequest("split.holdout must be between 0 and 1 (exclusive), not " + fraction);
    }
  }

  public Split split(TrainingTable table) {
    int n = table.rows();
    int testCount = (int) Math.ceil(fraction * n);
    if (testCount >= n) {
      throw PierException.badRequest("split.holdout " + fraction + " of " + n + " rows leaves none to train on");
    }
    int[] test = switch (mode) {
      case LAST -> Arrays.copyOfRange(Shuffle.range(n), n - testCount, n);
      case RANDOM -> {
        int[] order = Shuffle.range(n);
        Shuffle.shuffle(order, new Random(seed));
        yield Arrays.copyOf(order, testCount);
      }
      case STRATIFIED -> stratified(table.labels(), testCount);
      case GROUP -> groups(table);
    };
    Arrays.sort(test);
    return new Split(Splitter.complement(n, test), test);
  }

  private int[] groups(TrainingTable table) {
    if (table.groups() == null) {
      throw PierException.badRequest("split.mode group needs a group column");
    }
    int count = table.groupCount();
    int take = (int) Math.ceil(fraction * count);
    if (take >= count) {
      throw PierException.badRequest("split.holdout " + fraction + " of " + count + " groups leaves none to train on");
    }
    int[] order = Shuffle.range(count);
    Shuffle.shuffle(order, new Random(seed));
    boolean[] out = new boolean[count];
    for (int i = 0; i < take; i++) {
      out[order[i]] = true;
    }
    return Arrays.stream(table.allRows()).filter(r -> out[table.groups()[r]]).toArray();
  }

  private int[] stratified(float[] labels, int testCount) {
    TreeMap<Float, List<Integer>> byClass = new TreeMap<>();
    for (int i = 0; i < labels.length; i++) {
      byClass.computeIfAbsent(labels[i], x -> new ArrayList<>()).add(i);
    }
    List<List<Integer>> classes = new ArrayList<>(byClass.values());
    int[] take = new int[classes.size()];
    double[] remainder = new double[classes.size()];
    int given = 0;
    for (int c = 0; c < take.length; c++) {
      double exact = (double) testCount * classes.get(c).size() / labels.length;
      take[c] = (int) Math.floor(exact);
      remainder[c] = exact - take[c];
      given += take[c];
    }
    while (given < testCount) { // largest remainder first, the first class on a tie
      int best = 0;
      for (int c = 1; c < take.length; c++) {
        if (remainder[c] > remainder[best]) {
          best = c;
        }
      }
      take[best]++;
      remainder[best] = -1;
      given++;
    }
    Random rng = new Random(seed);
    int[] out = new int[testCount];
    int at = 0;
    for (int c = 0; c < take.length; c++) {
      int[] rows = classes.get(c).stream().mapToInt(Integer::intValue).toArray();
      Shuffle.shuffle(rows, rng);
      System.arraycopy(rows, 0, out, at, take[c]);
      at += take[c];
    }
    return out;
  }
}
