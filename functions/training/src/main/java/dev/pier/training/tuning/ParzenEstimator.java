package dev.pier.training.tuning;

import java.util.Arrays;
import java.util.Random;

/**
 * TPE's density of one parameter over a set of observed values: a mixture of one kernel per observation plus a prior
 * kernel, as Optuna's univariate {@code _ParzenEstimator} with its defaults ({@code consider_prior},
 * {@code prior_weight = 1}, {@code consider_magic_clip}, not {@code consider_endpoints}). Numbers get truncated
 * normal kernels in the distribution's (log-)space — each kernel's width the larger gap to its sorted neighbours,
 * clipped to [range / min(100, 1 + kernels), range] — discrete ones (int, stepped float) integrated over their
 * step; categorical values get a smoothed one-hot kernel.
 * Equal to Optuna's (3.1 and its later releases) kernel for kernel: see {@code TpeSamplerTest}.
 */
final class ParzenEstimator {
  private final Distribution dist;
  private final double[] weights;
  // numeric
  private double low;
  private double high;
  private Double q;
  private double[] mus;
  private double[] sigmas;
  // categorical
  private double[][] categoryWeights;

  /** @param observations internal values (choice indices for categorical ones) */
  ParzenEstimator(double[] observations, Distribution dist) {
    this.dist = dist;
    int n = observations.length;
    double[] w = defaultWeights(n);
    weights = Arrays.copyOf(w, n + 1);
    weights[n] = 1.0; // prior_weight
    double sum = 0;
    for (double v : weights) {
      sum += v;
    }
    for (int i = 0; i < weights.length; i++) {
      weights[i] /= sum;
    }
    if (dist instanceof Distribution.Categorical c) {
      int k = c.choices().size();
      categoryWeights = new double[n + 1][k];
      for (int i = 0; i <= n; i++) {
        Arrays.fill(categoryWeights[i], 1.0 / (n + 1));
        if (i < n) {
          categoryWeights[i][(int) observations[i]] += 1;
        }
        double rowSum = 0;
        for (double v : categoryWeights[i]) {
          rowSum += v;
        }
        for (int j = 0; j < k; j++) {
          categoryWeights[i][j] /= rowSum;
        }
      }
      return;
    }
    bounds();
    double[] obs = new double[n];
    for (int i = 0; i < n; i++) {
      obs[i] = transform(observations[i]);
    }
    numericKernels(obs);
  }

  /** Optuna's {@code default_weights}: 1 each below 25 observations, else a ramp up to 1 for all but the last 25. */
  static double[] defaultWeights(int x) {
    if (x < 25) {
      double[] ones = new double[x];
      Arrays.fill(ones, 1.0);
      return ones;
    }
    int num = x - 25;
    double[] out = new double[x];
    double start = 1.0 / x;
    if (num == 1) {
      out[0] = start;
    } else if (num > 1) {
      double step = (1.0 - start) / (num - 1);
      for (int i = 0; i < num; i++) {
        out[i] = start + i * step;
      }
      out[num - 1] = 1.0;
    }
    Arrays.fill(out, num, x, 1.0);
    return out;
  }

  private boolean isLog() {
    return dist instanceof Distribution.IntRange r && r.log() || dist instanceof Distribution.FloatRange f && f.log();
  }

  private void bounds() {
    switch (dist) {
      case Distribution.FloatRange f -> {
        if (f.log()) {
          low = Math.log(f.low());
          high = Math.log(f.high());
        } else if (f.step() != null) {
          q = f.step();
          low = f.low() - 0.5 * q;
          high = f.high() + 0.5 * q;
        } else {
          low = f.low();
          high = f.high();
        }
      }
      case Distribution.IntRange r -> {
        if (r.log()) {
          low = Math.log(r.low() - 0.5);
          high = Math.log(r.high() + 0.5);
        } else {
          q = (double) r.step();
          low = r.low() - 0.5 * q;
          high = r.high() + 0.5 * q;
        }
      }
      case Distribution.Categorical c -> throw new IllegalStateException();
    }
  }

  private double transform(double v) {
    return isLog() ? Math.log(v) : v;
  }

  private void numericKernels(double[] obs) {
    int n = obs.length;
    double priorMu = 0.5 * (low + high);
    double priorSigma = high - low;
    mus = Arrays.copyOf(obs, n + 1);
    mus[n] = priorMu;
    sigmas = new double[n + 1];
    // Stable: numpy's argsort, which Optuna uses, keeps ties in order up to 16 values; beyond, its order of tied values
    // (and so which of them gets which neighbour gap as its width) depends on numpy's build and CPU.
    Integer[] order = new Integer[n + 1];
    for (int i = 0; i <= n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Double.compare(mus[a], mus[b]));
    double[] withEnds = new double[n + 3];
    withEnds[0] = low;
    for (int i = 0; i <= n; i++) {
      withEnds[i + 1] = mus[order[i]];
    }
    withEnds[n + 2] = high;
    double[] sorted = new double[n + 1];
    for (int i = 0; i <= n; i++) {
      sorted[i] = Math.max(withEnds[i + 1] - withEnds[i], withEnds[i + 2] - withEnds[i + 1]);
    }
    if (withEnds.length >= 4) { // not consider_endpoints
      sorted[0] = withEnds[2] - withEnds[1];
      sorted[n] = withEnds[n + 1] - withEnds[n];
    }
    for (int i = 0; i <= n; i++) {
      sigmas[order[i]] = sorted[i];
    }
    double maxSigma = high - low;
    double minSigma = (high - low) / Math.min(100.0, 1.0 + mus.length);
    for (int i = 0; i <= n; i++) {
      sigmas[i] = Math.min(Math.max(sigmas[i], minSigma), maxSigma);
    }
    sigmas[n] = priorSigma;
  }

  double[] mus() {
    return mus;
  }

  double[] sigmas() {
    return sigmas;
  }

  double[] weights() {
    return weights;
  }

  /** {@code size} values (internal form) drawn from the mixture: the kernels first, then each value. */
  double[] sample(Random rng, int size) {
    double[] cdf = new double[weights.length];
    double acc = 0;
    for (int i = 0; i < weights.length; i++) {
      acc += weights[i];
      cdf[i] = acc;
    }
    int[] active = new int[size];
    for (int s = 0; s < size; s++) {
      double u = rng.nextDouble() * cdf[cdf.length - 1];
      int k = 0;
      while (k < cdf.length - 1 && cdf[k] <= u) {
        k++;
      }
      active[s] = k;
    }
    double[] out = new double[size];
    for (int s = 0; s < size; s++) {
      int k = active[s];
      if (categoryWeights != null) {
        double u = rng.nextDouble();
        double cum = 0;
        int index = 0;
        for (double p : categoryWeights[k]) {
          cum += p;
          if (cum < u) {
            index++;
          }
        }
        out[s] = Math.min(index, categoryWeights[k].length - 1);
      } else {
        double a = (low - mus[k]) / sigmas[k];
        double b = (high - mus[k]) / sigmas[k];
        out[s] = untransform(TruncatedNormal.ppf(rng.nextDouble(), a, b) * sigmas[k] + mus[k]);
      }
    }
    return out;
  }

  private double untransform(double x) {
    return switch (dist) {
      case Distribution.FloatRange f -> f.log() ? Math.exp(x) : f.step() == null ? x
          : clip(Math.rint((x - f.low()) / q) * q + f.low(), f.low(), f.high());
      case Distribution.IntRange r -> r.log() ? clip(Math.rint(Math.exp(x)), r.low(), r.high())
          : clip(Math.rint((x - r.low()) / q) * q + r.low(), r.low(), r.high());
      case Distribution.Categorical c -> x;
    };
  }

  private static double clip(double v, double lo, double hi) {
    return Math.min(Math.max(v, lo), hi);
  }

  /** The mixture's log density (log mass for discrete values) at an internal value. */
  double logPdf(double value) {
    if (categoryWeights != null) {
      double p = 0;
      for (int k = 0; k < weights.length; k++) {
        p += weights[k] * categoryWeights[k][(int) value];
      }
      return Math.log(p);
    }
    double x = transform(value);
    double[] terms = new double[weights.length];
    double max = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < weights.length; k++) {
      double lp;
      if (q == null) {
        lp = TruncatedNormal.logPdf(x, mus[k], sigmas[k], low, high);
      } else {
        double upper = Math.min(x + q / 2, high);
        double lower = Math.max(x - q / 2, low);
        lp = TruncatedNormal.logGaussMass((lower - mus[k]) / sigmas[k], (upper - mus[k]) / sigmas[k])
            - TruncatedNormal.logGaussMass((low - mus[k]) / sigmas[k], (high - mus[k]) / sigmas[k]);
      }
      terms[k] = lp + Math.log(weights[k]);
      max = Math.max(max, terms[k]);
    }
    if (max == Double.NEGATIVE_INFINITY) {
      return max;
    }
    double sum = 0;
    for (double t : terms) {
      sum += Math.exp(t - max);
    }
    return Math.log(sum) + max;
  }
}
