package dev.pier.training;

import java.util.List;

/**
 * A cross-validated score: the metric of each fold's model on its validation rows at the best round, their mean and
 * standard deviation (population, ddof = 0: what {@code xgb.cv} and scikit-learn's {@code cv_results_} report), and
 * the folds' mean after every round.
 *
 * @param bestRound the round (from 0) the trial is scored at: with early stopping the round with the best mean (where
 *     the search stopped less the patience), without it the last round. A refit on all training rows takes
 *     {@code bestRound + 1} rounds.
 */
public record CvResult(String metric, double mean, double std, List<Double> folds, List<Double> meanHistory,
    int bestRound) {}
