package dev.pier.training;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * scikit-learn's {@code ndcg_score} ({@code ignore_ties=False}) for queries of any size: per query, the DCG of the
 * rows ordered by descending score — gain the relevance label, discount 1 / log2(position + 1) for the first k
 * positions and 0 after, rows with tied scores each given their tie group's mean gain — over the DCG of the rows
 * ordered by relevance; 0 for a query with no relevant row. The mean over queries.
 */
final class Ndcg {
  private Ndcg() {}

  /** @param cutoff k, or 0 for every position */
  static double mean(double[] y, double[] p, int[] groups, int cutoff) {
    Map<Integer, List<Integer>> queries = new LinkedHashMap<>();
    for (int i = 0; i < y.length; i++) {
      queries.computeIfAbsent(groups[i], g -> new ArrayList<>()).add(i);
    }
    if (queries.isEmpty()) {
      return Double.NaN;
    }
    double sum = 0;
    for (List<Integer> rows : queries.values()) {
      double[] gain = new double[rows.size()];
      double[] score = new double[rows.size()];
      for (int j = 0; j < gain.length; j++) {
        gain[j] = y[rows.get(j)];
        score[j] = p[rows.get(j)];
      }
      sum += query(gain, score, cutoff);
    }
    return sum / queries.size();
  }

  static double query(double[] gain, double[] score, int cutoff) {
    int n = gain.length;
    int k = cutoff <= 0 ? n : Math.min(cutoff, n);
    double[] discountSum = new double[n + 1]; // discountSum[i]: the discounts of positions 0 … i − 1
    for (int i = 0; i < n; i++) {
      discountSum[i + 1] = discountSum[i] + (i < k ? 1 / log2(i + 2) : 0);
    }
    double[] ideal = gain.clone();
    Arrays.sort(ideal);
    double best = 0;
    for (int i = 0; i < k; i++) {
      best += ideal[n - 1 - i] / log2(i + 2);
    }
    if (best == 0) {
      return 0;
    }
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Double.compare(score[b], score[a]));
    double dcg = 0;
    for (int start = 0; start < n; ) {
      int end = start;
      double tied = 0;
      while (end < n && score[order[end]] == score[order[start]]) {
        tied += gain[order[end]];
        end++;
      }
      dcg += tied / (end - start) * (discountSum[end] - discountSum[start]);
      start = end;
    }
    return dcg / best;
  }

  private static double log2(double x) {
    return Math.log(x) / Math.log(2);
  }
}
