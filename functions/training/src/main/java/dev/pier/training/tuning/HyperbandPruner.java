package dev.pier.training.tuning;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Optuna's {@code HyperbandPruner}: {@code ⌊log_η(maxResource / minResource)⌋ + 1} brackets of successive halving,
 * bracket {@code s} starting its first rung at {@code minResource × η^s}; a trial joins a bracket by the CRC-32 of
 * {@code "<study>_<number>"} over the brackets' budgets {@code ⌈brackets × η^(brackets−1−s) / (brackets−s)⌉}, and
 * competes only with its bracket's trials. Optuna's defaults: min_resource 1, reduction factor 3; max_resource is the
 * job's num_round. (Optuna also restricts the sampler's history to the bracket; here the sampler sees every trial.)
 */
public record HyperbandPruner(String studyName, int brackets, List<Integer> budgets,
    List<SuccessiveHalvingPruner> pruners) implements Pruner {

  public static HyperbandPruner of(int minResource, int maxResource, int reductionFactor, String studyName) {
    int brackets = (int) Math.floor(Math.log((double) maxResource / minResource) / Math.log(reductionFactor)) + 1;
    brackets = Math.max(brackets, 1);
    List<Integer> budgets = new ArrayList<>();
    List<SuccessiveHalvingPruner> pruners = new ArrayList<>();
    for (int id = 0; id < brackets; id++) {
      int s = brackets - 1 - id;
      budgets.add((int) Math.ceil(brackets * Math.pow(reductionFactor, s) / (s + 1)));
      pruners.add(new SuccessiveHalvingPruner(minResource, reductionFactor, id, 0));
    }
    return new HyperbandPruner(studyName, brackets, List.copyOf(budgets), List.copyOf(pruners));
  }

  int bracket(int trialNumber) {
    int total = budgets.stream().mapToInt(Integer::intValue).sum();
    CRC32 crc = new CRC32();
    crc.update((studyName + "_" + trialNumber).getBytes(StandardCharsets.UTF_8));
    long n = crc.getValue() % total;
    for (int id = 0; id < brackets; id++) {
      n -= budgets.get(id);
      if (n < 0) {
        return id;
      }
    }
    throw new IllegalStateException("unreachable");
  }

  @Override
  public boolean prune(Trial trial, List<Trial> others, boolean maximize) {
    int id = bracket(trial.number());
    List<Trial> mates = others.stream().filter(t -> bracket(t.number()) == id).toList();
    return pruners.get(id).prune(trial, mates, maximize);
  }
}
