package dev.pier.training.tracking;

import dev.pier.kernel.PierException;
import dev.pier.tracking.Metric;
import dev.pier.tracking.TrackingStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;

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
  /** Experiments read once (an experiment's artifact location never changes; its state is checked at each write). */
  private final Map<String, dev.pier.tracking.Experiment> experiments = new java.util.concurrent.ConcurrentHashMap<>();

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
    return startRun(experimentId, name, parentRunId, tags, Map.of());
  }

  /** A run with its tags and params, created in one write (a trial's child run: its params are known up front). */
  public String startRun(String experimentId, String name, String parentRunId, Map<String, String> tags,
      Map<String, String> params) {
    var experiment = experiments.computeIfAbsent(experimentId, store::experiment);
    return store.createRun(experiment, name, "pier", System.currentTimeMillis(), withParent(tags, parentRunId), params)
        .runId();
  }

  /**
   * {@link #startRun(String, String, String, Map, Map)} under a chosen id (a trial's, {@link #trialRunId}): created
   * once, in one write, however often a retried task asks (the run then stays as the first attempt created it).
   */
  public void startRunOnce(String experimentId, String runId, String name, String parentRunId, Map<String, String> tags,
      Map<String, String> params) {
    var experiment = experiments.computeIfAbsent(experimentId, store::experiment);
    store.createRunOnce(experiment, runId, name, "pier", System.currentTimeMillis(), withParent(tags, parentRunId),
        params);
  }

  private static Map<String, String> withParent(Map<String, String> tags, String parentRunId) {
    Map<String, String> t = new LinkedHashMap<>(tags);
    if (parentRunId != null) {
      t.put("mlflow.parentRunId", parentRunId);
    }
    return t;
  }

  /**
   * The MLflow run id of a job's trial, the same at every attempt (a name-based UUID's 32 hex digits): the trial is
   * recorded with it when suggested, and its run is created under it when it starts.
   */
  public static String trialRunId(String jobId, int trial) {
    return UUID.nameUUIDFromBytes(("pier-trial/" + jobId + "/" + trial).getBytes(StandardCharsets.UTF_8)).toString()
        .replace("-", "");
  }

  /**
   * Params, tags and metrics (at step 0). Every metric this class logs holds one value per step: a task run again after
   * a crash (the state machine retries it; a finished trial is never run again, but one that logged its results and
   * died before recording its end is) replaces its values instead of doubling the run's history.
   */
  public void log(String runId, Map<String, String> params, Map<String, Double> metrics, Map<String, String> tags) {
    long now = System.currentTimeMillis();
    List<Metric> m = new ArrayList<>();
    metrics.forEach((k, v) -> {
      if (v != null && Double.isFinite(v)) {
        m.add(new Metric(k, v, now, 0));
      }
    });
    store.logBatchOnePerStep(runId, m, params, tags, null, 0);
  }

  /** A metric's value after each step (boosting round), as MLflow's metric history. */
  public void history(String runId, String key, List<Double> values) {
    logWithHistory(runId, Map.of(), key, values);
  }

  /**
   * Metrics (at step 0) and a metric's value after each step together, in as few log-batches as MLflow's limit allows
   * (one for a trial's results up to ~900 rounds).
   */
  public void logWithHistory(String runId, Map<String, Double> metrics, String key, List<Double> values) {
    logWithHistory(runId, metrics, key, values, null);
  }

  /**
   * A run's last results — metrics (at step 0), a metric's history by step, tags — and its end, in one write with
   * {@code alongside}, the record in the caller's table that the results are final (a trial's end): both or neither.
   * False when {@code alongside}'s condition failed: another attempt recorded first, and nothing of this was written
   * but the transactions before the last (a history of more than ~90 rounds), whose values, one per step, are the
   * same a retried trial logs.
   */
  public boolean finish(String runId, Map<String, Double> metrics, String key, List<Double> values,
      Map<String, String> tags, String status, TransactWriteItem alongside) {
    List<Metric> last = logAllButLast(runId, metrics, key, values);
    return store.logBatchOnePerStepAndEnd(runId, last, tags, status, System.currentTimeMillis(), alongside);
  }

  private void logWithHistory(String runId, Map<String, Double> metrics, String key, List<Double> values,
      String status) {
    List<Metric> batch = logAllButLast(runId, metrics, key, values);
    if (status != null || !batch.isEmpty()) { // the run's end, if any, in the last write
      store.logBatchOnePerStep(runId, batch, Map.of(), Map.of(), status, System.currentTimeMillis());
    }
  }

  /**
   * The metrics (at step 0) and the history (a value per step) as log-batches within MLflow's limit: all but the last
   * written, the last returned for the caller's last write.
   */
  private List<Metric> logAllButLast(String runId, Map<String, Double> metrics, String key, List<Double> values) {
    long now = System.currentTimeMillis();
    List<Metric> batch = new ArrayList<>();
    metrics.forEach((k, v) -> {
      if (v != null && Double.isFinite(v)) {
        batch.add(new Metric(k, v, now, 0));
      }
    });
    List<Double> steps = values == null ? List.of() : values;
    for (int step = 0; step < steps.size(); step++) {
      batch.add(new Metric(key, steps.get(step), now, step));
      if (batch.size() == BATCH) {
        store.logBatchOnePerStep(runId, batch, Map.of(), Map.of(), null, 0);
        batch.clear();
      }
    }
    return batch;
  }

  /** Ends the run (status and end time) in one conditional write. */
  public void end(String runId, String status) {
    store.endRun(runId, status, System.currentTimeMillis());
  }

  public TrackingStore store() {
    return store;
  }
}
