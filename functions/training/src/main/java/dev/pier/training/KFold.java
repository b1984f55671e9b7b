package dev.pier.training;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * scikit-learn's {@code KFold}: consecutive test folds, the first {@code n % k} one row larger. Shuffled, the rows are
 * permuted first with the seed.
 */
public record KFold(int k, boolean shuffle, long seed) implements Splitter {
  @Override
  public List<Split> folds(int n, float[] labels, int[] groups) {
    Splitter.requireFolds(k, n);
    int[] order = Shuffle.range(n);
    if (shuffle) {
      Shuffle.shuffle(order, new Random(seed));
    }
    List<Split> out = new ArrayList<>(k);
    int start = 0;
    for (int f = 0; f < k; f++) {
      int size = n / k + (f < n % k ? 1 : 0);
      int[] test = Arrays.copyOfRange(order, start, start + size);
      Arrays.sort(test);
      out.add(new Split(Splitter.complement(n, test), test));
      start += size;
    }
    return out;
  }
}
