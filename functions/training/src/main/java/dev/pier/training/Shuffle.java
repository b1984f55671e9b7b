package dev.pier.training;

import java.util.Random;

/**
 * Fisher–Yates over {@link java.util.Random}, whose sequence for a seed is fixed by its specification (unlike
 * {@code SplittableRandom}'s or the JDK's other generators'), so a seed gives the same split on every JVM, forever.
 */
final class Shuffle {
  private Shuffle() {}

  static void shuffle(int[] a, Random rng) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  static int[] range(int n) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    return a;
  }
}
