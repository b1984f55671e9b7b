package dev.pier.training;

import dev.pier.kernel.PierException;
import java.util.ArrayList;
import java.util.List;

/**
 * scikit-learn's {@code TimeSeriesSplit}: rows are in time order; fold {@code i}'s test rows are the {@code i}-th of
 * {@code k} consecutive blocks at the end, and its training rows are every row before them (less {@code gap} rows
 * right before the test, and at most the last {@code maxTrainSize} when it is positive) — so no training fold holds a
 * row later than its test rows.
 *
 * @param testSize rows per test block, or 0 for {@code n / (k + 1)}
 */
public record TimeSeriesSplit(int k, int gap, int testSize, int maxTrainSize) implements Splitter {
  @Override
  public List<Split> folds(int n, float[] labels, int[] groups) {
    if (k < 2) {
      throw PierException.badRequest("cv.folds must be at least 2, not " + k);
    }
    if (k + 1 > n) {
      throw PierException.badRequest("cv.folds " + k + " time-series folds need at least " + (k + 1)
          + " training rows, there are " + n);
    }
    int size = testSize > 0 ? testSize : n / (k + 1);
    if (n - gap - (long) size * k <= 0) {
      throw PierException.badRequest("too few training rows (" + n + ") for " + k + " time-series folds of " + size
          + " rows with a gap of " + gap);
    }
    List<Split> out = new ArrayList<>(k);
    for (int start = n - k * size; start < n; start += size) {
      int trainEnd = start - gap;
      int trainStart = maxTrainSize > 0 && maxTrainSize < trainEnd ? trainEnd - maxTrainSize : 0;
      int[] train = new int[trainEnd - trainStart];
      for (int i = 0; i < train.length; i++) {
        train[i] = trainStart + i;
      }
      int[] test = new int[Math.min(size, n - start)];
      for (int i = 0; i < test.length; i++) {
        test[i] = start + i;
      }
      out.add(new Split(train, test));
    }
    return out;
  }
}
