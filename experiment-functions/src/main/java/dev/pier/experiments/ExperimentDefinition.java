package dev.pier.experiments;

import dev.pier.experiments.flags.Condition;
import dev.pier.experiments.results.AnalysisPlan;
import java.util.List;

/**
 * What an experiment compares and how: arms (the first is control) on {@code model}'s {@code alias}, in a mutually
 * exclusive {@code layer} (one running experiment per model, alias and layer), the metrics and the analysis, and the
 * {@code targeting} conditions (a flag rule's shape, all must hold; empty: every unit) a request must meet to enter.
 * An experiment over a feature flag's variants names the {@code flag} instead of a model and alias (both null): its
 * arms name variants, and evaluating the flag for a unit in it serves the unit's arm's variant and logs its exposure.
 */
public record ExperimentDefinition(String name, String hypothesis, String model, String alias, String layer,
                                   String unit, List<Arm> arms, Metric primary, List<Metric> secondary,
                                   List<Metric> guardrails, Design design, Analysis analysis, Correction correction,
                                   boolean cuped, Auto auto, List<Condition> targeting, String flag) {

  public ExperimentDefinition {
    if (auto == null) auto = Auto.DEFAULT; // stored before automatic decisions existed
    targeting = targeting == null ? List.of() : List.copyOf(targeting); // stored before targeting existed
  }

  /** An experiment on a model's alias (no flag). */
  public ExperimentDefinition(String name, String hypothesis, String model, String alias, String layer, String unit,
      List<Arm> arms, Metric primary, List<Metric> secondary, List<Metric> guardrails, Design design,
      Analysis analysis, Correction correction, boolean cuped, Auto auto, List<Condition> targeting) {
    this(name, hypothesis, model, alias, layer, unit, arms, primary, secondary, guardrails, design, analysis,
        correction, cuped, auto, targeting, null);
  }

  /** Whether the arms are a flag's variants (rather than model versions). */
  public boolean onFlag() {
    return flag != null;
  }

  /** An experiment that every unit may enter (no targeting). */
  public ExperimentDefinition(String name, String hypothesis, String model, String alias, String layer, String unit,
      List<Arm> arms, Metric primary, List<Metric> secondary, List<Metric> guardrails, Design design,
      Analysis analysis, Correction correction, boolean cuped, Auto auto) {
    this(name, hypothesis, model, alias, layer, unit, arms, primary, secondary, guardrails, design, analysis,
        correction, cuped, auto, List.of());
  }

  public AnalysisPlan plan() {
    return new AnalysisPlan(arms, primary, secondary, guardrails, analysis, design.alpha(), correction, cuped);
  }

  public List<Metric> metrics() {
    return plan().allMetrics();
  }

  /**
   * Whether events named {@code metric} count here: a metric's own, or those a percentile metric ranks; never a
   * feedback metric's (its values come from labels joined to predictions, not events).
   */
  public boolean measures(String metric) {
    return metrics().stream().anyMatch(m -> !m.fromFeedback() && (m.name().equals(metric) || metric.equals(m.of())));
  }
}
