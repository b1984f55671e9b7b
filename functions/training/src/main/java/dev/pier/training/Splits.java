package dev.pier.training;

import java.util.ArrayList;
import java.util.List;

/** Folds from each row's test-fold number. */
final class Splits {
  private Splits() {}

  static List<Split> byTestFold(int[] testFold, int k) {
    int n = testFold.length;
    int[] sizes = new int[k];
    for (int f : testFold) {
      sizes[f]++;
    }
    List<Split> out = new ArrayList<>(k);
    for (int f = 0; f < k; f++) {
      int[] test = new int[sizes[f]];
      int j = 0;
      for (int i = 0; i < n; i++) {
        if (testFold[i] == f) {
          test[j++] = i;
        }
      }
      out.add(new Split(Splitter.complement(n, test), test));
    }
    return out;
  }
}
