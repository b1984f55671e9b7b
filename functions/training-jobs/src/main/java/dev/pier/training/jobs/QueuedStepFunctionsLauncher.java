package dev.pier.training.jobs;

import dev.pier.batch.Priority;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * AWS's training queue: the jobs table is the queue. A submitted job is stored RUNNING in phase {@code queued}; {@link
 * #dispatch} starts, by {@link TrainingQueue}'s rule (priority, then age; at most {@code projectConcurrency} jobs of a
 * project at once; no lanes, since each job trains on its own SageMaker instances), the queued jobs that have a slot,
 * as executions of the training state machine. It runs when a job is submitted, when one is cancelled, and when one
 * ends (the workflow's final tasks, finalize and fail, call it through the worker), so a waiting job starts when a
 * running one of its project ends.
 *
 * <p>A job is claimed before its execution starts: its phase goes {@code queued → preparing} by a write conditional on
 * the revision read ({@link TrainingJobsTable#update}), so of two dispatches that pick the same job only one starts it
 * (and Step Functions refuses a second execution of the job's name besides). Two dispatches running at the same
 * moment may each start a different job of one project, so a project can briefly run one job over its limit.
 */
public final class QueuedStepFunctionsLauncher implements TrainingLauncher {
  private static final Logger LOG = Logger.getLogger(QueuedStepFunctionsLauncher.class.getName());

  private final StepFunctionsTrainingLauncher executions;
  private final TrainingJobsTable jobs;
  private final TrainingQueue queue;

  public QueuedStepFunctionsLauncher(StepFunctionsTrainingLauncher executions, TrainingJobsTable jobs,
      int projectConcurrency) {
    this.executions = executions;
    this.jobs = jobs;
    this.queue = new TrainingQueue(null, projectConcurrency);
  }

  /** The job is stored queued already: it starts now if its project has a slot, else when one frees. */
  @Override
  public void launch(TrainingJob job) {
    dispatch();
  }

  @Override
  public void stop(String id) {
    executions.stop(id);
    dispatch();
  }

  /** The unfinished jobs in the table: the queued ones, and how many run per project. */
  private record Unfinished(List<TrainingJob> queued, Map<String, Integer> runningByProject) {
    static Unfinished of(List<TrainingJob> all) {
      List<TrainingJob> queued = new ArrayList<>();
      Map<String, Integer> byProject = new HashMap<>();
      for (TrainingJob job : all) {
        if (job.state().isFinal()) {
          continue;
        }
        if (job.phase().equals("queued")) {
          queued.add(job);
        } else {
          byProject.merge(job.project(), 1, Integer::sum);
        }
      }
      return new Unfinished(queued, byProject);
    }
  }

  /** Where a queued job waits, read from the jobs table (the same read as {@link #dispatch}'s). */
  @Override
  public java.util.Optional<TrainingQueue.Place> place(String id) {
    Unfinished now = Unfinished.of(jobs.list());
    return now.queued().stream().filter(j -> j.id().equals(id)).findFirst()
        .map(job -> queue.place(job, now.queued(), now.runningByProject()));
  }

  /** Starts every queued job that has a slot; returns the ids started. */
  public List<String> dispatch() {
    Unfinished now = Unfinished.of(jobs.list());
    List<String> started = new ArrayList<>();
    for (TrainingJob job : queue.startable(now.queued(), Map.<Priority, Integer>of(), now.runningByProject())) {
      if (claim(job.id())) {
        try {
          executions.start(job.id());
          started.add(job.id());
        } catch (RuntimeException e) { // not started: back in the queue, for the next dispatch
          LOG.log(Level.WARNING, "training job " + job.id() + " could not start; queued again", e);
          jobs.update(job.id(), j -> j.phase().equals("preparing") ? j.with(b -> b.phase("queued")) : j, false);
          throw e;
        }
      }
    }
    return started;
  }

  /** queued → preparing, conditionally: true for the one dispatch that moved it. */
  private boolean claim(String id) {
    AtomicBoolean claimed = new AtomicBoolean();
    jobs.update(id, j -> {
      claimed.set(j.phase().equals("queued"));
      return claimed.get() ? j.with(b -> b.phase("preparing")) : j;
    }, false);
    return claimed.get();
  }
}
