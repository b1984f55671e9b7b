package dev.pier.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.pier.statemachines.AslDefinition;
import dev.pier.statemachines.ItemStore;
import dev.pier.statemachines.LocalStateMachineRunner;
import dev.pier.statemachines.StatesError;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Local mode's Step Functions: runs batch-scoring.asl.json on the {@link LocalStateMachineRunner} with the
 * {@link BatchWorker} behind its tasks. Each priority lane is a pool of its own size, so a high-priority job starts at
 * once however many low-priority jobs are queued. At start, jobs left QUEUED or RUNNING by a previous process (a crash,
 * a SIGKILL) are started again; the worker skips their finished chunks.
 */
public final class LocalBatchLauncher implements JobLauncher, AutoCloseable {
  private static final Logger LOG = Logger.getLogger(LocalBatchLauncher.class.getName());

  private final JobsTable jobs;
  private final LocalStateMachineRunner runner;
  private final AslDefinition definition;
  private final Map<Priority, ExecutorService> lanes = new EnumMap<>(Priority.class);
  private final Map<String, LocalStateMachineRunner.Execution> running = new ConcurrentHashMap<>();
  private final Map<String, Boolean> submitted = new ConcurrentHashMap<>();

  public LocalBatchLauncher(JobsTable jobs, BatchWorker worker, S3Client s3, BatchSettings settings) {
    this.jobs = jobs;
    this.runner = LocalStateMachineRunner.builder()
        .items(ItemStore.s3(s3))
        .task("arn:aws:states:::lambda:invoke", (parameters, context) -> {
          String function = parameters.path("FunctionName").asText();
          if (!function.equals(BatchSettings.WORKER_FUNCTION)) {
            throw new StatesError("Lambda.ResourceNotFoundException", "no local function " + function);
          }
          return worker.invoke(parameters);
        })
        .build();
    this.definition = AslDefinition.bundled(AslDefinition.BATCH_SCORING, BatchWorker.substitutions(settings));
    for (Priority p : Priority.values()) {
      int size = Math.max(1, settings.lanes().getOrDefault(p, 1));
      lanes.put(p, Executors.newFixedThreadPool(size, Thread.ofPlatform().daemon().name("pier-batch-" + p.id() + "-", 0)
          .factory()));
    }
  }

  /** Starts the Lambda-path jobs a previous process left unfinished (Spark jobs: {@link BatchJobs#resumeUnfinished}). */
  public void resumeUnfinished() {
    for (BatchJob job : jobs.list()) {
      if (!job.state().isFinal() && job.engine() == Engine.LAMBDA) {
        LOG.info(() -> "resuming batch job " + job.id() + " (" + job.state() + ", " + job.done() + " rows done)");
        launch(job);
      }
    }
  }

  @Override
  public void launch(BatchJob job) {
    if (submitted.putIfAbsent(job.id(), Boolean.TRUE) != null) {
      return;
    }
    lanes.get(job.priority()).execute(() -> run(job.id()));
  }

  private void run(String id) {
    try {
      var execution = runner.execution(definition, id);
      running.put(id, execution);
      var current = jobs.get(id);
      if (current.isEmpty() || current.get().state().isFinal()) {
        return;
      }
      var result = runner.run(execution, JsonNodeFactory.instance.objectNode().put("job_id", id));
      if (result.status() == LocalStateMachineRunner.ExecutionResult.Status.FAILED) {
        jobs.finish(id, JobState.FAILED, result.error() + ": " + result.cause()); // when MarkFailed could not
        LOG.warning(() -> "batch job " + id + " failed: " + result.error() + ": " + result.cause());
      }
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "batch job " + id + " could not run", e);
    } finally {
      running.remove(id);
      submitted.remove(id);
    }
  }

  /**
   * Runs batch-scoring on {@code input} as its caller would start it in AWS (an EventBridge upload event, a
   * Scheduler invocation), in the calling thread; the jobs it creates run in their lanes.
   */
  public LocalStateMachineRunner.ExecutionResult startExecution(JsonNode input, String name) {
    return runner.run(definition, input, name);
  }

  @Override
  public void stop(String id) {
    var execution = running.get(id);
    if (execution != null) {
      execution.stop();
    }
  }

  @Override
  public void close() {
    running.values().forEach(LocalStateMachineRunner.Execution::stop);
    lanes.values().forEach(ExecutorService::shutdownNow);
    for (ExecutorService lane : lanes.values()) {
      try {
        lane.awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
