package dev.pier.experiments;

import dev.pier.experiments.results.AnalysisPlan;
import java.util.List;

/**
 * What an experiment compares and how: arms (the first is control) on {@code model}'s {@code alias}, in a mutually
 * exclusive {@code layer} (one running experiment per model, alias and layer), the metrics and the analysis.
 */
public record ExperimentDefinition(String name, String hypothesis, String model, String alias, String layer,
                                   String unit, List<Arm> arms, Metric primary, List<Metric> secondary,
                                   List<Metric> guardrails, Design design, Analysis analysis, Correction correction,
                                   boolean cuped, Auto auto) {

  public ExperimentDefinition {
    if (auto == null) auto = Auto.DEFAULT; // stored before automatic decisions existed
  }

  public AnalysisPlan plan() {
    return new AnalysisPlan(arms, primary, secondary, guardrails, analysis, design.alpha(), correction, cuped);
  }

  public List<Metric> metrics() {
    return plan().allMetrics();
  }

  public boolean measures(String metric) {
    return metrics().stream().anyMatch(m -> m.name().equals(metric));
  }
}
