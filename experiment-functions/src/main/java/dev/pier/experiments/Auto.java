package dev.pier.experiments;

/**
 * The experiment's automatic decisions, taken by each analysis ({@link ExperimentAnalyzer}): stop and return the alias
 * to control when a guardrail is breached ({@code stopOnGuardrail}, on by default, at any time), and, when
 * {@code promote} is on, promote a winner once the experiment has run {@code minDays} and every arm has
 * {@code minUnitsPerArm} units (0: the design's sample size). A winner is, by analysis: sequential, an always-valid
 * p-value below alpha in the metric's good direction; frequentist, the same at or after the designed sample size
 * (fixed horizon: one look); Bayesian, a chance to win of at least {@code chanceToWin}. An experiment that reaches its
 * designed sample size and the minimum duration without a winner is stopped with control kept.
 */
public record Auto(boolean promote, boolean stopOnGuardrail, int minDays, long minUnitsPerArm, double chanceToWin) {

  public static final Auto DEFAULT = new Auto(false, true, 7, 0, 0.95);
}
