package dev.pier.monitoring.performance;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Group fairness of a binary classifier over one protected column: per group the selection rate (share predicted
 * positive) and the true positive rate (recall), and across groups the demographic parity difference (largest minus
 * smallest selection rate), the equal opportunity difference (largest minus smallest true positive rate; groups with
 * no positive label left out) and the disparate impact ratio (smallest over largest selection rate; NaN when no group
 * is ever selected). The definitions are Fairlearn's.
 */
public record BiasMetrics(Map<String, GroupRates> groups, double demographicParityDifference,
    double equalOpportunityDifference, double disparateImpactRatio) {

  public record GroupRates(long count, double selectionRate, double truePositiveRate) {
  }

  public static BiasMetrics of(List<String> groups, int[] labels, double[] probabilities, double threshold) {
    if (groups.size() != labels.length || labels.length != probabilities.length) {
      throw new IllegalArgumentException("groups, labels and predictions differ in length");
    }
    Map<String, long[]> counts = new TreeMap<>(); // rows, selected, positives, true positives
    for (int i = 0; i < labels.length; i++) {
      long[] c = counts.computeIfAbsent(String.valueOf(groups.get(i)), g -> new long[4]);
      boolean selected = probabilities[i] >= threshold;
      c[0]++;
      if (selected) {
        c[1]++;
      }
      if (labels[i] == 1) {
        c[2]++;
        if (selected) {
          c[3]++;
        }
      }
    }
    Map<String, GroupRates> rates = new TreeMap<>();
    double minSelection = Double.POSITIVE_INFINITY;
    double maxSelection = Double.NEGATIVE_INFINITY;
    double minTpr = Double.POSITIVE_INFINITY;
    double maxTpr = Double.NEGATIVE_INFINITY;
    for (Map.Entry<String, long[]> e : counts.entrySet()) {
      long[] c = e.getValue();
      double selection = (double) c[1] / c[0];
      double tpr = c[2] == 0 ? Double.NaN : (double) c[3] / c[2];
      rates.put(e.getKey(), new GroupRates(c[0], selection, tpr));
      minSelection = Math.min(minSelection, selection);
      maxSelection = Math.max(maxSelection, selection);
      if (!Double.isNaN(tpr)) {
        minTpr = Math.min(minTpr, tpr);
        maxTpr = Math.max(maxTpr, tpr);
      }
    }
    double equalOpportunity = minTpr == Double.POSITIVE_INFINITY ? Double.NaN : maxTpr - minTpr;
    double impact = maxSelection == 0 ? Double.NaN : minSelection / maxSelection;
    return new BiasMetrics(rates, maxSelection - minSelection, equalOpportunity, impact);
  }
}
