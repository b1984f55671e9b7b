package dev.pier.training.tracking;

import dev.pier.kernel.PierException;
import dev.pier.tracking.Metric;
import dev.pier.tracking.TrackingStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A training job in MLflow's terms, through Pier's tracking store (so MLflow clients and the console see it): an
 * experiment per job name, a parent run per job, a child run per trial and one for the refit (tag
 * {@code mlflow.parentRunId}), params, {@code cv_<metric>_mean}/{@code _std}, per-fold values, the per-round history
 * by step, and {@code holdout_<metric>}.
 */
public final class JobTracking {
  /** MLflow limits a log-batch to 1000 metrics. */
  private static final int BATCH = 900;

  private final TrackingStore store;

  public JobTracking(TrackingStore store) {
    this.store = store;
  }

  /** The experiment named {@code name}, created on first use (concurrent creators agree on one). */
  public String experiment(String name) {
    try {
      return store.experimentByName(name).id();
    } catch (PierException e) {
      if (e.status() != 404) {
        throw e;
      }
    }
    try {
      return store.createExperiment(name, null, Map.of("pier.source", "training-job"));
    } catch (PierException e) {
      return store.experimentByName(name).id(); // created meanwhile by another job of that name
    }
  }

  public String startRun(String experimentId, String name, String parentRunId, Map<String, String> tags) {
    Map<String, String> t = new LinkedHashMap<>(tags);
    if (parentRunId != null) {
      t.put("mlflow.parentRunId", parentRunId);
    }
    return store.createRun(experimentId, name, "pier", System.currentTimeMillis(), t).runId();
  }

  public void log(String runId, Map<String, String> params, Map<String, Double> metrics, Map<String, String> tags) {
    long now = System.currentTimeMillis();
    List<Metric> m = new ArrayList<>();
    metrics.forEach((k, v) -> {
      if (v != null && Double.isFinite(v)) {
        m.add(new Metric(k, v, now, 0));
      }
    });
    store.logBatch(runId, m, params, tags);
  }

  /** A metric's value after each step (boosting round), as MLflow's metric history. */
  public void history(String runId, String key, List<Double> values) {
    long now = System.currentTimeMillis();
    List<Metric> batch = new ArrayList<>();
    for (int step = 0; step < values.size(); step++) {
      batch.add(new Metric(key, values.get(step), now, step));
      if (batch.size() == BATCH) {
        store.logBatch(runId, batch, Map.of(), Map.of());
        batch = new ArrayList<>();
      }
    }
    if (!batch.isEmpty()) {
      store.logBatch(runId, batch, Map.of(), Map.of());
    }
  }

  public void end(String runId, String status) {
    store.updateRun(runId, status, System.currentTimeMillis(), null);
  }

  public TrackingStore store() {
    return store;
  }
}
