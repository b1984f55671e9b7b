package dev.pier.experiments.results;

import dev.pier.experiments.Analysis;
import dev.pier.experiments.Arm;
import dev.pier.experiments.Correction;
import dev.pier.experiments.Metric;
import java.util.ArrayList;
import java.util.List;

/** What results are computed from an experiment's definition: arms (first = control), metrics and the method. */
public record AnalysisPlan(List<Arm> arms, Metric primary, List<Metric> secondary, List<Metric> guardrails,
                           Analysis analysis, double alpha, Correction correction, boolean cuped) {

  public List<Metric> allMetrics() {
    List<Metric> all = new ArrayList<>();
    all.add(primary);
    all.addAll(secondary);
    all.addAll(guardrails);
    return all;
  }
}
