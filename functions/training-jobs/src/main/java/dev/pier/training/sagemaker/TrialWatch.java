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
 * next poll — {@code {"folds": [{"name", "from", "base", "rounds", "missing"}], "judged", "best", "pruned_at"}}: per
 * fold the time of the last log event read ({@code from}), its values for the rounds from {@code base} on that the
 * pruner has not judged yet, and how many polls found no such job yet; the last step judged and the best of the
 * folds' means up to it (what a pruner reads of the steps before the one it judges, {@link #shown}); {@code
 * pruned_at}, once the pruner decided. A poll retried with the same position reads the same lines again and decides
 * the same, so the task is idempotent. The position stays within Step Functions' 256 KiB however many rounds the
 * trial trains: judged rounds are dropped ({@link #judged}), and a fold that runs ahead of the others holds at most
 * its share of {@link #HELD_ROUNDS} — the rest it reads again, from the last round it holds, once the others catch up.
 * The pruned trial's history is read whole from the logs when its folds have ended ({@link #history}).
 */
public final class TrialWatch {
  /**
   * Polls a fold's training job may be missing before the trial fails: its sagemaker-training execution creates it
   * after the watch starts, so the first polls may come first; ten (five minutes at the workflow's 30 s) is far more.
   */
  static final int MISSING_POLLS = 10;
  /**
   * Unjudged rounds the position holds over all folds: about 20 bytes each, so ~100 KB, well within Step Functions'
   * 256 KiB for the execution's whole state (a fold waiting for capacity while the others train is what fills it).
   */
  static final int HELD_ROUNDS = 5_000;
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
    names.forEach(n -> folds.addObject().put("name", n).put("from", 0L).put("missing", 0).put("base", 0)
        .putArray("rounds"));
    return position;
  }

  /**
   * What one poll saw.
   *
   * @param steps the folds' mean by round, over the rounds every fold logged and the pruner has not judged yet (its
   *     intermediate values, from the step after {@code judged} on)
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
        read(fold, name, key, held(position));
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

  /** Every fold's new round lines of {@code key} into {@code position}, as {@link #poll} reads a described fold's. */
  void read(ObjectNode position, String key) {
    for (JsonNode fold : position.path("folds")) {
      read((ObjectNode) fold, fold.path("name").asText(), key, held(position));
    }
  }

  /** The unjudged rounds a fold may hold: its share of {@link #HELD_ROUNDS}. */
  private static int held(JsonNode position) {
    return Math.max(1, HELD_ROUNDS / Math.max(1, position.path("folds").size()));
  }

  /**
   * Reads the fold's lines from its last event's time on into its rounds from {@code base} (by round number: a re-read
   * is harmless; rounds before {@code base} were judged and are dropped). Holding more than {@code most} rounds, the
   * fold keeps the first {@code most} and reads on next time from the last of those, to read the rest again.
   */
  private void read(ObjectNode fold, String name, String key, int most) {
    TrainingLogs.Since since = logs.since(name, fold.path("from").asLong());
    int base = fold.path("base").asInt();
    SortedMap<Integer, Double> rounds = new TreeMap<>();
    JsonNode known = fold.path("rounds");
    for (int r = 0; r < known.size(); r++) {
      rounds.put(base + r, known.get(r).asDouble());
    }
    rounds.putAll(RoundLog.byRound(since.lines()).getOrDefault(key, new TreeMap<>()).tailMap(base));
    ArrayNode out = fold.putArray("rounds");
    int r = base;
    for (; rounds.containsKey(r) && r - base < most; r++) { // from base without a gap
      out.add(rounds.get(r));
    }
    if (!rounds.containsKey(r)) { // all of it held: read on from the last event
      fold.put("from", since.lastMillis());
      return;
    }
    long from = fold.path("from").asLong(); // else from the last event of a round held (read again: harmless)
    for (int i = 0; i < since.lines().size(); i++) {
      int round = RoundLog.round(since.lines().get(i));
      if (round >= 0 && round < r) {
        from = Math.max(from, since.times().get(i));
      }
    }
    fold.put("from", from);
  }

  /** The folds' mean by round over the rounds every fold has logged and holds (from the step after the last judged). */
  static SortedMap<Integer, Double> steps(JsonNode position) {
    JsonNode folds = position.path("folds");
    int from = 0;
    int common = Integer.MAX_VALUE;
    for (JsonNode fold : folds) {
      from = Math.max(from, fold.path("base").asInt());
      common = Math.min(common, fold.path("base").asInt() + fold.path("rounds").size());
    }
    SortedMap<Integer, Double> steps = new TreeMap<>();
    for (int r = from; folds.size() > 0 && r < common; r++) {
      double sum = 0;
      for (JsonNode fold : folds) {
        sum += fold.path("rounds").get(r - fold.path("base").asInt()).asDouble();
      }
      steps.put(r, sum / folds.size());
    }
    return steps;
  }

  /**
   * The trial's steps as a pruner is shown them when it judges {@code step} ({@code value}, the folds' mean there):
   * that value, and at the step before, the best of the means before it. What Pier's pruners read of a running trial
   * is its last step's value, the step before it and its best value so far (Optuna's median pruner), so this judges
   * as the whole history would, without the position holding it.
   */
  public static SortedMap<Integer, Double> shown(JsonNode position, int step, double value) {
    SortedMap<Integer, Double> shown = new TreeMap<>();
    if (step > 0) { // NaN: no step before had a value
      shown.put(step - 1, position.has("best") ? position.path("best").asDouble() : Double.NaN);
    }
    shown.put(step, value);
    return shown;
  }

  /**
   * Records {@code step} as judged: the best mean so far kept ({@code greaterIsBetter} says which is best; NaN is
   * never best), and the rounds up to it dropped from every fold.
   */
  public static void judged(ObjectNode position, int step, double value, boolean greaterIsBetter) {
    double best = position.has("best") ? position.path("best").asDouble() : Double.NaN;
    if (!Double.isNaN(value) && (Double.isNaN(best) || (greaterIsBetter ? value > best : value < best))) {
      best = value;
    }
    if (Double.isNaN(best)) {
      position.remove("best");
    } else {
      position.put("best", best);
    }
    position.put("judged", step);
    for (JsonNode node : position.path("folds")) {
      ObjectNode fold = (ObjectNode) node;
      int base = fold.path("base").asInt();
      ArrayNode rounds = (ArrayNode) fold.path("rounds");
      int drop = Math.min(rounds.size(), step + 1 - base);
      for (int i = 0; i < drop; i++) {
        rounds.remove(0);
      }
      fold.put("base", Math.max(base, base + drop));
    }
  }

  /**
   * The folds' mean by round from 0 through {@code step}, each fold's log read whole (once its job has ended: a pruned
   * trial's history as a trial in the worker records it); null when a fold's log has fewer rounds.
   */
  public List<Double> history(JsonNode position, String key, int step) {
    List<List<Double>> folds = new ArrayList<>();
    for (JsonNode fold : position.path("folds")) {
      List<Double> rounds = logs.rounds(fold.path("name").asText()).map(l -> l.history(key)).orElse(List.of());
      if (rounds.size() <= step) {
        return null;
      }
      folds.add(rounds);
    }
    List<Double> mean = new ArrayList<>(step + 1);
    for (int r = 0; r <= step; r++) {
      double sum = 0;
      for (List<Double> f : folds) {
        sum += f.get(r);
      }
      mean.add(sum / folds.size());
    }
    return List.copyOf(mean);
  }
}
