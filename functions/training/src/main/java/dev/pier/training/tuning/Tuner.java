package dev.pier.training.tuning;

import dev.pier.training.CvResult;
import dev.pier.training.TrialPruned;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;

/**
 * Runs a hyperparameter search in this process: up to {@code parallel} trials at once on a bounded pool, each sampled
 * when a slot frees (so TPE learns from every trial finished by then), recorded in the {@link TrialStore} as it starts
 * and ends. A failing trial is recorded FAIL with its error and the search goes on; a pruned one PRUNED.
 *
 * <p>Resuming: trials the store holds as finished are kept and never run again; trials it holds as RUNNING (their
 * process died) are run again first, with their number and params; numbering continues after the highest.
 *
 * <p>A runner that spreads trials over processes (a Step Functions Map) uses {@link #ask} and {@link #runTrial}
 * instead of {@link #run}: the store is then the only state shared between them.
 *
 * <p>One {@code run} at a time per instance.
 */
public final class Tuner {
  private final TuningConfig config;
  private final Objective objective;
  private final TrialStore store;
  private final Object lock = new Object();
  /** Finished trials of this search (store's and this run's), by number. */
  private final TreeMap<Integer, Trial> finished = new TreeMap<>();
  /** Running trials with their intermediate values so far. */
  private final Map<Integer, Trial> running = new ConcurrentHashMap<>();
  private String stop;
  private int sinceImprovement;
  private Double best;

  public Tuner(TuningConfig config, Objective objective, TrialStore store) {
    this.config = config;
    this.objective = objective;
    this.store = store;
  }

  public TuningResult run() {
    List<Trial> orphans = new ArrayList<>();
    int next = 0;
    for (Trial t : store.trials()) {
      next = Math.max(next, t.number() + 1);
      if (t.state().finished()) {
        finished.put(t.number(), t);
        noteFinished(t);
      } else {
        orphans.add(t);
      }
    }
    int limit = Math.min(config.maxTrials(), config.sampler().capacity());
    ExecutorService pool = Executors.newFixedThreadPool(config.parallel(), r -> {
      Thread t = new Thread(r, "trial");
      t.setDaemon(true);
      return t;
    });
    Semaphore slots = new Semaphore(config.parallel());
    try {
      for (Trial orphan : orphans) {
        slots.acquireUninterruptibly();
        submit(pool, slots, orphan);
      }
      while (true) {
        slots.acquireUninterruptibly();
        Trial trial;
        synchronized (lock) {
          if (stop == null && finished.size() + running.size() >= limit) {
            stop = limit < config.maxTrials() ? "grid_exhausted" : "max_trials";
          }
          if (stop != null) {
            slots.release();
            break;
          }
          trial = Trial.running(next, config.sampler().sample(config.space(), history(), next));
          next++;
          if (!store.start(trial)) {
            slots.release();
            continue; // another worker took the number
          }
          running.put(trial.number(), trial);
        }
        submit(pool, slots, trial);
      }
      slots.acquireUninterruptibly(config.parallel()); // every running trial has ended
    } finally {
      pool.shutdownNow();
    }
    List<Trial> all = new ArrayList<>(finished.values());
    Trial bestTrial = all.stream().filter(t -> t.state() == TrialState.COMPLETE)
        .min(Comparator.comparingDouble((Trial t) -> config.maximize() ? -t.value() : t.value())
            .thenComparingInt(Trial::number))
        .orElse(null);
    return new TuningResult(all, bestTrial, stop);
  }

  private void submit(ExecutorService pool, Semaphore slots, Trial trial) {
    running.put(trial.number(), trial);
    pool.execute(() -> {
      try {
        Trial done = evaluate(trial);
        store.finish(done);
        synchronized (lock) {
          running.remove(trial.number());
          finished.put(done.number(), done);
          noteFinished(done);
        }
      } finally {
        slots.release();
      }
    });
  }

  /**
   * Up to {@code n} new trials, sampled from the store's finished trials (and the warm-start ones) and recorded as
   * started; empty once the search is over (max_trials, the grid, patience or the target). The n are sampled together,
   * each without the others' results, as parallel Optuna workers do.
   */
  public List<Trial> ask(int n) {
    TreeMap<Integer, Trial> done = new TreeMap<>();
    int total = 0;
    int next = 0;
    Double bestSoFar = null;
    int stale = 0;
    boolean over = false;
    for (Trial t : store.trials()) {
      total++;
      next = Math.max(next, t.number() + 1);
      if (!t.state().finished()) {
        continue;
      }
      done.put(t.number(), t);
      if (t.state() == TrialState.COMPLETE) {
        if (bestSoFar == null || (config.maximize() ? t.value() > bestSoFar : t.value() < bestSoFar)) {
          bestSoFar = t.value();
          stale = 0;
        } else {
          stale++;
        }
        over |= config.target() != null
            && (config.maximize() ? bestSoFar >= config.target() : bestSoFar <= config.target());
        over |= config.patience() > 0 && stale >= config.patience();
      }
    }
    int limit = Math.min(config.maxTrials(), config.sampler().capacity());
    List<Trial> out = new ArrayList<>();
    if (over) {
      return out;
    }
    List<Trial> history = new ArrayList<>(config.warmStart());
    history.addAll(done.values());
    while (out.size() < n && total < limit) {
      Trial trial = Trial.running(next, config.sampler().sample(config.space(), history, next));
      next++;
      if (store.start(trial)) {
        out.add(trial);
        total++;
      }
    }
    return out;
  }

  /**
   * Runs one trial from {@link #ask} (or one the store holds as RUNNING after its process died), pruning against the
   * store's other trials as they are when it starts, records its end in the store and returns it.
   */
  public Trial runTrial(Trial trial) {
    List<Trial> others = new ArrayList<>(config.warmStart());
    store.trials().stream().filter(t -> t.number() != trial.number()).forEach(others::add);
    Trial done = evaluate(trial, () -> others);
    store.finish(done);
    return done;
  }

  private Trial evaluate(Trial trial) {
    return evaluate(trial, () -> others(trial.number()));
  }

  private Trial evaluate(Trial trial, java.util.function.Supplier<List<Trial>> others) {
    SortedMap<Integer, Double> steps = new TreeMap<>();
    try {
      CvResult result = objective.evaluate(trial.params(), (step, value) -> {
        steps.put(step, value);
        Trial now = new Trial(trial.number(), TrialState.RUNNING, trial.params(), null, steps, null, null);
        running.put(trial.number(), now);
        if (config.pruner().prune(now, others.get(), config.maximize())) {
          throw new TrialPruned(step);
        }
      });
      if (result == null || Double.isNaN(result.mean())) {
        return trial.failed("the objective gave no value", steps);
      }
      return trial.complete(result, steps);
    } catch (TrialPruned p) {
      return trial.pruned(steps);
    } catch (RuntimeException | LinkageError e) {
      String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      return trial.failed(message, steps);
    }
  }

  /** Warm-start and finished trials, by number: what samplers learn from. */
  private List<Trial> history() {
    List<Trial> out = new ArrayList<>(config.warmStart());
    out.addAll(finished.values());
    return out;
  }

  /** Everything a pruner compares with: warm-start, finished and other running trials. */
  private List<Trial> others(int number) {
    List<Trial> out;
    synchronized (lock) {
      out = history();
    }
    running.forEach((n, t) -> {
      if (n != number) {
        out.add(t);
      }
    });
    return out;
  }

  /** Early stopping of the search: patience without improvement, or the target reached. */
  private void noteFinished(Trial t) {
    if (t.state() != TrialState.COMPLETE) {
      return;
    }
    boolean improved = best == null || (config.maximize() ? t.value() > best : t.value() < best);
    if (improved) {
      best = t.value();
      sinceImprovement = 0;
    } else {
      sinceImprovement++;
    }
    if (stop == null && config.target() != null
        && (config.maximize() ? best >= config.target() : best <= config.target())) {
      stop = "target";
    }
    if (stop == null && config.patience() > 0 && sinceImprovement >= config.patience()) {
      stop = "patience";
    }
  }
}
