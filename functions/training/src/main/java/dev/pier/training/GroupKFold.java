package dev.pier.training;

import dev.pier.kernel.PierException;
import java.util.List;

/**
 * scikit-learn's {@code GroupKFold}: no group is split across folds; groups are dealt, largest first, each to the
 * fold with the fewest rows so far (the first such fold on a tie). Groups of equal size are taken in descending group
 * order: numpy's {@code argsort(sizes)[::-1]} as numpy sorts up to 16 values (stably); for more groups numpy's order of
 * equal sizes depends on its build and CPU (AVX-512 sorting networks), so the folds equal scikit-learn's whenever there
 * are at most 16 groups or the group sizes are distinct.
 */
public record GroupKFold(int k) implements Splitter {
  @Override
  public List<Split> folds(int n, float[] labels, int[] groups) {
    if (groups == null) {
      throw PierException.badRequest("cv.kind group needs the dataset's 'group' column");
    }
    Splitter.requireFolds(k, n);
    // Re-number the groups present among these rows by ascending code (np.unique's order).
    int max = -1;
    for (int g : groups) {
      max = Math.max(max, g);
    }
    int[] dense = new int[max + 1];
    java.util.Arrays.fill(dense, -1);
    for (int g : groups) {
      dense[g] = 0;
    }
    int count = 0;
    for (int g = 0; g <= max; g++) {
      if (dense[g] == 0) {
        dense[g] = count++;
      }
    }
    if (k > count) {
      throw PierException.badRequest("cv.folds " + k + " is more than the " + count + " groups");
    }
    long[] sizes = new long[count];
    for (int g : groups) {
      sizes[dense[g]]++;
    }
    // Stable ascending sort by size, walked backwards: descending size, ties by descending group.
    Integer[] byAscending = new Integer[count];
    for (int g = 0; g < count; g++) {
      byAscending[g] = g;
    }
    java.util.Arrays.sort(byAscending, (a, b) -> Long.compare(sizes[a], sizes[b]));
    long[] foldRows = new long[k];
    int[] foldOf = new int[count];
    for (int i = count - 1; i >= 0; i--) {
      int g = byAscending[i];
      int lightest = 0;
      for (int f = 1; f < k; f++) {
        if (foldRows[f] < foldRows[lightest]) {
          lightest = f;
        }
      }
      foldRows[lightest] += sizes[g];
      foldOf[g] = lightest;
    }
    int[] testFold = new int[n];
    for (int i = 0; i < n; i++) {
      testFold[i] = foldOf[dense[groups[i]]];
    }
    return Splits.byTestFold(testFold, k);
  }
}
