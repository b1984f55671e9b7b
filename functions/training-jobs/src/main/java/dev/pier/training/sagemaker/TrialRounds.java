package dev.pier.training.sagemaker;

import java.util.ArrayList;
import java.util.List;

/**
 * A SageMaker trial's history from its folds' round logs, as a trial in the worker keeps it
 * ({@code dev.pier.training.CrossValidator}): the folds' mean after each round, over the rounds every fold logged (a
 * fold that stopped early ends the mean there), and the best round: with early stopping the round whose mean was best
 * (the earliest on ties), without it the last round trained.
 *
 * @param mean the folds' mean metric by round from 0
 * @param folds each fold's metric by round
 * @param bestRound the round (from 0) the refit trains to ({@code bestRound + 1} rounds)
 */
public record TrialRounds(List<Double> mean, List<List<Double>> folds, int bestRound) {
  public static TrialRounds of(List<List<Double>> folds, boolean greaterIsBetter, boolean earlyStopping) {
    int rounds = folds.stream().mapToInt(List::size).min().orElse(0);
    if (rounds == 0) {
      throw new IllegalArgumentException("no round every fold logged");
    }
    List<Double> mean = new ArrayList<>(rounds);
    int best = 0;
    for (int r = 0; r < rounds; r++) {
      double sum = 0;
      for (List<Double> f : folds) {
        sum += f.get(r);
      }
      mean.add(sum / folds.size());
      if (greaterIsBetter ? mean.get(r) > mean.get(best) : mean.get(r) < mean.get(best)) {
        best = r;
      }
    }
    return new TrialRounds(List.copyOf(mean), folds.stream().map(List::copyOf).toList(),
        earlyStopping ? best : rounds - 1);
  }
}
