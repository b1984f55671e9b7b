package dev.pier.experiments;

import dev.pier.experiments.Decision.Action;
import dev.pier.experiments.results.ExperimentResults;
import dev.pier.experiments.results.ExperimentResults.Comparison;
import dev.pier.experiments.results.ExperimentResults.MetricResult;
import java.time.Duration;
import java.time.Instant;

/**
 * Decides what an analysis does with a running experiment's results, by its {@link Auto} policy (the rules are
 * documented there). In order: a sample ratio mismatch holds everything; a breached guardrail stops; then, with
 * promotion on and the minimum duration and units reached, the primary metric's best winning arm is promoted; an
 * experiment past its designed sample size without a winner, or whose treatments all lose, is stopped with control.
 * Pure: the same inputs give the same decision.
 */
public final class DecisionPolicy {

  public Decision decide(Experiment e, ExperimentResults r, Instant now) {
    ExperimentDefinition d = e.definition();
    Auto auto = d.auto();
    if (r.srm().flagged()) {
      return of(Action.HOLD, null, null, String.format("sample ratio mismatch (p = %.2g < 0.001): no automatic"
          + " decision on these results", r.srm().pValue()));
    }
    if (auto.stopOnGuardrail()) {
      for (MetricResult m : r.metrics()) {
        if (!m.role().equals("guardrail")) continue;
        for (Comparison c : m.comparisons()) {
          if (Boolean.TRUE.equals(c.breached())) {
            return of(Action.STOP_GUARDRAIL, c.arm(), version(d, c.arm()), String.format(
                "guardrail '%s' breached by arm '%s': relative change %s (interval %s), allowed %.2f%%",
                m.metric(), c.arm(), percent(c.relativeLift()), c.relativeCi(), 100 * maxHarm(d, m.metric())));
          }
        }
      }
    }
    if (!auto.promote()) return of(Action.CONTINUE, null, null, "automatic promotion is off");
    long days = e.startedAt() == null ? 0 : Duration.between(e.startedAt(), now).toDays();
    if (days < auto.minDays()) {
      return of(Action.CONTINUE, null, null, "running " + days + " of at least " + auto.minDays() + " days");
    }
    long minUnits = d.analysis() == Analysis.FREQUENTIST
        ? Math.max(auto.minUnitsPerArm(), e.sampleSizePerArm()) : auto.minUnitsPerArm();
    long fewest = r.arms().stream().mapToLong(ExperimentResults.ArmUnits::units).min().orElse(0);
    if (fewest < minUnits) {
      return of(Action.CONTINUE, null, null, "the smallest arm has " + fewest + " of " + minUnits + " units");
    }
    MetricResult primary = r.metrics().get(0);
    Comparison best = null;
    int losers = 0;
    for (Comparison c : primary.comparisons()) {
      if (c.lift() == null) continue;
      boolean better = d.primary().higherIsBetter() ? c.lift() > 0 : c.lift() < 0;
      boolean decisive = d.analysis() == Analysis.BAYESIAN ? c.chanceToWin() >= auto.chanceToWin()
          : c.pValue() < d.design().alpha();
      boolean losing = d.analysis() == Analysis.BAYESIAN ? c.chanceToWin() <= 1 - auto.chanceToWin()
          : c.pValue() < d.design().alpha() && !better;
      if (losing) losers++;
      if ((d.analysis() == Analysis.BAYESIAN || better) && decisive
          && (best == null || c.chanceToWin() > best.chanceToWin())) {
        best = c;
      }
    }
    if (best != null) {
      return of(Action.PROMOTE, best.arm(), version(d, best.arm()), String.format(
          "arm '%s' wins on '%s': relative lift %s (interval %s), p = %s, chance to win %.4f", best.arm(),
          primary.metric(), percent(best.relativeLift()), best.relativeCi(), best.pValue(), best.chanceToWin()));
    }
    if (losers == primary.comparisons().size()) {
      return of(Action.STOP_NO_WINNER, null, null, "every treatment is worse than control on '" + primary.metric()
          + "'");
    }
    if (fewest >= e.sampleSizePerArm()) {
      return of(Action.STOP_NO_WINNER, null, null, "the designed sample size (" + e.sampleSizePerArm()
          + " per arm) is reached without a winner");
    }
    return of(Action.CONTINUE, null, null, "no winner yet");
  }

  private static String percent(Double relative) {
    return relative == null ? "n/a" : String.format("%+.2f%%", 100 * relative);
  }

  private static Decision of(Action action, String arm, Integer version, String reason) {
    return new Decision(action, arm, version, reason, null, false, null);
  }

  private static Integer version(ExperimentDefinition d, String arm) {
    return d.arms().stream().filter(a -> a.name().equals(arm)).findFirst().map(Arm::version).orElse(null);
  }

  private static double maxHarm(ExperimentDefinition d, String metric) {
    return d.guardrails().stream().filter(m -> m.name().equals(metric)).findFirst()
        .map(m -> m.maxRelativeHarm() == null ? 0.0 : m.maxRelativeHarm()).orElse(0.0);
  }
}
