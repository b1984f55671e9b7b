package dev.pier.training;

import dev.pier.kernel.PierException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * scikit-learn's {@code StratifiedKFold} (its algorithm since 0.22): classes are numbered in order of first appearance;
 * each fold's share of each class comes from dealing the class-sorted labels round-robin over the folds; each class's
 * rows are then given to folds in blocks, in row order (shuffled with the seed when {@code shuffle}). Without shuffling
 * the folds equal scikit-learn's.
 */
public record StratifiedKFold(int k, boolean shuffle, long seed) implements Splitter {
  @Override
  public List<Split> folds(int n, float[] labels, int[] groups) {
    Splitter.requireFolds(k, n);
    Map<Float, Integer> classOf = new HashMap<>();
    int[] encoded = new int[n];
    for (int i = 0; i < n; i++) {
      encoded[i] = classOf.computeIfAbsent(labels[i], x -> classOf.size());
    }
    int classes = classOf.size();
    int[] counts = new int[classes];
    for (int c : encoded) {
      counts[c]++;
    }
    boolean allBelow = true;
    for (int c : counts) {
      allBelow &= k > c;
    }
    if (allBelow) {
      throw PierException.badRequest("cv.folds " + k + " is more than the rows of every label class; "
          + "stratified folds need at least one class with " + k + " rows");
    }
    // Labels sorted by class (class order = first appearance, as sklearn's y_encoded), dealt round-robin to folds.
    int[][] allocation = new int[k][classes];
    int pos = 0;
    for (int c = 0; c < classes; c++) {
      for (int j = 0; j < counts[c]; j++) {
        allocation[pos % k][c]++;
        pos++;
      }
    }
    int[] testFold = new int[n];
    Random rng = new Random(seed);
    for (int c = 0; c < classes; c++) {
      int[] folds = new int[counts[c]];
      int at = 0;
      for (int f = 0; f < k; f++) {
        for (int j = 0; j < allocation[f][c]; j++) {
          folds[at++] = f;
        }
      }
      if (shuffle) {
        Shuffle.shuffle(folds, rng);
      }
      at = 0;
      for (int i = 0; i < n; i++) {
        if (encoded[i] == c) {
          testFold[i] = folds[at++];
        }
      }
    }
    return Splits.byTestFold(testFold, k);
  }
}
