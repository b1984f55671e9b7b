package dev.pier.training.tuning;

import java.util.List;

/**
 * Where a search keeps its trials, so that a search can be resumed after its process died: a trial found finished is
 * never run again, one found RUNNING (its process died with it) is run again with the same number and params.
 * {@link InMemoryTrialStore} keeps them for one process; the jobs API backs this with DynamoDB.
 *
 * <p>Implementations must be thread-safe: parallel trials start and finish concurrently.
 */
public interface TrialStore {
  /** Every trial of the search, by number. */
  List<Trial> trials();

  /**
   * Records a new trial (state RUNNING) unless one with its number exists — a conditional put, so two workers never
   * run the same number.
   *
   * @return false if the number was taken
   */
  boolean start(Trial running);

  /** Records a trial's end (COMPLETE, PRUNED or FAIL), replacing its RUNNING record. */
  void finish(Trial finished);
}
