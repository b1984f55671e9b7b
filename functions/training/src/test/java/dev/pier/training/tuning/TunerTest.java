package dev.pier.training.tuning;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pier.kernel.PierException;
import dev.pier.training.CvResult;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TunerTest {
  private static final SearchSpace SPACE = SearchSpace.parse(Map.of("x", Map.of("type", "float", "low", 0.0,
      "high", 1.0)));

  private static CvResult score(double v) {
    return new CvResult("auc", v, 0.0, List.of(v), List.of(v), 0);
  }

  private static TuningConfig config(Sampler sampler, int maxTrials, int parallel, int patience, Double target,
      List<Trial> warm) {
    return new TuningConfig("study", SPACE, sampler, new Pruner.None(), true, maxTrials, parallel, patience, target,
        warm);
  }

  @Test
  void aFailingTrialIsRecordedWithItsErrorAndTheSearchGoesOn() {
    Objective objective = (params, reporter) -> {
      double x = (double) params.get("x");
      if (x > 0.5) {
        throw PierException.badRequest("XGBoost refused the parameters: x too large");
      }
      return score(x);
    };
    TuningResult r = new Tuner(config(new RandomSampler(3), 12, 1, 0, null, null), objective,
        new InMemoryTrialStore()).run();
    assertThat(r.trials()).hasSize(12);
    assertThat(r.trials()).filteredOn(t -> t.state() == TrialState.FAIL).isNotEmpty()
        .allSatisfy(t -> assertThat(t.error()).isEqualTo("XGBoost refused the parameters: x too large"));
    assertThat(r.best().state()).isEqualTo(TrialState.COMPLETE);
    assertThat(r.best().value()).isEqualTo(r.trials().stream().filter(t -> t.state() == TrialState.COMPLETE)
        .mapToDouble(Trial::value).max().orElseThrow());
    assertThat(r.stop()).isEqualTo("max_trials");
  }

  @Test
  void aResumedSearchNeverRerunsAFinishedTrialAndRerunsTheInterruptedOneWithItsParams() {
    InMemoryTrialStore store = new InMemoryTrialStore();
    for (int n = 0; n < 3; n++) {
      store.start(Trial.running(n, Map.of("x", 0.1 * n)));
      store.finish(Trial.running(n, Map.of("x", 0.1 * n)).complete(score(0.1 * n), new java.util.TreeMap<>()));
    }
    store.start(Trial.running(3, Map.of("x", 0.77))); // its process died
    List<Map<String, Object>> ran = Collections.synchronizedList(new ArrayList<>());
    Objective objective = (params, reporter) -> {
      ran.add(params);
      return score((double) params.get("x"));
    };
    TuningResult r = new Tuner(config(new RandomSampler(1), 6, 1, 0, null, null), objective, store).run();
    assertThat(ran).hasSize(3);
    assertThat(ran.get(0)).isEqualTo(Map.of("x", 0.77));
    assertThat(r.trials()).extracting(Trial::number).containsExactly(0, 1, 2, 3, 4, 5);
    assertThat(r.trials()).allSatisfy(t -> assertThat(t.state()).isEqualTo(TrialState.COMPLETE));
    assertThat(store.trials().get(1).value()).isEqualTo(0.1);
    assertThat(r.best().value()).isGreaterThanOrEqualTo(0.77);
  }

  @Test
  void runsTrialsInParallelUpToTheBound() throws Exception {
    CyclicBarrier bothRunning = new CyclicBarrier(2);
    AtomicInteger now = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    AtomicInteger calls = new AtomicInteger();
    Objective objective = (params, reporter) -> {
      int running = now.incrementAndGet();
      most.accumulateAndGet(running, Math::max);
      try {
        if (calls.getAndIncrement() < 2) {
          bothRunning.await(30, TimeUnit.SECONDS); // only passes if the first two trials run at the same time
        }
      } catch (Exception e) {
        throw new IllegalStateException("the first two trials did not run together", e);
      } finally {
        now.decrementAndGet();
      }
      return score((double) params.get("x"));
    };
    TuningResult r = new Tuner(config(new RandomSampler(1), 10, 2, 0, null, null), objective,
        new InMemoryTrialStore()).run();
    assertThat(r.trials()).hasSize(10).allSatisfy(t -> assertThat(t.state()).isEqualTo(TrialState.COMPLETE));
    assertThat(most.get()).isEqualTo(2);
  }

  @Test
  void stopsStartingTrialsAfterPatienceWithoutImprovementOrAtTheTarget() {
    AtomicInteger calls = new AtomicInteger();
    Objective worse = (params, reporter) -> score(1.0 - 0.1 * calls.getAndIncrement());
    TuningResult r = new Tuner(config(new RandomSampler(1), 50, 1, 3, null, null), worse,
        new InMemoryTrialStore()).run();
    assertThat(r.trials()).hasSize(4);
    assertThat(r.stop()).isEqualTo("patience");
    assertThat(r.best().number()).isZero();

    AtomicInteger calls2 = new AtomicInteger();
    Objective better = (params, reporter) -> score(0.1 * calls2.getAndIncrement());
    TuningResult t = new Tuner(config(new RandomSampler(1), 50, 1, 0, 0.45, null), better,
        new InMemoryTrialStore()).run();
    assertThat(t.trials()).hasSize(6);
    assertThat(t.stop()).isEqualTo("target");
  }

  @Test
  void warmStartTrialsTeachTheSamplerButAreNeitherRunNorStoredNorCounted() {
    List<Trial> warm = new ArrayList<>();
    for (int n = 0; n < 12; n++) {
      warm.add(new Trial(n, TrialState.COMPLETE, Map.of("x", n / 12.0), n / 12.0, null, null, null));
    }
    warm.add(new Trial(12, TrialState.COMPLETE, Map.of("x", 7.0), 1.0, null, null, null)); // outside this space
    TpeSampler tpe = new TpeSampler(5, true);
    TuningConfig config = config(tpe, 3, 1, 0, null, warm);
    assertThat(config.warmStart()).hasSize(12);
    List<Map<String, Object>> ran = new ArrayList<>();
    InMemoryTrialStore store = new InMemoryTrialStore();
    new Tuner(config, (params, reporter) -> {
      ran.add(params);
      return score((double) params.get("x"));
    }, store).run();
    assertThat(ran).hasSize(3);
    assertThat(store.trials()).hasSize(3);
    // With 12 finished trials to learn from, trial 0 is already TPE's choice, not the random startup draw.
    assertThat(ran.get(0)).isEqualTo(tpe.sample(SPACE, config.warmStart(), 0))
        .isNotEqualTo(new RandomSampler(5).sample(SPACE, List.of(), 0));
  }

  @Test
  void aGridSearchVisitsEveryCombinationOnceThenStops() {
    SearchSpace grid = SearchSpace.parse(Map.of(
        "a", Map.of("type", "int", "low", 1, "high", 3),
        "b", Map.of("type", "categorical", "choices", List.of("x", "y"))));
    TuningConfig config = new TuningConfig("g", grid, new GridSampler(grid, 4), new Pruner.None(), false, 20, 2, 0,
        null, null);
    TuningResult r = new Tuner(config, (params, reporter) -> score(((Number) params.get("a")).doubleValue()),
        new InMemoryTrialStore()).run();
    assertThat(r.trials()).hasSize(6);
    assertThat(new HashSet<>(r.trials().stream().map(Trial::params).toList())).hasSize(6);
    assertThat(r.stop()).isEqualTo("grid_exhausted");
    assertThat(r.best().params().get("a")).isEqualTo(1);
  }

  @Test
  void aPrunedTrialEndsPrunedWithItsLastIntermediateValue() {
    AtomicInteger calls = new AtomicInteger();
    Objective objective = (params, reporter) -> {
      double level = calls.getAndIncrement() == 0 ? 0.9 : 0.1;
      for (int step = 0; step < 5; step++) {
        reporter.report(step, level + 0.01 * step);
      }
      return score(level + 0.04);
    };
    TuningConfig config = new TuningConfig("p", SPACE, new RandomSampler(1), new MedianPruner(1, 2, 1, 1), true, 2, 1,
        0, null, null);
    TuningResult r = new Tuner(config, objective, new InMemoryTrialStore()).run();
    Trial pruned = r.trials().get(1);
    assertThat(pruned.state()).isEqualTo(TrialState.PRUNED);
    assertThat(pruned.lastStep()).isEqualTo(2); // warm-up steps 0 and 1 are never pruned
    assertThat(pruned.value()).isCloseTo(0.12, org.assertj.core.api.Assertions.within(1e-12));
    assertThat(r.best().number()).isZero();
  }

  @Test
  void askAndRunTrialSpreadASearchOverWorkersSharingOnlyTheStore() {
    InMemoryTrialStore store = new InMemoryTrialStore();
    TuningConfig config = config(new RandomSampler(2), 5, 1, 0, null, null);
    Objective objective = (params, reporter) -> score((double) params.get("x"));
    List<Trial> first = new Tuner(config, objective, store).ask(3);
    assertThat(first).extracting(Trial::number).containsExactly(0, 1, 2);
    assertThat(store.trials()).allSatisfy(t -> assertThat(t.state()).isEqualTo(TrialState.RUNNING));
    for (Trial t : first) {
      assertThat(new Tuner(config, objective, store).runTrial(t).state()).isEqualTo(TrialState.COMPLETE);
    }
    List<Trial> rest = new Tuner(config, objective, store).ask(3);
    assertThat(rest).extracting(Trial::number).containsExactly(3, 4); // max_trials 5
    rest.forEach(t -> new Tuner(config, objective, store).runTrial(t));
    assertThat(new Tuner(config, objective, store).ask(3)).isEmpty();
    assertThat(store.trials()).hasSize(5).allSatisfy(t -> assertThat(t.state()).isEqualTo(TrialState.COMPLETE));
  }
}
