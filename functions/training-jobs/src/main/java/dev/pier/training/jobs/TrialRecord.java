package dev.pier.training.jobs;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;
import java.util.Map;

/**
 * One trial of a job's search: its number, the params it tried, and once finished its cross-validated score or its
 * error. Written when suggested (RUNNING) and once more when finished — a finished trial is never run again.
 *
 * @param state RUNNING, SUCCEEDED, FAILED or PRUNED
 * @param history the folds' mean metric after each boosting round
 * @param bestRound the round (from 0) with the best mean; the refit trains {@code bestRound + 1} rounds
 * @param seconds instance time (a SageMaker trial's: the seconds SageMaker billed, over its folds)
 * @param savedSeconds a SageMaker trial's training time that was not billed (managed spot's saving); null locally
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TrialRecord(int number, Map<String, Object> params, String state, Double cvMean, Double cvStd,
    List<Double> folds, List<Double> history, Integer bestRound, String error, String runId, double seconds,
    double costUsd, Double savedSeconds) {

  public TrialRecord(int number, Map<String, Object> params, String state, Double cvMean, Double cvStd,
      List<Double> folds, List<Double> history, Integer bestRound, String error, String runId, double seconds,
      double costUsd) {
    this(number, params, state, cvMean, cvStd, folds, history, bestRound, error, runId, seconds, costUsd, null);
  }

  public boolean finished() {
    return !"RUNNING".equals(state);
  }

  public TrialRecord withRun(String run) {
    return new TrialRecord(number, params, state, cvMean, cvStd, folds, history, bestRound, error, run, seconds,
        costUsd, savedSeconds);
  }
}
