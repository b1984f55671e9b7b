package dev.pier.batch;

import java.util.List;

/**
 * What a job scored under an experiment asks about its rows ({@code "unit_column"}): the arm of each row's unit on the
 * job's model alias, decided by the experiments module with the very hash online assignment uses (so a unit gets the
 * same arm online and in batch), and where a chunk's exposures are stored — once per batch id, so a chunk scored
 * again after a crash or a retry stores nothing twice.
 */
public interface ExperimentArms {

  /** A unit's arm: the experiment, the arm's name and its version ({@link #BASELINE}: the alias's own version). */
  record Arm(String experiment, String name, int version) {}

  /** The version of a held-out unit's arm: the job's own (the alias's) version scores it. */
  int BASELINE = 0;

  /** Whether an experiment runs on {@code model}'s {@code alias} now. */
  boolean running(String model, String alias);

  /** The unit's arm on {@code model}'s {@code alias}, or null when no experiment runs there (now). Logs nothing. */
  Arm arm(String model, String alias, String unit);

  /**
   * As {@link #arm(String, String, String)} for a unit with targeting {@code attributes} (strings, numbers, booleans;
   * null: none), checked against the experiment's targeting as online requests' attributes are: null also when they
   * do not qualify the unit.
   */
  default Arm arm(String model, String alias, String unit, java.util.Map<String, Object> attributes) {
    return arm(model, alias, unit);
  }

  /** The versions the arms running on {@code model}'s {@code alias} serve (ascending); empty when none runs there. */
  default List<Integer> versions(String model, String alias) {
    return List.of();
  }

  /** Stores exposures ({@code [unit, arm, epochMillis]} rows) of one experiment once per {@code batchId}. */
  void expose(String experiment, String batchId, List<Object[]> rows);

  /** Where no experiments module is wired: no experiment runs anywhere. */
  ExperimentArms NONE = new ExperimentArms() {
    @Override
    public boolean running(String model, String alias) {
      return false;
    }

    @Override
    public Arm arm(String model, String alias, String unit) {
      return null;
    }

    @Override
    public void expose(String experiment, String batchId, List<Object[]> rows) {
      throw new IllegalStateException("no experiments module to store exposures in");
    }
  };
}
