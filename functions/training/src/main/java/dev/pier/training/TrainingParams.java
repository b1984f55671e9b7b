package dev.pier.training;

import dev.pier.kernel.PierException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * XGBoost's parameters under the names SageMaker's XGBoost algorithm takes: {@code num_round} (boosting rounds,
 * default 100) and {@code early_stopping_rounds} (stop when the validation metric has not improved for that many
 * rounds; 0 = never) are the trainer's; every other name is XGBoost's own ({@code objective}, {@code eta},
 * {@code max_depth}, {@code subsample}, …) and goes to the booster as given. A name XGBoost does not know is a 400
 * naming it (XGBoost itself would only warn and ignore it). {@code nthread} and {@code seed} are set by the trainer
 * unless given.
 *
 * @param booster XGBoost's parameters, in a stable (sorted) order
 */
public record TrainingParams(Map<String, Object> booster, int numRound, int earlyStoppingRounds) {
  static final int DEFAULT_NUM_ROUND = 100;

  /** XGBoost 3.x's parameters (general, tree booster, DART, linear booster, learning task), aliases included. */
  static final Set<String> XGBOOST = Set.of(
      "booster", "device", "verbosity", "validate_parameters", "nthread", "disable_default_eval_metric", "num_feature",
      "eta", "learning_rate", "gamma", "min_split_loss", "max_depth", "min_child_weight", "max_delta_step",
      "subsample", "sampling_method", "colsample_bytree", "colsample_bylevel", "colsample_bynode", "lambda",
      "reg_lambda", "alpha", "reg_alpha", "tree_method", "scale_pos_weight", "updater", "refresh_leaf",
      "process_type", "grow_policy", "max_leaves", "max_bin", "num_parallel_tree", "monotone_constraints",
      "interaction_constraints", "multi_strategy", "max_cached_hist_node", "max_cat_to_onehot", "max_cat_threshold",
      "sample_type", "normalize_type", "rate_drop", "one_drop", "skip_drop", "feature_selector", "top_k",
      "objective", "base_score", "eval_metric", "seed", "random_state", "seed_per_iteration", "num_class",
      "tweedie_variance_power", "huber_slope", "quantile_alpha", "aft_loss_distribution",
      "aft_loss_distribution_scale");

  public TrainingParams {
    booster = Collections.unmodifiableMap(new TreeMap<>(booster));
    if (numRound < 1) {
      throw PierException.badRequest("params.num_round must be at least 1, not " + numRound);
    }
    if (earlyStoppingRounds < 0) {
      throw PierException.badRequest("params.early_stopping_rounds must not be negative");
    }
  }

  /** Parses a job's {@code params}. */
  public static TrainingParams of(Map<String, ?> params) {
    Map<String, Object> booster = new LinkedHashMap<>();
    int numRound = DEFAULT_NUM_ROUND;
    int early = 0;
    for (Map.Entry<String, ?> e : params.entrySet()) {
      String name = e.getKey();
      Object v = e.getValue();
      switch (name) {
        case "num_round", "num_boost_round" -> numRound = integer(name, v);
        case "early_stopping_rounds" -> early = integer(name, v);
        default -> {
          if (!XGBOOST.contains(name)) {
            throw PierException.badRequest("unknown XGBoost parameter '" + name + "'");
          }
          if (v == null || v instanceof Map || v instanceof Iterable) {
            throw PierException.badRequest("params." + name + " must be a number, a string or a boolean");
          }
          booster.put(name, v);
        }
      }
    }
    return new TrainingParams(booster, numRound, early);
  }

  private static int integer(String name, Object v) {
    if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
      return n.intValue();
    }
    if (v instanceof String s) {
      try {
        return Integer.parseInt(s.strip());
      } catch (NumberFormatException e) {
        // refused below
      }
    }
    throw PierException.badRequest("params." + name + " must be a whole number, not " + v);
  }

  /** These params with {@code overrides} (a trial's sampled values, in the same names) on top. */
  public TrainingParams with(Map<String, ?> overrides) {
    Map<String, Object> all = new LinkedHashMap<>(booster);
    all.put("num_round", numRound);
    all.put("early_stopping_rounds", earlyStoppingRounds);
    all.putAll(overrides);
    return of(all);
  }

  public TrainingParams withNumRound(int rounds) {
    return new TrainingParams(booster, rounds, earlyStoppingRounds);
  }

  public TrainingParams withoutEarlyStopping() {
    return new TrainingParams(booster, numRound, 0);
  }

  public String objective() {
    Object o = booster.get("objective");
    return o == null ? "reg:squarederror" : o.toString();
  }

  public Task task() {
    return Task.of(objective());
  }

  /** {@code num_class}, or 0 when not given. */
  public int numClass() {
    Object o = booster.get("num_class");
    return o == null ? 0 : integer("num_class", o);
  }

  /** The whole set in SageMaker's names, as a job or a run records it. */
  public Map<String, Object> asMap() {
    Map<String, Object> out = new TreeMap<>(booster);
    out.put("num_round", numRound);
    if (earlyStoppingRounds > 0) {
      out.put("early_stopping_rounds", earlyStoppingRounds);
    }
    return out;
  }
}
