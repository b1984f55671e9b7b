package dev.pier.bench;

import dev.pier.experiments.stats.SampleSize;
import dev.pier.experiments.stats.Simulation;

/**
 * The long simulations behind the experiment statistics (the unit tests run small seeded versions):
 * <ul>
 *   <li>10,000 A/A experiments on a 10% conversion rate, 14 daily looks of 1,000 new units per arm: the fixed-horizon
 *       false positive rate (target 5% ± 1%), a naive z-test at every look (inflated), the sequential test at every
 *       look (target ≤ 5%);
 *   <li>10,000 A/B experiments with a true 5% relative lift at the designed sample size (alpha 0.05, power 0.8,
 *       baseline 10%): detected in at least 80% of them.
 * </ul>
 * Run: {@code ./pier bench experiments}. Arguments: {@code [experiments] [seed]}.
 */
public final class ExperimentSimulations {

  public static void main(String[] args) {
    int experiments = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    long seed = args.length > 1 ? Long.parseLong(args[1]) : 20261206L;
    long start = System.nanoTime();
    Simulation.FalsePositives aa = Simulation.aa(seed, experiments, 14, 1_000, 0.10, 0.05);
    System.out.printf("A/A, %,d experiments, %d daily looks of 1,000 units/arm, rate 10%%, alpha 0.05:%n", experiments,
        aa.looks());
    System.out.printf("  fixed horizon (one look at the end)  %.2f%%  (target 5%% +/- 1%%)%n", 100 * aa.fixedHorizon());
    System.out.printf("  naive z-test at every look           %.2f%%  (peeking inflates it)%n", 100 * aa.naivePeeking());
    System.out.printf("  sequential test at every look        %.2f%%  (target <= 5%%)%n", 100 * aa.sequentialPeeking());
    long n = SampleSize.binary(0.05, 0.8, 0.05, 0.10);
    double power = Simulation.power(seed + 1, experiments, n, 0.10, 0.05, 0.05);
    System.out.printf("Power, %,d experiments, true lift +5%% relative on 10%%, designed n = %,d per arm:%n", experiments,
        n);
    System.out.printf("  detected                             %.2f%%  (target >= 80%%)%n", 100 * power);
    System.out.printf("(%.1f s)%n", (System.nanoTime() - start) / 1e9);
  }

  private ExperimentSimulations() {}
}
