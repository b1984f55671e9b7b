package dev.pier.training.tuning;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The Tree-structured Parzen Estimator as Optuna's {@code TPESampler} runs it with its defaults (independent, one
 * parameter at a time): the first {@code nStartupTrials} (10) trials are sampled at random; after that the finished
 * trials are ranked — complete ones by value, then pruned ones by how far they got and their last intermediate value —
 * and split into the best {@code γ(n) = min(⌈0.1 n⌉, 25)} ("below") and the rest ("above"); a Parzen estimator is
 * fitted to each ({@link ParzenEstimator}, weights ramping down for the oldest beyond 25), {@code nEiCandidates} (24)
 * values are drawn from the "below" density l(x), and the one maximizing l(x) / g(x) (the expected improvement) is
 * taken. Failed trials are ignored.
 */
public record TpeSampler(long seed, boolean maximize, int nStartupTrials, int nEiCandidates) implements Sampler {
  public static final int N_STARTUP_TRIALS = 10;
  public static final int N_EI_CANDIDATES = 24;

  public TpeSampler(long seed, boolean maximize) {
    this(seed, maximize, N_STARTUP_TRIALS, N_EI_CANDIDATES);
  }

  /** Optuna's {@code default_gamma}. */
  static int gamma(int n) {
    return Math.min((int) Math.ceil(0.1 * n), 25);
  }

  @Override
  public Map<String, Object> sample(SearchSpace space, List<Trial> history, int number) {
    Random rng = Sampler.rng(seed, number);
    List<Trial> observed = history.stream()
        .filter(t -> t.state() == TrialState.COMPLETE && t.value() != null || t.state() == TrialState.PRUNED)
        .toList();
    Map<String, Object> out = new LinkedHashMap<>();
    if (observed.size() < nStartupTrials) {
      space.params().forEach((name, dist) -> out.put(name, dist.toExternal(RandomSampler.sample(dist, rng))));
      return out;
    }
    int[][] split = split(observed, gamma(observed.size()), maximize);
    space.params().forEach((name, dist) -> {
      double[] below = values(observed, split[0], name, dist);
      double[] above = values(observed, split[1], name, dist);
      out.put(name, dist.toExternal(best(new ParzenEstimator(below, dist), new ParzenEstimator(above, dist), rng)));
    });
    return out;
  }

  private double best(ParzenEstimator below, ParzenEstimator above, Random rng) {
    double[] candidates = below.sample(rng, nEiCandidates);
    double best = candidates[0];
    double bestScore = Double.NEGATIVE_INFINITY;
    for (double c : candidates) {
      double score = below.logPdf(c) - above.logPdf(c);
      if (score > bestScore) { // the first maximum, as numpy's argmax
        bestScore = score;
        best = c;
      }
    }
    return best;
  }

  /**
   * Optuna's {@code _split_observation_pairs}: indices (into {@code observed}) of the {@code nBelow} best and of the
   * rest, each in trial order. Trials rank by (−∞ for complete or −last step for pruned, signed value), stably.
   */
  static int[][] split(List<Trial> observed, int nBelow, boolean maximize) {
    int n = observed.size();
    double[] stepKey = new double[n];
    double[] score = new double[n];
    double sign = maximize ? -1 : 1;
    for (int i = 0; i < n; i++) {
      Trial t = observed.get(i);
      if (t.state() == TrialState.COMPLETE) {
        stepKey[i] = Double.NEGATIVE_INFINITY;
        score[i] = sign * t.value();
      } else if (!t.intermediate().isEmpty()) {
        int step = t.intermediate().lastKey();
        double v = t.intermediate().get(step);
        stepKey[i] = -step;
        score[i] = Double.isNaN(v) ? Double.POSITIVE_INFINITY : sign * v;
      } else {
        stepKey[i] = 1;
        score[i] = 0;
      }
    }
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> stepKey[a] != stepKey[b] ? Double.compare(stepKey[a], stepKey[b])
        : Double.compare(score[a], score[b]));
    int cut = Math.min(nBelow, n);
    int[] below = Arrays.stream(order, 0, cut).mapToInt(Integer::intValue).sorted().toArray();
    int[] above = Arrays.stream(order, cut, n).mapToInt(Integer::intValue).sorted().toArray();
    return new int[][] {below, above};
  }

  /** The internal values of {@code name} among the given trials that have one in the distribution. */
  private static double[] values(List<Trial> observed, int[] indices, String name, Distribution dist) {
    List<Double> out = new ArrayList<>();
    for (int i : indices) {
      Object v = observed.get(i).params().get(name);
      if (v != null && dist.contains(v)) {
        out.add(dist.toInternal(v));
      }
    }
    return out.stream().mapToDouble(Double::doubleValue).toArray();
  }
}
