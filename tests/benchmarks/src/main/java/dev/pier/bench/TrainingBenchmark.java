package dev.pier.bench;

import dev.pier.training.CrossValidator;
import dev.pier.training.Holdout;
import dev.pier.training.Metric;
import dev.pier.training.Split;
import dev.pier.training.StratifiedKFold;
import dev.pier.training.TrainingParams;
import dev.pier.training.TrainingTable;
import dev.pier.training.XGBoostTrainer;
import dev.pier.training.tuning.InMemoryTrialStore;
import dev.pier.training.tuning.Objective;
import dev.pier.training.tuning.Pruner;
import dev.pier.training.tuning.RandomSampler;
import dev.pier.training.tuning.Sampler;
import dev.pier.training.tuning.SearchSpace;
import dev.pier.training.tuning.TpeSampler;
import dev.pier.training.tuning.TrialState;
import dev.pier.training.tuning.Tuner;
import dev.pier.training.tuning.TuningConfig;
import dev.pier.training.tuning.TuningResult;
import dev.pier.training.tuning.XGBoostObjective;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Issue #17's training figures, the library in-process (no HTTP, no workflow): a deterministic table of
 * {@code rows × features} (default 100,000 × 50, binary label), a stratified 20 % holdout, 5-fold stratified CV of
 * XGBoost ({@code binary:logistic}, {@code num_round} 60, {@code nthread} 1), a search of {@code trials} (20) trials,
 * {@code parallel} (2) at once, over max_depth, eta, subsample, colsample_bytree and min_child_weight:
 * <ol>
 *   <li>the wall time of one TPE search (seed 1);
 *   <li>TPE's and random search's best CV AUC over {@code seeds} (5) seeds each (skipped with seeds = 0).
 * </ol>
 * Run: {@code ./pier bench training}. Arguments: {@code [rows] [features] [trials] [parallel] [seeds]}.
 */
public final class TrainingBenchmark {
  public static void main(String[] args) {
    int rows = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int features = args.length > 1 ? Integer.parseInt(args[1]) : 50;
    int trials = args.length > 2 ? Integer.parseInt(args[2]) : 20;
    int parallel = args.length > 3 ? Integer.parseInt(args[3]) : 2;
    int seeds = args.length > 4 ? Integer.parseInt(args[4]) : 5;
    long t0 = System.nanoTime();
    TrainingTable table = table(rows, features, 2026);
    Split holdout = new Holdout(0.2, Holdout.Mode.STRATIFIED, 1).split(table);
    List<Split> folds = new StratifiedKFold(5, true, 1).split(table, holdout.train());
    System.out.printf("table: %,d rows x %d features generated in %.1f s; %,d training rows, 5 folds%n", rows, features,
        (System.nanoTime() - t0) / 1e9, holdout.train().length);

    long start = System.nanoTime();
    TuningResult tpe = search(table, folds, "tpe", 1, trials, parallel);
    double wall = (System.nanoTime() - start) / 1e9;
    System.out.printf("TPE search, %d trials, %d in parallel (nthread 1 each): %.1f s wall, %.1f s per trial; "
        + "best CV AUC %.5f (+/- %.5f), %d pruned%n", trials, parallel, wall, wall * parallel / trials,
        tpe.best().value(), tpe.best().cv().std(), count(tpe, TrialState.PRUNED));

    if (seeds > 0) {
      List<Double> tpeBest = new ArrayList<>();
      List<Double> randomBest = new ArrayList<>();
      for (long seed = 1; seed <= seeds; seed++) {
        double t = seed == 1 ? tpe.best().value() : search(table, folds, "tpe", seed, trials, parallel).best().value();
        double r = search(table, folds, "random", seed, trials, parallel).best().value();
        tpeBest.add(t);
        randomBest.add(r);
        System.out.printf("  seed %d: TPE %.5f  random %.5f%n", seed, t, r);
      }
      System.out.printf("best CV AUC at %d trials, mean over %d seeds: TPE %.5f, random %.5f%n", trials, seeds,
          mean(tpeBest), mean(randomBest));
    }
    System.out.printf("(%.1f s in all)%n", (System.nanoTime() - t0) / 1e9);
  }

  static TuningResult search(TrainingTable table, List<Split> folds, String strategy, long seed, int trials,
      int parallel) {
    SearchSpace space = SearchSpace.parse(Map.of(
        "max_depth", Map.of("type", "int", "low", 2, "high", 8),
        "eta", Map.of("type", "float", "low", 0.01, "high", 0.3, "log", true),
        "subsample", Map.of("type", "float", "low", 0.5, "high", 1.0),
        "colsample_bytree", Map.of("type", "float", "low", 0.3, "high", 1.0),
        "min_child_weight", Map.of("type", "float", "low", 0.5, "high", 20.0, "log", true)));
    TrainingParams base = TrainingParams.of(Map.of("objective", "binary:logistic", "num_round", 60,
        "tree_method", "hist"));
    TuningConfig config = new TuningConfig("bench-" + strategy + "-" + seed, space,
        Sampler.of(strategy, space, true, seed), Pruner.of("median", strategy, 60, "bench"), true, trials, parallel, 0,
        null, null);
    XGBoostObjective xgboost = new XGBoostObjective(new CrossValidator(new XGBoostTrainer(1)), table, folds, base,
        Metric.AUC, seed);
    long start = System.nanoTime();
    AtomicInteger done = new AtomicInteger();
    Objective objective = (params, reporter) -> {
      try {
        return xgboost.evaluate(params, reporter);
      } finally {
        System.err.printf("  %s seed %d: %d trials ended, %.0f s%n", strategy, seed, done.incrementAndGet(),
            (System.nanoTime() - start) / 1e9);
      }
    };
    return new Tuner(config, objective, new InMemoryTrialStore()).run();
  }

  /**
   * Features uniform in [-1, 1); the label from a noisy score mixing linear terms, a threshold, an interaction and a
   * sine of the first ten features, so that depth, learning rate and sampling all matter.
   */
  static TrainingTable table(int rows, int features, long seed) {
    Random rng = new Random(seed);
    float[][] x = new float[features][rows];
    float[] y = new float[rows];
    for (int r = 0; r < rows; r++) {
      for (int f = 0; f < features; f++) {
        x[f][r] = (float) (rng.nextDouble() * 2 - 1);
      }
      double s = 0.8 * x[0][r] - 0.6 * x[1][r] + 0.5 * x[2][r] + (x[3][r] > 0.3 ? 0.7 : -0.2)
          + 1.2 * x[4][r] * x[5][r] + 0.6 * Math.sin(3 * x[6][r]) + 0.4 * x[7][r] * x[7][r] - 0.3 * x[8][r]
          + 0.2 * x[9][r];
      y[r] = s + rng.nextGaussian() * 0.9 > 0.2 ? 1 : 0;
    }
    List<String> names = new ArrayList<>();
    for (int f = 0; f < features; f++) {
      names.add("x" + f);
    }
    return new TrainingTable("y", names, x, y, null);
  }

  private static long count(TuningResult r, TrialState state) {
    return r.trials().stream().filter(t -> t.state() == state).count();
  }

  private static double mean(List<Double> v) {
    return v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
  }

  private TrainingBenchmark() {}
}
