package dev.pier.training;

import java.util.List;

/**
 * A trained booster in XGBoost's UBJ format (what {@code save_model("model.ubj")} writes), which Pier's
 * {@code xgboost} framework serves as it is.
 *
 * @param sha256 the model bytes' SHA-256 (hex); the same table, rows, params and seed give the same value
 * @param rounds the boosting rounds it holds
 * @param history the validation metric after each round (empty when trained without validation rows)
 * @param bestRound the round (from 0) with the best validation metric, or {@code rounds - 1} without validation
 */
public record TrainedModel(byte[] model, String sha256, int rounds, List<Double> history, int bestRound) {
  public static final String FORMAT = "ubj";

  /** The best validation metric, or NaN without validation rows. */
  public double bestScore() {
    return history.isEmpty() ? Double.NaN : history.get(bestRound);
  }
}
