package dev.pier.experiments;

/** Which inference the results lead with. */
public enum Analysis {
  /** Fixed horizon: z-test (binary) or Welch's t-test (continuous); valid at the designed sample size only. */
  FREQUENTIST,
  /** Always-valid p-values and confidence sequences: look as often as you like. */
  SEQUENTIAL,
  /** Chance to win and expected loss (Beta-Binomial for binary metrics, normal for continuous ones). */
  BAYESIAN
}
