package dev.pier.training.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.training.Metric;
import dev.pier.training.sagemaker.ModelTuning;
import dev.pier.training.sagemaker.SageMakerOutcome;
import dev.pier.training.sagemaker.SageMakerRequests;
import dev.pier.training.tracking.JobTracking;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;
import software.amazon.awssdk.services.sagemaker.model.DescribeTrainingJobResponse;
import software.amazon.awssdk.services.sagemaker.model.HyperParameterTrainingJobSummary;
import software.amazon.awssdk.services.sagemaker.model.HyperParameterTuningJobStatus;
import software.amazon.awssdk.services.sagemaker.model.ResourceNotFoundException;
import software.amazon.awssdk.services.sagemaker.model.TrainingJobStatus;

/**
 * The training workflow's tasks for a job whose search is one SageMaker Automatic Model Tuning job
 * ({@link ModelTuning}): {@code tuning_request} (the tuning job to create, or where an earlier attempt's stands),
 * {@code tuning_status} (whether it ended) and {@code tuning_result}, which reads the tuning job's training jobs
 * (ListTrainingJobsForHyperParameterTuningJob, then DescribeTrainingJob for each: billed seconds, final metrics, the
 * failure reason) and records each as a trial through the worker's own SageMaker trial step ({@code trial_result}: the
 * trial's record, cost from the billed seconds, its MLflow child run), then tags AMT's {@code BestTrainingJob}. A
 * tuning job that failed or was stopped has its training jobs recorded all the same (the best step then fails the job
 * when none succeeded); one that never started fails the job with SageMaker's reason. The
 * workflow's best, refit, evaluate and register steps then run as for Pier's own search.
 *
 * <p>Trials are numbered by the training jobs' creation order (then name), which is fixed once the tuning job ended, so
 * recording again after a crash finds each training job's trial under the same number and records nothing twice; a
 * training job AMT stopped early is recorded PRUNED, as a trial Pier's pruner stopped.
 */
public final class TuningTrials {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final TrainingJobsTable jobs;
  private final JobTracking tracking;
  private final Supplier<SageMakerClient> sagemaker;
  private final TrainingSettings settings;
  private final Clock clock;

  public TuningTrials(TrainingJobsTable jobs, JobTracking tracking, Supplier<SageMakerClient> sagemaker,
      TrainingSettings settings, Clock clock) {
    this.jobs = jobs;
    this.tracking = tracking;
    this.sagemaker = sagemaker;
    this.settings = settings;
    this.clock = clock;
  }

  /**
   * {@code {"state": "create", "request": …}} when no tuning job of this Pier job exists yet, else {@code "running"}
   * (an earlier attempt's, still in progress: the workflow waits for it) or {@code "ended"}.
   */
  JsonNode request(TrainingJob job) {
    String name = ModelTuning.name(job.id());
    ObjectNode out = NODES.objectNode();
    try {
      var d = sagemaker.get().describeHyperParameterTuningJob(b -> b.hyperParameterTuningJobName(name));
      return out.put("state", ended(d.hyperParameterTuningJobStatus()) ? "ended" : "running");
    } catch (ResourceNotFoundException e) {
      // none yet: create it
    }
    SageMakerRequests requests = new SageMakerRequests(settings.bucket(), settings.sagemaker());
    out.put("state", "create");
    out.set("request", ModelTuning.request(requests, job.id(), job.spec(),
        Metric.of(job.spec().metric()).greaterIsBetter(), secondsLeft(job)));
    return out;
  }

  /** {@code {"ended": true|false}}: whether the job's tuning job has ended. */
  JsonNode status(TrainingJob job) {
    var d = sagemaker.get().describeHyperParameterTuningJob(b -> b.hyperParameterTuningJobName(
        ModelTuning.name(job.id())));
    return NODES.objectNode().put("ended", ended(d.hyperParameterTuningJobStatus()));
  }

  private static boolean ended(HyperParameterTuningJobStatus s) {
    return s != HyperParameterTuningJobStatus.IN_PROGRESS && s != HyperParameterTuningJobStatus.STOPPING;
  }

  /**
   * Records every training job of the job's tuning job as a trial (idempotent), through {@code worker}'s
   * {@code trial_result} step; {@code {"trials": n, "best_training_job": name}}.
   */
  JsonNode record(TrainingWorker worker, TrainingJob job, JsonNode error) {
    String id = job.id();
    String tuning = ModelTuning.name(id);
    SageMakerClient client = sagemaker.get();
    List<HyperParameterTrainingJobSummary> summaries = new ArrayList<>();
    try {
      client.listTrainingJobsForHyperParameterTuningJobPaginator(b -> b.hyperParameterTuningJobName(tuning)
          .sortBy("CreationTime").sortOrder("Ascending").maxResults(100))
          .forEach(page -> summaries.addAll(page.trainingJobSummaries()));
    } catch (ResourceNotFoundException e) {
      throw new TrainingWorker.JobFailed("SageMaker Automatic Model Tuning did not run: " + (error == null
          || error.isMissingNode() || error.isNull() ? "no tuning job " + tuning : TrainingWorker.reason(error)));
    }
    summaries.sort(Comparator.comparing(HyperParameterTrainingJobSummary::creationTime,
        Comparator.nullsLast(Comparator.naturalOrder())).thenComparing(HyperParameterTrainingJobSummary::trainingJobName));
    var tuned = client.describeHyperParameterTuningJob(b -> b.hyperParameterTuningJobName(tuning));
    String best = tuned.bestTrainingJob() == null ? null : tuned.bestTrainingJob().trainingJobName();
    String metric = SageMakerRequests.metricName(job.spec(), "validation", job.spec().metric());
    for (int number = 0; number < summaries.size(); number++) {
      HyperParameterTrainingJobSummary s = summaries.get(number);
      var existing = jobs.trial(id, number);
      if (existing.isPresent() && existing.get().finished()) {
        continue; // recorded before a restart
      }
      Map<String, Object> params = ModelTuning.params(job.spec(), s.tunedHyperParameters());
      jobs.createTrial(id, new TrialRecord(number, params, "RUNNING", null, null, null, null, null, null, null, 0, 0));
      DescribeTrainingJobResponse d = client.describeTrainingJob(b -> b.trainingJobName(s.trainingJobName()));
      if (d.trainingJobStatus() == TrainingJobStatus.STOPPED) {
        pruned(job, number, d, metric);
        tag(id, number, s.trainingJobName(), false);
        continue;
      }
      ObjectNode step = NODES.objectNode().put("action", "trial_result").put("job_id", id).put("trial", number);
      if (d.trainingJobStatus() == TrainingJobStatus.COMPLETED) {
        step.putArray("folds").add(SageMakerOutcome.json(d));
      } else {
        step.putArray("folds");
        step.putObject("error").put("Error", "SageMaker.TrainingJobFailed")
            .put("Cause", d.failureReason() == null ? d.trainingJobName() + " ended " + d.trainingJobStatusAsString()
                : d.failureReason());
      }
      worker.handle(step);
      tag(id, number, s.trainingJobName(), s.trainingJobName().equals(best));
    }
    TrainingJob now = jobs.require(id);
    if (now.parentRunId() != null) {
      tracking.log(now.parentRunId(), Map.of(), Map.of(), best == null ? Map.of("pier.sagemaker_tuning_job", tuning)
          : Map.of("pier.sagemaker_tuning_job", tuning, "pier.sagemaker_best_training_job", best));
    }
    ObjectNode out = NODES.objectNode().put("trials", summaries.size());
    if (best != null) {
      out.put("best_training_job", best);
    }
    return out;
  }

  /** The trial's child run names its training job (and AMT's best); recording again tags the same values. */
  private void tag(String id, int number, String trainingJob, boolean best) {
    jobs.trial(id, number).map(TrialRecord::runId).ifPresent(run -> tracking.log(run, Map.of(), Map.of(),
        best ? Map.of("pier.sagemaker_training_job", trainingJob, "pier.sagemaker_best", "true")
            : Map.of("pier.sagemaker_training_job", trainingJob)));
  }

  /** A training job AMT stopped early: PRUNED with its last objective value, its billed time costed. */
  private void pruned(TrainingJob job, int number, DescribeTrainingJobResponse d, String metric) {
    TrialRecord trial = jobs.trial(job.id(), number).orElseThrow();
    String run = trial.runId();
    if (run == null) {
      run = tracking.startRun(job.experimentId(), job.name() + "-" + job.id() + "-trial-" + number,
          job.parentRunId(), Map.of("pier.training_job", job.id(), "pier.trial", Integer.toString(number),
              "pier.dataset", job.dataset()));
      Map<String, String> params = new java.util.TreeMap<>();
      trial.params().forEach((k, v) -> params.put(k, String.valueOf(v)));
      tracking.log(run, params, Map.of(), Map.of());
    }
    Double last = d.finalMetricDataList().stream().filter(m -> m.metricName().equals(metric))
        .map(m -> (double) m.value()).findFirst().orElse(null);
    double billable = d.billableTimeInSeconds() != null ? d.billableTimeInSeconds()
        : d.trainingTimeInSeconds() != null ? d.trainingTimeInSeconds() : 0;
    double training = d.trainingTimeInSeconds() == null ? billable : d.trainingTimeInSeconds();
    var r = job.spec().resources();
    double usd = settings.prices().compute(r.instanceType(), Math.max(1, r.instanceCount()), false, billable);
    TrialRecord done = new TrialRecord(number, trial.params(), "PRUNED", null, null, null,
        last == null ? null : List.of(last), null, "stopped early by SageMaker Automatic Model Tuning", run, billable,
        usd, Math.max(0, training - billable));
    if (jobs.putTrial(job.id(), done)) {
      tracking.end(run, "KILLED");
    }
  }

  private Long secondsLeft(TrainingJob job) {
    long max = job.spec().resources().maxRuntimeSeconds();
    if (max <= 0 || job.startedAt() == null) {
      return null;
    }
    return max - Duration.between(job.startedAt(), clock.instant()).toSeconds();
  }
}
