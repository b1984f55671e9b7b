package dev.pier.training.sagemaker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Supplier;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;
import software.amazon.awssdk.services.sagemaker.model.DescribeTrainingJobResponse;
import software.amazon.awssdk.services.sagemaker.model.ResourceNotFoundException;
import software.amazon.awssdk.services.sagemaker.model.SageMakerException;
import software.amazon.awssdk.services.sagemaker.model.TrainingJobStatus;

/**
 * Watches a trial's SageMaker training jobs (one per CV fold) while they train, so the search's pruner can stop a
 * poor trial early: each {@link #poll} describes the jobs and reads the round lines their containers logged since the
 * previous poll ({@code FilterLogEvents} from the last event's time), and the trial's intermediate values are the
 * folds' mean by round, over the rounds every fold has logged — what a trial in the worker reports after each round.
 *
 * <p>Where the watch stands is the workflow's: a JSON position the watch task answers and is handed again at its
 * next poll — {@code {"folds": [{"name", "from", "rounds", "missing"}], "pruned_at"}}: per fold the time of the last log
 * event read ({@code from}), its values by round so far and how many polls found no such job yet; {@code pruned_at},
 * once the pruner decided. A poll retried with the same position reads the same lines again and decides the same,
 * so the task is idempotent; its size grows with the rounds (about 20 bytes a round a fold, within Step Functions'
 * 256 KiB for, say, 5 folds of 2,000 rounds).
 */
public final class TrialWatch {
  /**
   * Polls a fold's training job may be missing before the trial fails: its sagemaker-training execution creates it
   * after the watch starts, so the first polls may come first; ten (five minutes at the workflow's 30 s) is far more.
   */
  static final int MISSING_POLLS = 10;
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final Supplier<SageMakerClient> sagemaker;
  private final TrainingLogs logs;

  public TrainingLogs logs() {
    return logs;
  }

  public TrialWatch(Supplier<SageMakerClient> sagemaker, TrainingLogs logs) {
    this.sagemaker = sagemaker;
    this.logs = logs;
  }

  /** The position before the first poll: nothing read of the folds' training jobs {@code names}. */
  public static ObjectNode start(List<String> names) {
    ObjectNode position = NODES.objectNode();
    ArrayNode folds = position.putArray("folds");
    names.forEach(n -> folds.addObject().put("name", n).put("from", 0L).put("missing", 0).putArray("rounds"));
    return position;
  }

  /**
   * What one poll saw.
   *
   * @param steps the folds' mean by round, over the rounds every fold logged (the pruner's intermediate values)
   * @param ended whether every fold's training job has ended (Completed, Failed or Stopped)
   * @param outcomes each ended fold's description in {@link SageMakerOutcome}'s shape, in fold order
   * @param failure why the trial failed (a fold's job failed, or was never created), or null
   */
  public record Poll(SortedMap<Integer, Double> steps, boolean ended, List<JsonNode> outcomes, String failure) {}

  /**
   * Describes the folds' training jobs and, unless the pruner already decided, reads their new round lines of
   * {@code key} ({@code validation-auc}) into {@code position} (updated in place).
   */
  public Poll poll(ObjectNode position, String key) {
    boolean reading = !position.has("pruned_at");
    boolean ended = true;
    String failure = null;
    List<JsonNode> outcomes = new ArrayList<>();
    for (JsonNode node : position.path("folds")) {
      ObjectNode fold = (ObjectNode) node;
      String name = fold.path("name").asText();
      DescribeTrainingJobResponse d = describe(name);
      if (d == null) {
        int missing = fold.path("missing").asInt() + 1;
        fold.put("missing", missing);
        if (missing > MISSING_POLLS) { // given up on: nothing of it to wait for
          failure = failure != null ? failure
              : "training job " + name + " was not created (" + MISSING_POLLS + " polls found none)";
        } else {
          ended = false;
        }
        continue;
      }
      TrainingJobStatus status = d.trainingJobStatus();
      boolean over = status == TrainingJobStatus.COMPLETED || status == TrainingJobStatus.FAILED
          || status == TrainingJobStatus.STOPPED;
      if (reading) {
        read(fold, name, key);
      }
      if (!over) {
        ended = false;
        continue;
      }
      outcomes.add(SageMakerOutcome.json(d));
      if (status == TrainingJobStatus.FAILED && failure == null) {
        failure = d.failureReason() != null ? d.failureReason() : name + " failed";
      } else if (status == TrainingJobStatus.STOPPED && reading && failure == null) {
        failure = name + " was stopped outside Pier";
      }
    }
    return new Poll(steps(position), ended, outcomes, failure);
  }

  /** Stops every fold's training job still in progress; one not in progress (already stopped, ended) is left. */
  public void stop(ObjectNode position) {
    for (JsonNode fold : position.path("folds")) {
      String name = fold.path("name").asText();
      try {
        sagemaker.get().stopTrainingJob(b -> b.trainingJobName(name));
      } catch (SageMakerException e) {
        if (e.statusCode() != 400) { // ValidationException: not in progress (stopped, ended, not created yet)
          throw e;
        }
      }
    }
  }

  private DescribeTrainingJobResponse describe(String name) {
    try {
      return sagemaker.get().describeTrainingJob(b -> b.trainingJobName(name));
    } catch (ResourceNotFoundException e) {
      return null;
    } catch (SageMakerException e) { // SageMaker answers an unknown training job with a ValidationException
      if (e.statusCode() == 400 && String.valueOf(e.getMessage()).contains("not found")) {
        return null;
      }
      throw e;
    }
  }

  /** Reads the fold's lines from its last event's time on into its rounds (by round number: a re-read is harmless). */
  private void read(ObjectNode fold, String name, String key) {
    TrainingLogs.Since since = logs.since(name, fold.path("from").asLong());
    SortedMap<Integer, Double> rounds = new TreeMap<>();
    JsonNode known = fold.path("rounds");
    for (int r = 0; r < known.size(); r++) {
      rounds.put(r, known.get(r).asDouble());
    }
    rounds.putAll(RoundLog.byRound(since.lines()).getOrDefault(key, new TreeMap<>()));
    ArrayNode out = fold.putArray("rounds");
    for (int r = 0; rounds.containsKey(r); r++) { // from 0 without a gap
      out.add(rounds.get(r));
    }
    fold.put("from", since.lastMillis());
  }

  /** The folds' mean by round over the rounds every fold has logged. */
  static SortedMap<Integer, Double> steps(JsonNode position) {
    int common = Integer.MAX_VALUE;
    JsonNode folds = position.path("folds");
    for (JsonNode fold : folds) {
      common = Math.min(common, fold.path("rounds").size());
    }
    SortedMap<Integer, Double> steps = new TreeMap<>();
    for (int r = 0; folds.size() > 0 && r < common; r++) {
      double sum = 0;
      for (JsonNode fold : folds) {
        sum += fold.path("rounds").get(r).asDouble();
      }
      steps.put(r, sum / folds.size());
    }
    return steps;
  }
}
