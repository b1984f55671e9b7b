package dev.pier.training.jobs;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.pier.batch.Priority;
import dev.pier.statemachines.AslDefinition;
import dev.pier.statemachines.LocalStateMachineRunner;
import dev.pier.statemachines.StatesError;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Local mode's training queue and Step Functions: runs training.asl.json on the {@link LocalStateMachineRunner} with
 * the {@link TrainingWorker} behind its tasks. A job starts when its priority's lane has a free slot and its project
 * runs fewer than {@code projectConcurrency} jobs; until then it waits (phase {@code queued}), higher priorities
 * first, then oldest first. At start, jobs a previous process left RUNNING (a crash, a SIGKILL) are queued again; the
 * worker runs none of their finished trials again.
 *
 * <p>Thread-safety: the queue is guarded by this object's lock; executions run on their own threads.
 */
public final class LocalTrainingLauncher implements TrainingLauncher, AutoCloseable {
  private static final Logger LOG = Logger.getLogger(LocalTrainingLauncher.class.getName());

  private final TrainingJobsTable jobs;
  private final TrainingWorker worker;
  private final TrainingSettings settings;
  private final LocalStateMachineRunner runner;
  private final AslDefinition definition;
  private final Clock clock;
  private final ExecutorService threads = Executors.newThreadPerTaskExecutor(
      Thread.ofPlatform().daemon().name("pier-training-", 0).factory());
  private final List<TrainingJob> queue = new ArrayList<>();
  private final Map<Priority, Integer> runningByLane = new EnumMap<>(Priority.class);
  private final Map<String, Integer> runningByProject = new HashMap<>();
  private final Map<String, LocalStateMachineRunner.Execution> running = new ConcurrentHashMap<>();
  private boolean closed;

  public LocalTrainingLauncher(TrainingJobsTable jobs, TrainingWorker worker, TrainingSettings settings, Clock clock) {
    this.jobs = jobs;
    this.worker = worker;
    this.settings = settings;
    this.clock = clock;
    this.runner = LocalStateMachineRunner.builder()
        .task("arn:aws:states:::lambda:invoke", (parameters, context) -> {
          String function = parameters.path("FunctionName").asText();
          if (!function.equals(TrainingSettings.WORKER_FUNCTION)) {
            throw new StatesError("Lambda.ResourceNotFoundException", "no local function " + function);
          }
          return worker.invoke(parameters);
        })
        .build();
    this.definition = AslDefinition.bundled("training", settings.substitutions());
  }

  /**
   * Queues the jobs a previous process left unfinished, after stopping the script-mode processes it left running (a
   * {@code kill -9} of the server does not stop them): their trials run again, once.
   */
  public void resumeUnfinished() {
    var orphans = dev.pier.training.script.ScriptProcesses.reap(settings.scriptWork());
    if (!orphans.isEmpty()) {
      LOG.info(() -> "stopped " + orphans.size() + " script processes a previous server left running: " + orphans);
    }
    for (TrainingJob job : jobs.list()) {
      if (!job.state().isFinal()) {
        LOG.info(() -> "resuming training job " + job.id() + " (" + job.phase() + ")");
        launch(job);
      }
    }
  }

  @Override
  public synchronized void launch(TrainingJob job) {
    if (closed || running.containsKey(job.id()) || queue.stream().anyMatch(j -> j.id().equals(job.id()))) {
      return;
    }
    queue.add(job);
    dispatch();
  }

  /** Starts every queued job that has a slot in its lane and its project ({@link TrainingQueue}). */
  private synchronized void dispatch() {
    for (TrainingJob job : new TrainingQueue(settings.lanes(), settings.projectConcurrency())
        .startable(queue, runningByLane, runningByProject)) {
      queue.remove(job);
      runningByLane.merge(job.priority(), 1, Integer::sum);
      runningByProject.merge(job.project(), 1, Integer::sum);
      var execution = runner.execution(definition, job.id());
      running.put(job.id(), execution);
      threads.execute(() -> run(job, execution));
    }
  }

  private void run(TrainingJob job, LocalStateMachineRunner.Execution execution) {
    String id = job.id();
    try {
      var started = jobs.update(id, j -> j.with(b -> {
        if (b.startedAt == null) {
          b.startedAt = clock.instant();
        }
        return b.phase(j.phase().equals("queued") ? "preparing" : j.phase());
      }), false);
      if (started.isEmpty()) {
        return; // cancelled while queued
      }
      var result = runner.run(execution, JsonNodeFactory.instance.objectNode().put("job_id", id));
      if (result.status() == LocalStateMachineRunner.ExecutionResult.Status.FAILED) {
        LOG.warning(() -> "training job " + id + " failed: " + result.error() + ": " + result.cause());
      }
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "training job " + id + " could not run", e);
    } finally {
      synchronized (this) {
        running.remove(id);
        runningByLane.merge(job.priority(), -1, Integer::sum);
        runningByProject.merge(job.project(), -1, Integer::sum);
        if (!closed) {
          dispatch();
        }
      }
    }
  }

  /** Whether the job waits in the queue. */
  public synchronized boolean queued(String id) {
    return queue.stream().anyMatch(j -> j.id().equals(id));
  }

  @Override
  public synchronized java.util.Optional<TrainingQueue.Place> place(String id) {
    return queue.stream().filter(j -> j.id().equals(id)).findFirst()
        .map(job -> new TrainingQueue(settings.lanes(), settings.projectConcurrency())
            .place(job, queue, runningByProject));
  }

  @Override
  public synchronized void stop(String id) {
    queue.removeIf(j -> j.id().equals(id));
    worker.stop(id);
    var execution = running.get(id);
    if (execution != null) {
      execution.stop();
    }
  }

  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      queue.clear();
      running.values().forEach(LocalStateMachineRunner.Execution::stop);
    }
    threads.shutdownNow();
    try {
      threads.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
