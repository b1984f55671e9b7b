package dev.pier.training.cost;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.pier.training.jobs.TrainingJob;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Training cost totals over the jobs created since a time, for one project or all: per project and per job, with the
 * spot savings; {@code over_budget} lists the projects whose total passed their configured budget.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CostReport(String project, Instant since, int jobs, double totalUsd, double computeUsd,
    double stepFunctionsUsd, double spotSavingsUsd, double instanceSeconds, Map<String, Double> byProject,
    List<JobCost> byJob, List<String> overBudget, double s3Usd) {

  /** One job's line. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record JobCost(String id, String name, String project, String state, String instanceType, boolean spot,
      double totalUsd, Instant createdAt) {}

  public static CostReport of(List<TrainingJob> all, String project, Instant since, Map<String, Double> budgets) {
    List<TrainingJob> jobs = all.stream()
        .filter(j -> project == null || j.project().equals(project))
        .filter(j -> since == null || !j.createdAt().isBefore(since))
        .toList();
    double total = 0;
    double compute = 0;
    double transitions = 0;
    double savings = 0;
    double seconds = 0;
    double s3 = 0;
    Map<String, Double> byProject = new TreeMap<>();
    for (TrainingJob j : jobs) {
      var c = j.cost();
      total += c.totalUsd();
      compute += c.computeUsd();
      transitions += c.stepFunctionsUsd();
      savings += c.spotSavingsUsd();
      seconds += c.instanceSeconds();
      s3 += c.s3Usd();
      byProject.merge(j.project(), c.totalUsd(), Double::sum);
    }
    byProject.replaceAll((k, v) -> round(v));
    List<String> over = byProject.entrySet().stream()
        .filter(e -> budgets.containsKey(e.getKey()) && e.getValue() > budgets.get(e.getKey()))
        .map(Map.Entry::getKey).toList();
    return new CostReport(project, since, jobs.size(), round(total), round(compute), round(transitions),
        round(savings), Math.round(seconds * 1000) / 1000.0, byProject,
        jobs.stream().map(j -> new JobCost(j.id(), j.name(), j.project(), j.state().name(), j.cost().instanceType(),
            j.cost().spot(), j.cost().totalUsd(), j.createdAt())).toList(), over, round(s3));
  }

  private static double round(double usd) {
    return Math.round(usd * 1e6) / 1e6;
  }
}
