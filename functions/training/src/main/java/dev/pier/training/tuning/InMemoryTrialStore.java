package dev.pier.training.tuning;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;

/** Trials in this process's memory: a search that need not survive it (tests, the benchmark, local runs). */
public final class InMemoryTrialStore implements TrialStore {
  private final ConcurrentSkipListMap<Integer, Trial> trials = new ConcurrentSkipListMap<>();

  @Override
  public List<Trial> trials() {
    return new ArrayList<>(trials.values());
  }

  @Override
  public boolean start(Trial running) {
    return trials.putIfAbsent(running.number(), running) == null;
  }

  @Override
  public void finish(Trial finished) {
    if (!finished.state().finished()) {
      throw new IllegalArgumentException("trial " + finished.number() + " is not finished");
    }
    trials.put(finished.number(), finished);
  }
}
