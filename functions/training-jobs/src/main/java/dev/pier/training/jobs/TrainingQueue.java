package dev.pier.training.jobs;

import dev.pier.batch.Priority;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Training's scheduling rule, one for both launchers: queued jobs start higher priority first, then oldest first
 * (then by id), each when its project runs fewer than {@code projectConcurrency} jobs and, where lanes are given
 * (local mode, whose jobs share this machine), its priority's lane has a free slot. {@link LocalTrainingLauncher}
 * applies it to its in-memory queue, {@link QueuedStepFunctionsLauncher} to the jobs table.
 *
 * @param lanes jobs of each priority at once (a missing priority: 1); null: no lane limit
 * @param projectConcurrency jobs of one project at once
 */
public record TrainingQueue(Map<Priority, Integer> lanes, int projectConcurrency) {
  /** The order queued jobs start in. */
  public static final Comparator<TrainingJob> ORDER = Comparator.comparing(TrainingJob::priority)
      .thenComparing(TrainingJob::createdAt).thenComparing(TrainingJob::id);

  public TrainingQueue {
    if (projectConcurrency < 1) {
      throw new IllegalArgumentException("project concurrency must be at least 1, not " + projectConcurrency);
    }
  }

  /**
   * The queued jobs that may start now, in {@link #ORDER}, given the jobs running by lane and by project (neither map
   * is changed).
   */
  public List<TrainingJob> startable(Collection<TrainingJob> queued, Map<Priority, Integer> runningByLane,
      Map<String, Integer> runningByProject) {
    Map<Priority, Integer> byLane = new HashMap<>(runningByLane);
    Map<String, Integer> byProject = new HashMap<>(runningByProject);
    List<TrainingJob> out = new ArrayList<>();
    for (TrainingJob job : queued.stream().sorted(ORDER).toList()) {
      if (lanes != null && byLane.getOrDefault(job.priority(), 0) >= Math.max(1, lanes.getOrDefault(job.priority(), 1))
          || byProject.getOrDefault(job.project(), 0) >= projectConcurrency) {
        continue;
      }
      byLane.merge(job.priority(), 1, Integer::sum);
      byProject.merge(job.project(), 1, Integer::sum);
      out.add(job);
    }
    return out;
  }

  /**
   * Where a queued job waits.
   *
   * @param position 1 for the job that starts next in its project, in {@link #ORDER}
   * @param queued the project's queued jobs, this one included
   * @param projectLimit the project's jobs at once ({@code projectConcurrency})
   * @param projectRunning the project's jobs running now
   */
  public record Place(int position, int queued, int projectLimit, int projectRunning) {}

  /**
   * {@code job}'s place among its project's {@code queued} jobs (in {@link #ORDER}; the job must be one of them),
   * with the project's limit and running count from {@code runningByProject}.
   */
  public Place place(TrainingJob job, Collection<TrainingJob> queued, Map<String, Integer> runningByProject) {
    List<TrainingJob> project = queued.stream().filter(j -> j.project().equals(job.project())).sorted(ORDER).toList();
    int position = 1;
    for (TrainingJob j : project) {
      if (j.id().equals(job.id())) {
        return new Place(position, project.size(), projectConcurrency,
            runningByProject.getOrDefault(job.project(), 0));
      }
      position++;
    }
    throw new IllegalArgumentException("training job " + job.id() + " is not queued");
  }
}
