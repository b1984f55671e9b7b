package dev.pier.training.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.batch.Priority;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A queued job's place: among its own project's queued jobs only, by priority, then age, then id. */
class TrainingQueuePlaceTest {
  private static TrainingJob job(String id, String project, Priority priority, int createdSecond) {
    return new TrainingJob(id, id, project, JobState.RUNNING, "queued", priority, null, null, null, null, null,
        TrainingJob.Trials.NONE, null, null, null, null, null, null, Instant.ofEpochSecond(createdSecond), null, null,
        null);
  }

  @Test
  void aJobsPlaceCountsOnlyItsProjectsJobsAheadOfIt() {
    TrainingJob oldLow = job("a", "p", Priority.LOW, 1);
    TrainingJob newHigh = job("b", "p", Priority.HIGH, 5);
    TrainingJob normal = job("c", "p", Priority.NORMAL, 3);
    TrainingJob sameAge = job("d", "p", Priority.NORMAL, 3);
    TrainingJob elsewhere = job("e", "q", Priority.HIGH, 0);
    List<TrainingJob> queued = List.of(oldLow, newHigh, normal, sameAge, elsewhere);
    TrainingQueue queue = new TrainingQueue(null, 2);
    Map<String, Integer> running = Map.of("p", 2);
    assertThat(queue.place(newHigh, queued, running)).isEqualTo(new TrainingQueue.Place(1, 4, 2, 2));
    assertThat(queue.place(normal, queued, running).position()).isEqualTo(2);
    assertThat(queue.place(sameAge, queued, running).position()).isEqualTo(3);
    assertThat(queue.place(oldLow, queued, running).position()).isEqualTo(4);
    assertThat(queue.place(elsewhere, queued, running)).isEqualTo(new TrainingQueue.Place(1, 1, 2, 0));
    assertThatThrownBy(() -> queue.place(job("z", "p", Priority.LOW, 9), queued, running))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
