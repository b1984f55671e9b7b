package dev.pier.experiments.stats;

/**
 * A Bayesian comparison of treatment with control: the posterior probability that treatment's mean is higher
 * ({@code chanceToWin}), the expected loss of shipping each arm ({@code E[max(other - chosen, 0)]}, in the metric's
 * units) and a credible interval for the absolute lift.
 */
public record Bayesian(double chanceToWin, double expectedLossTreatment, double expectedLossControl,
                       Interval credibleInterval) {}
