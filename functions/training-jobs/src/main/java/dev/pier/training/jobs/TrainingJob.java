package dev.pier.training.jobs;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.pier.batch.Priority;
import java.time.Instant;
import java.util.Map;

/**
 * A training job as stored and answered: what it asked for, where its workflow is, what it found and what it cost.
 *
 * @param phase queued, preparing, tuning, refitting, evaluating, registering, done
 * @param dataset the dataset version trained on, {@code name@version}
 * @param stopReason why a limit stopped it ({@code max_runtime}, {@code max_cost_usd}), else null
 * @param tally the running summary the counts, best trial and cost were folded from (null before the first fold)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TrainingJob(String id, String name, String project, JobState state, String phase, Priority priority,
    TrainingJobSpec spec, String dataset, String datasetVersion, String experimentId, String parentRunId,
    Trials trials, Best best, Refit refit, Registered registered, Cost cost, String error, String stopReason,
    Instant createdAt, Instant startedAt, Instant finishedAt, Tally tally) {

  /** Counts of the search's trials. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record Trials(int total, int succeeded, int failed, int pruned) {
    public static final Trials NONE = new Trials(0, 0, 0, 0);
  }

  /**
   * How far the trials have been folded into {@link #trials}, {@link #best} and {@link #cost}: every trial numbered
   * below {@code folded} has finished and is counted, with {@code trialSeconds} the sum of their instance time (on
   * SageMaker: the billed time) and {@code savedSeconds} the SageMaker training time not billed (managed spot's saving,
   * the refit's included). A step
   * of the workflow reads only the trials from {@code folded} on (a batch), so its cost does not grow with the search.
   */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record Tally(int folded, double trialSeconds, double savedSeconds) {
    public static final Tally NONE = new Tally(0, 0, 0);

    public Tally(int folded, double trialSeconds) {
      this(folded, trialSeconds, 0);
    }
  }

  /** The best trial so far: its number, params and score. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record Best(int trial, Map<String, Object> params, double cvMean, double cvStd, int rounds) {}

  /**
   * The model refit on all training rows with the best params, and its score on the holdout; {@code reportedHoldout}
   * the score the refit itself reported (a script's log), which the evaluate step then records.
   */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Refit(String runId, String modelUri, String sha256, int rounds, Double holdoutScore,
      double seconds, Double reportedHoldout) {
    public Refit(String runId, String modelUri, String sha256, int rounds, Double holdoutScore, double seconds) {
      this(runId, modelUri, sha256, rounds, holdoutScore, seconds, null);
    }
  }

  /** The registered version the job made. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Registered(String model, int version, String alias, String runId, CanaryStarted canary,
      ExperimentStarted experiment) {
    public Registered(String model, int version, String alias, String runId) {
      this(model, version, alias, runId, null, null);
    }

    public Registered(String model, int version, String alias, String runId, CanaryStarted canary) {
      this(model, version, alias, runId, canary, null);
    }
  }

  /**
   * The experiment step's outcome: experiment {@code id} on {@code alias} between {@code control} (the alias's version)
   * and the new version at {@code weight}; where the alias did not exist yet it is pointed at the new version and no
   * experiment is made ({@code id} null, {@code control} 0).
   */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ExperimentStarted(String id, String alias, int control, double weight, String state) {}

  /**
   * The canary step's outcome: {@code alias} kept on {@code baseline} with the new version at {@code weight}; or, where
   * the alias did not exist yet, pointed at the new version ({@code baseline} 0, {@code weight} 1).
   */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record CanaryStarted(String alias, int baseline, double weight) {}

  /**
   * What the job cost: instance time at the price table's rate, state transitions, and S3 — the requests its steps make
   * ({@code s3PutRequests}, {@code s3GetRequests}) and one month of the objects it wrote ({@code s3StoredBytes}, as
   * {@code s3GbMonths}), priced as {@code s3Usd}.
   */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record Cost(double totalUsd, double computeUsd, double stepFunctionsUsd, double spotSavingsUsd,
      double instanceSeconds, String instanceType, boolean spot, double s3Usd, long s3PutRequests,
      long s3GetRequests, long s3StoredBytes, double s3GbMonths) {
    public Cost(double totalUsd, double computeUsd, double stepFunctionsUsd, double spotSavingsUsd,
        double instanceSeconds, String instanceType, boolean spot) {
      this(totalUsd, computeUsd, stepFunctionsUsd, spotSavingsUsd, instanceSeconds, instanceType, spot, 0, 0, 0, 0, 0);
    }

    public static Cost zero(String instanceType, boolean spot) {
      return new Cost(0, 0, 0, 0, 0, instanceType, spot);
    }

    /** This cost with S3 usage added (the requests a step made, the bytes it stored); the USD figures left as they are. */
    public Cost plusS3(long puts, long gets, long bytes) {
      return new Cost(totalUsd, computeUsd, stepFunctionsUsd, spotSavingsUsd, instanceSeconds, instanceType, spot,
          s3Usd, s3PutRequests + puts, s3GetRequests + gets, s3StoredBytes + bytes, s3GbMonths);
    }
  }

  public TrainingJob with(java.util.function.UnaryOperator<Builder> change) {
    return change.apply(new Builder(this)).build();
  }

  /** A copy with some fields changed. */
  public static final class Builder {
    public String phase;
    public JobState state;
    public String experimentId;
    public String parentRunId;
    public Trials trials;
    public Best best;
    public Refit refit;
    public Registered registered;
    public Cost cost;
    public String error;
    public String stopReason;
    public Instant startedAt;
    public Instant finishedAt;
    public Tally tally;
    private final TrainingJob j;

    Builder(TrainingJob j) {
      this.j = j;
      phase = j.phase;
      state = j.state;
      experimentId = j.experimentId;
      parentRunId = j.parentRunId;
      trials = j.trials;
      best = j.best;
      refit = j.refit;
      registered = j.registered;
      cost = j.cost;
      error = j.error;
      stopReason = j.stopReason;
      startedAt = j.startedAt;
      finishedAt = j.finishedAt;
      tally = j.tally;
    }

    public Builder phase(String p) {
      phase = p;
      return this;
    }

    TrainingJob build() {
      return new TrainingJob(j.id, j.name, j.project, state, phase, j.priority, j.spec, j.dataset, j.datasetVersion,
          experimentId, parentRunId, trials, best, refit, registered, cost, error, stopReason, j.createdAt,
          startedAt, finishedAt, tally);
    }
  }
}
