package dev.pier.api.batch;

import dev.pier.batch.ExperimentArms;
import dev.pier.experiments.Experiments;
import dev.pier.experiments.assignment.Assignment;
import dev.pier.experiments.assignment.ExperimentAssigner;
import java.util.List;

/**
 * The batch worker's view of the running experiments: the prediction pipeline's own {@link ExperimentAssigner} (same
 * snapshot, hash, layers and holdouts as online assignment) and the experiments' ledger for a chunk's exposures
 * ({@link Experiments#writeExposures}, stored once per batch id).
 */
final class AssignerArms implements ExperimentArms {
  private final ExperimentAssigner assigner;
  private final Experiments experiments;

  AssignerArms(ExperimentAssigner assigner, Experiments experiments) {
    this.assigner = assigner;
    this.experiments = experiments;
  }

  @Override
  public boolean running(String model, String alias) {
    return assigner.running(model, alias);
  }

  @Override
  public Arm arm(String model, String alias, String unit) {
    Assignment a = assigner.arm(model, alias, unit);
    return a == null ? null : new Arm(a.experiment(), a.arm(), a.version());
  }

  @Override
  public Arm arm(String model, String alias, String unit, java.util.Map<String, Object> attributes) {
    java.util.Map<String, com.fasterxml.jackson.databind.JsonNode> json = new java.util.HashMap<>();
    attributes.forEach((name, value) -> json.put(name, JSON.valueToTree(value))); // as X-Pier-Attributes' JSON
    Assignment a = assigner.arm(model, alias, unit, json);
    return a == null ? null : new Arm(a.experiment(), a.arm(), a.version());
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();

  @Override
  public List<Integer> versions(String model, String alias) {
    return assigner.versions(model, alias);
  }

  @Override
  public void expose(String experiment, String batchId, List<Object[]> rows) {
    experiments.writeExposures(experiment, batchId, rows);
  }
}
