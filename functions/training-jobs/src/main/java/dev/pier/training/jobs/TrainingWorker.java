package dev.pier.training.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.kernel.PierException;
import dev.pier.kernel.engine.Framework;
import dev.pier.registry.ModelRegistry;
import dev.pier.registry.ModelVersion;
import dev.pier.registry.NewVersion;
import dev.pier.training.Holdout;
import dev.pier.training.Split;
import dev.pier.training.Splitter;
import dev.pier.training.TrainingTable;
import dev.pier.training.datasets.DatasetReader;
import dev.pier.training.datasets.DatasetVersion;
import dev.pier.training.cost.PriceTable;
import dev.pier.training.cost.Transitions;
import dev.pier.training.datasets.Datasets;
import dev.pier.training.sagemaker.ModelArtifact;
import dev.pier.training.sagemaker.SageMakerChannels;
import dev.pier.training.sagemaker.SageMakerOutcome;
import dev.pier.training.sagemaker.SageMakerRequests;
import dev.pier.training.tracking.JobTracking;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The tasks of training.asl.json — prepare, suggest, trial, best, refit, evaluate, register, finalize, fail — one
 * {@code action} each. Every task is idempotent, so an execution started again after a crash redoes no finished
 * work: suggested trials are recorded before they run and a finished trial is returned as recorded; the refit
 * model, its evaluation and the registration (an idempotency key) are recorded on the job once.
 *
 * <p>Thread-safety: trials of one job run concurrently (the Map state); the job's table of rows is loaded once per
 * process and shared read-only.
 */
public final class TrainingWorker {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final TrainingJobsTable jobs;
  private final Datasets datasets;
  private final ModelTrainer trainer;
  private final Searches searches;
  private final JobTracking tracking;
  private final ModelRegistry registry;
  private final S3Client s3;
  private final TrainingSettings settings;
  private final Clock clock;
  private final Map<String, Loaded> tables = new ConcurrentHashMap<>();
  private final Set<String> stopped = ConcurrentHashMap.newKeySet();
  private Runnable afterJobEnds = () -> {};
  private ExperimentStarter experiments;
  private TuningTrials tuning;
  private dev.pier.training.sagemaker.TrainingLogs trainingLogs;
  private dev.pier.training.sagemaker.TrialWatch watch;
  /** Each job's search in this process: its strategy and how many trials (from 0) it has observed. */
  private final Map<String, Learning> learning = new ConcurrentHashMap<>();

  public TrainingWorker(TrainingJobsTable jobs, Datasets datasets, ModelTrainer trainer,
      Searches searches, JobTracking tracking, ModelRegistry registry, S3Client s3,
      TrainingSettings settings, Clock clock) {
    this.jobs = jobs;
    this.datasets = datasets;
    this.trainer = trainer;
    this.searches = searches;
    this.tracking = tracking;
    this.registry = registry;
    this.s3 = s3;
    this.settings = settings;
    this.clock = clock;
  }

  /** Where a job with {@code tuning.service sagemaker} runs its search (none: such a job fails at that step). */
  public TrainingWorker withTuning(TuningTrials tuning) {
    this.tuning = tuning;
    return this;
  }

  private TuningTrials tuning() {
    if (tuning == null) {
      throw new JobFailed("this worker cannot reach SageMaker Automatic Model Tuning");
    }
    return tuning;
  }

  /**
   * Where a SageMaker trial's per-round metrics are read after its training jobs end (CloudWatch Logs); none: such
   * trials record no history and their last round as the best.
   */
  public TrainingWorker withTrainingLogs(dev.pier.training.sagemaker.TrainingLogs logs) {
    this.trainingLogs = logs;
    return this;
  }

  /**
   * Where a SageMaker trial of a search with a pruner is watched while it trains (its jobs described, its round lines
   * read, its jobs stopped when pruned); none: such trials run to their end, as without a pruner.
   */
  public TrainingWorker withTrialWatch(dev.pier.training.sagemaker.TrialWatch watch) {
    this.watch = watch;
    return this;
  }

  /** Where the experiment step creates and starts experiments (none: a job asking for one fails at that step). */
  public TrainingWorker withExperiments(ExperimentStarter experiments) {
    this.experiments = experiments;
    return this;
  }

  /** A job's rows in memory with its holdout split and CV folds (deterministic from the seed). */
  private record Loaded(TrainingTable table, Split holdout, List<Split> folds) {}

  /** Lambda's invoke shape: {@code {"StatusCode": 200, "Payload": <result>}}. */
  public JsonNode invoke(JsonNode parameters) {
    return NODES.objectNode().put("StatusCode", 200).set("Payload", handle(parameters.path("Payload")));
  }

  public JsonNode handle(JsonNode payload) {
    String id = payload.path("job_id").asText();
    String action = payload.path("action").asText();
    return switch (action) {
      case "prepare" -> prepare(id);
      case "suggest" -> suggest(id);
      case "trial" -> trial(id, payload.path("trial").asInt());
      case "trial_channels" -> trialTrainings(id, payload.path("trial").asInt());
      case "trial_result" -> trialResult(id, payload.path("trial").asInt(), payload.path("folds"),
          payload.path("error"));
      case "trial_watch" -> trialWatch(id, payload.path("trial").asInt(), payload.path("position"));
      case "refit_channels" -> refitTraining(id);
      case "refit_result" -> refitResult(id, payload.path("training"), payload.path("error"));
      case "best" -> best(id);
      case "refit" -> refit(id);
      case "evaluate" -> evaluate(id);
      case "register" -> register(id);
      case "canary" -> canary(id);
      case "experiment" -> experiment(id);
      case "finalize" -> finish(id);
      case "fail" -> fail(id, payload.path("error"));
      case "tuning_request" -> tuning().request(running(id));
      case "tuning_status" -> tuning().status(running(id));
      case "tuning_result" -> tuning().record(this, running(id), payload.path("tuning").path("error"));
      default -> throw new IllegalArgumentException("unknown training action '" + action + "'");
    };
  }

  /**
   * What runs after a job ends in the workflow's finalize or fail task: in AWS the queue's dispatch, so a job waiting
   * for its project's slot starts ({@link QueuedStepFunctionsLauncher}). Its failure is logged, never the job's.
   */
  public TrainingWorker afterJobEnds(Runnable hook) {
    this.afterJobEnds = hook;
    return this;
  }

  private void jobEnded(String id) {
    try {
      afterJobEnds.run();
    } catch (RuntimeException e) {
      java.util.logging.Logger.getLogger(TrainingWorker.class.getName()).log(java.util.logging.Level.WARNING,
          "after training job " + id + " ended, the queue could not start the next", e);
    }
  }

  /**
   * An execution of the training workflow ended {@code FAILED}, {@code TIMED_OUT} or {@code ABORTED} (Step Functions'
   * "Execution Status Change" event, {@code detail} as EventBridge delivers it; the execution is named by its job's
   * id): a job whose record still says RUNNING — its execution ended outside Pier's final tasks: stopped in the
   * console, timed out, failed outside a task — ends with that state and the reason, and in every case the queue
   * dispatches, so its project's slot goes to the next queued job. Idempotent: the job ends once, a dispatch starts
   * only what has a slot; an event for a job that ended through its own tasks only dispatches.
   */
  public JsonNode executionEnded(JsonNode detail) {
    String id = detail.path("name").asText("");
    String status = detail.path("status").asText("");
    ObjectNode out = NODES.objectNode().put("job_id", id).put("status", status);
    JobState state = switch (status) {
      case "FAILED" -> JobState.FAILED;
      case "TIMED_OUT" -> JobState.TIMED_OUT;
      case "ABORTED" -> JobState.ABORTED;
      default -> null;
    };
    if (state == null || id.isEmpty()) {
      return out.put("ended", false).put("reason", "not an end this worker acts on");
    }
    var stored = jobs.stored(id);
    boolean ended = false;
    if (stored.isPresent() && !stored.get().job().state().isFinal()) {
      String error = detail.path("error").asText("");
      String cause = detail.path("cause").asText("");
      String reason = "the workflow's execution ended " + status + " outside Pier's tasks"
          + (error.isBlank() ? "" : ": " + error) + (cause.isBlank() ? "" : " (" + truncate(cause, 2000) + ")");
      var now = jobs.update(stored.get(), j -> j.with(b -> {
        b.state = state;
        b.error = reason;
        b.finishedAt = clock.instant();
        b.cost = cost(j, j.trials().total(), tally(j).trialSeconds(), 0);
        return b.phase("done");
      }), false);
      ended = now.isPresent();
      now.map(TrainingJobsTable.Stored::job).filter(j -> j.parentRunId() != null).ifPresent(j -> {
        try {
          tracking.end(j.parentRunId(), state == JobState.FAILED ? "FAILED" : "KILLED");
        } catch (RuntimeException e) {
          // the job's end is recorded; its run stays as it was
        }
      });
      tables.remove(id);
      stopped.remove(id);
      learning.remove(id);
      lastBatch.remove(id);
    }
    jobEnded(id);
    return out.put("ended", ended);
  }

  /** Stops the job's running trials at their next round (a cancel). */
  public void stop(String id) {
    stopped.add(id);
  }

  // ---- prepare ----------------------------------------------------------------------------------------------------

  private JsonNode prepare(String id) {
    TrainingJob job = running(id);
    DatasetVersion version = version(job);
    Loaded loaded = load(job);
    SageMakerChannels.Written written = settings.sagemaker() == null ? null : writeChannels(job, loaded);
    String experiment = job.experimentId() != null ? job.experimentId() : tracking.experiment(job.name());
    String parent = job.parentRunId();
    if (parent == null) {
      Map<String, String> tags = new LinkedHashMap<>();
      tags.put("pier.training_job", id);
      tags.put("pier.dataset", version.ref());
      tags.put("pier.dataset_version", version.version());
      tags.put("pier.project", job.project());
      tags.put("mlflow.source.name", "pier training job " + id);
      tags.put("mlflow.source.type", "JOB");
      tags.putAll(codeTags(job));
      String created = tracking.startRun(experiment, job.name() + "-" + id, null, tags);
      Map<String, String> params = new TreeMap<>();
      job.spec().params().forEach((k, v) -> params.put(k, String.valueOf(v)));
      params.put("seed", Long.toString(job.spec().seed()));
      params.put("cv_folds", Integer.toString(job.spec().cv().folds()));
      params.put("cv_kind", job.spec().cv().kind());
      params.put("holdout", Double.toString(job.spec().split().holdout()));
      if (job.spec().tuning() != null) {
        params.put("tuning_strategy", job.spec().tuning().strategy());
        params.put("tuning_max_trials", Integer.toString(job.spec().tuning().maxTrials()));
      }
      tracking.log(created, params, Map.of(), Map.of());
      int objects = version.objects().size();
      var stored = jobs.update(id, j -> j.parentRunId() != null ? j : j.with(b -> {
        b.parentRunId = created;
        b.experimentId = experiment;
        if (b.startedAt == null) { // started by Step Functions (AWS), not the local queue: max_runtime counts from here
          b.startedAt = clock.instant();
        }
        b.cost = j.cost().plusS3(written == null ? 0 : written.puts(), 1 + objects,
            written == null ? 0 : written.bytes()); // the dataset read: one LIST, one GET per object; the channels
        return b.phase("tuning");
      }), false);
      parent = stored.map(TrainingJob::parentRunId).orElse(created);
      if (!created.equals(parent)) {
        tracking.store().deleteRun(created); // another attempt recorded its run first
      }
    }
    ObjectNode out = NODES.objectNode();
    out.put("parallel", job.spec().parallel());
    out.put("rows", loaded.table().rows());
    out.put("training_rows", loaded.holdout().train().length);
    out.put("holdout_rows", loaded.holdout().test().length);
    out.put("experiment_id", experiment);
    out.put("parent_run_id", parent);
    out.put("backend", settings.sagemaker() == null ? "local" : "sagemaker");
    out.put("tuner", dev.pier.training.sagemaker.ModelTuning.requested(job.spec()) ? "sagemaker" : "pier");
    return out;
  }

  /**
   * SageMaker's input channels in S3: each CV fold's {@code train} and {@code validation} rows, and the refit's
   * training rows with the holdout ({@code validation}, or {@code test} for a script). The training channels are
   * split into one object per instance. A job SageMaker cannot train as the worker would is failed here, before
   * anything runs: categorical features (SageMaker's CSV has no categories) and ranking (no query ids).
   */
  private SageMakerChannels.Written writeChannels(TrainingJob job, Loaded loaded) {
    if (loaded.table().hasCategories()) {
      throw new JobFailed("categorical features cannot train on SageMaker (its CSV channels carry no categories):"
          + " encode them as numbers in the dataset");
    }
    if (trainer(job).ranking(job.spec().params())) {
      throw new JobFailed("ranking objectives cannot train on SageMaker here (its CSV channels carry no query ids)");
    }
    try {
      new SageMakerRequests(settings.bucket(), settings.sagemaker()).image(job.spec());
    } catch (IllegalArgumentException e) {
      throw new JobFailed(e.getMessage());
    }
    SageMakerChannels channels = new SageMakerChannels(s3, settings.bucket());
    int shards = Math.max(1, job.spec().resources().instanceCount());
    SageMakerChannels.Written written = new SageMakerChannels.Written(0, 0);
    int folds = dev.pier.training.sagemaker.ModelTuning.requested(job.spec()) ? 0 // AMT trains on the refit channels
        : loaded.folds().size();
    boolean header = job.spec().scriptMode(); // a script reads the CSV it reads locally; XGBoost's image, none
    for (int f = 0; f < folds; f++) {
      Split fold = loaded.folds().get(f);
      String set = "fold-" + (f + 1);
      written = written.plus(channels.write(job.id(), set, "train", loaded.table(), fold.train(), shards, header))
          .plus(channels.write(job.id(), set, "validation", loaded.table(), fold.test(), 1, header));
    }
    written = written.plus(channels.write(job.id(), "refit", "train", loaded.table(), loaded.holdout().train(),
        shards, header)).plus(channels.write(job.id(), "refit", holdoutChannel(job), loaded.table(),
        loaded.holdout().test(), 1, header));
    return written;
  }

  /**
   * The refit's holdout channel: {@code validation} for SageMaker's XGBoost (it reports validation:<metric>), else
   * {@code test} (a script's contract).
   */
  private static String holdoutChannel(TrainingJob job) {
    return job.spec().scriptMode() ? "test" : "validation";
  }

  // ---- suggest ----------------------------------------------------------------------------------------------------

  private JsonNode suggest(String id) {
    // the job read once; the last batch's trials folded into it in memory, written with the next batch's trials
    Progress progress = advanceToSuggest(id);
    TrainingJob job = progress.job();
    ObjectNode out = NODES.objectNode();
    var numbers = out.putArray("trials");
    String limit = limitPassed(job);
    if (limit != null) {
      progress.writeFold(jobs);
      out.put("done", true);
      out.put("stop_reason", limit);
      return out;
    }
    if (!progress.pending().isEmpty()) { // suggested before a restart and never finished: they run first
      progress.writeFold(jobs);
      progress.pending().forEach(t -> numbers.add(t.number()));
      out.put("done", false);
      return out;
    }
    int total = progress.total();
    int left = job.spec().maxTrials() - total;
    List<Map<String, Object>> next = left <= 0 ? List.of()
        : progress.strategy().suggest(Math.min(left, job.spec().parallel()), total);
    int number = total;
    List<TrialRecord> suggested = new ArrayList<>();
    for (Map<String, Object> params : next) {
      suggested.add(new TrialRecord(number, new TreeMap<>(params), "RUNNING", null, null, null, null, null, null,
          JobTracking.trialRunId(id, number), 0, 0)); // its run is created under that id when it starts
      numbers.add(number++);
    }
    if (next.isEmpty()) {
      progress.writeFold(jobs);
    } else {
      int created = number;
      // the trials (one that exists was recorded by an attempt that died before answering: the same number runs)
      // and the job's counts, with the last batch folded in, in one write
      UnaryOperator<TrainingJob> change = j -> {
        TrainingJob folded = progress.fold().apply(j);
        return folded.with(b -> {
          b.trials = new TrainingJob.Trials(Math.max(created, folded.trials().total()), folded.trials().succeeded(),
              folded.trials().failed(), folded.trials().pruned());
          b.cost = cost(folded, created, tally(folded).trialSeconds(), 0);
          return b;
        });
      };
      // (a job not read, as this process's last write left it, is written so too: conditional on that)
      Optional<TrainingJobsTable.Stored> recorded = jobs.createTrialsIfUnchanged(progress.stored(), suggested, change);
      boolean asSuggested = recorded.isPresent(); // every trial of the batch recorded by this write
      if (!asSuggested) { // the job changed since (cancelled, another process), or a trial existed
        if (!progress.read()) {
          runningStored(id); // the job as read now must be running (the fold below counts only trials past its tally)
        }
        recorded = jobs.createTrialsOneByOne(id, suggested, change);
      }
      if (recorded.isPresent() && recorded.get().job().trials().total() == created) {
        // recorded: the next Suggest need not read the batch, nor (when this write recorded them) its trial tasks
        // their trials
        lastBatch.put(id, new Batch(total, created, recorded.get(), List.copyOf(suggested), asSuggested,
            ConcurrentHashMap.newKeySet(), new ConcurrentHashMap<>()));
      }
    }
    out.put("done", next.isEmpty());
    return out;
  }

  /**
   * Trials {@code from} to {@code to} (exclusive): the batch this process suggested last for a job, recorded — with
   * the job as that write left it, the trials as suggested (and whether that write recorded them so: not when one
   * existed), those of them this process started, and those it finished, as recorded.
   */
  private record Batch(int from, int to, TrainingJobsTable.Stored job, List<TrialRecord> suggested,
      boolean asSuggested, Set<Integer> started, Map<Integer, TrialRecord> finished) {
    boolean holds(int number) {
      return number >= from && number < to;
    }

    /** Its trials as recorded when this process finished every one of them (by number), else null. */
    List<TrialRecord> finishedHere() {
      if (finished.size() != to - from) {
        return null;
      }
      return new TreeMap<>(finished).values().stream().toList();
    }
  }

  /** By job: the batch this process suggested and recorded last (a restarted process has none). */
  private final Map<String, Batch> lastBatch = new ConcurrentHashMap<>();

  /**
   * {@link #advance} for Suggest, the job and the trials it has not folded read in one call where it can: when this
   * process suggested the last batch, the job and that batch's trials in one BatchGetItem — used when the job's tally
   * stops where the batch starts and its count where the batch ends (nothing else was suggested or folded since, so
   * the query would return exactly those trials); otherwise the job, then the query (a restart, another process).
   * Saves one DynamoDB call per batch.
   */
  private Progress advanceToSuggest(String id) {
    Batch last = lastBatch.remove(id);
    Learning known = learning.get(id);
    List<TrialRecord> finished = last == null ? null : last.finishedHere();
    if (finished != null && known != null && known.observed == last.from()
        && tally(last.job().job()).folded() == last.from() && last.job().job().trials().total() == last.to()) {
      // this process wrote the job last and finished the whole batch: nothing to read (Suggest's write is
      // conditional on the job being as that write left it)
      return advance(last.job(), true, finished, false);
    }
    if (last != null && last.to() - last.from() < 100) {
      var read = jobs.jobAndTrials(id, last.from(), last.to());
      TrainingJob job = running(read.job().job());
      Learning run = learning.get(id);
      if (run != null && run.observed == last.from() && tally(job).folded() == last.from()
          && job.trials().total() == last.to() && read.trials().size() == last.to() - last.from()) {
        return advance(read.job(), true, read.trials());
      }
      return advance(read.job(), true);
    }
    return advance(runningStored(id), true);
  }

  /** What is left of the job's max_runtime in seconds (may be negative); null without one. */
  private Long secondsLeft(TrainingJob job) {
    long max = job.spec().resources().maxRuntimeSeconds();
    if (max <= 0 || job.startedAt() == null) {
      return null;
    }
    return max - Duration.between(job.startedAt(), clock.instant()).toSeconds();
  }

  /** The limit the job has passed (runtime, cost), or null. */
  private String limitPassed(TrainingJob job) {
    var r = job.spec().resources();
    if (r.maxRuntimeSeconds() > 0 && job.startedAt() != null
        && Duration.between(job.startedAt(), clock.instant()).toSeconds() >= r.maxRuntimeSeconds()) {
      return "max_runtime";
    }
    if (r.maxCostUsd() > 0 && job.cost().totalUsd() >= r.maxCostUsd()) {
      return "max_cost_usd";
    }
    return null;
  }

  // ---- trial ------------------------------------------------------------------------------------------------------

  private JsonNode trial(String id, int number) {
    TrainingJob job;
    TrialRecord trial;
    Batch batch = lastBatch.get(id);
    if (batch != null && batch.asSuggested() && batch.holds(number) && batch.started().add(number)
        && !stopped.contains(id)) {
      // suggested by this process's last write and not started since: the job and the trial are as that write left
      // them (running; the trial not finished — only this attempt runs it), so they are not read again. A cancel
      // reaches a running trial through stop(), at its next round.
      job = batch.job().job();
      trial = batch.suggested().get(number - batch.from());
    } else {
      var read = jobs.jobAndTrial(id, number); // the job and the trial in one read
      job = running(read.job().job());
      trial = read.trial().orElseThrow(() -> new IllegalStateException("no trial " + number));
      if (trial.finished()) {
        finishedHere(id, trial);
        return view(trial); // finished before a restart: never run again
      }
    }
    String metric = job.spec().metric();
    // its run opened while it trains (nothing of the training waits for it; the trial's end does): the run's write is
    // off the trial's path of sequential round trips whenever training takes longer than that write
    TrainingJob opening = job;
    TrialRecord suggested = trial;
    java.util.concurrent.FutureTask<TrialRecord> opened = new java.util.concurrent.FutureTask<>(
        () -> withRun(opening, suggested));
    Thread.ofVirtual().name("trial-run-" + number).start(opened);
    trial = trial.runId() == null ? trial.withRun(JobTracking.trialRunId(id, number)) : trial; // as withRun returns it
    Loaded loaded;
    try {
      loaded = load(job);
    } catch (RuntimeException e) {
      awaitQuietly(opened);
      throw e;
    }
    Instant start = clock.instant();
    TrialRecord done;
    String status = "FINISHED";
    SearchStrategy search = learning(job).strategy;
    java.util.SortedMap<Integer, Double> steps = new java.util.TreeMap<>();
    TrialRecord current = trial;
    Map<String, Double> metrics = new LinkedHashMap<>(); // the run's results, its history and tags, logged at its end
    List<Double> history = null;
    Map<String, String> tags = Map.of();
    try {
      Instant deadline = job.spec().resources().maxRuntimeSeconds() > 0 && job.startedAt() != null
          ? job.startedAt().plusSeconds(job.spec().resources().maxRuntimeSeconds()) : null;
      ModelTrainer.CvOutcome cv = trainer(job).crossValidate(loaded.table(), loaded.folds(), trial.params(), metric,
          job.spec().seed(), (step, mean) -> {
            steps.put(step, mean);
            if (search.prune(current, steps)) {
              throw new dev.pier.training.TrialPruned(step);
            }
            if (stopped.contains(id)) {
              throw new TrialStopped("the job was cancelled");
            }
            if (deadline != null && clock.instant().isAfter(deadline)) {
              throw new TrialStopped("max_runtime passed");
            }
          });
      double seconds = seconds(start);
      done = new TrialRecord(number, trial.params(), "SUCCEEDED", cv.mean(), cv.std(), cv.folds(), cv.history(),
          cv.bestRound(), null, trial.runId(), seconds, trialCost(job, seconds));
      metrics.put("cv_" + metric + "_mean", cv.mean());
      metrics.put("cv_" + metric + "_std", cv.std());
      for (int f = 0; f < cv.folds().size(); f++) {
        metrics.put("cv_" + metric + "_fold_" + (f + 1), cv.folds().get(f));
      }
      metrics.put("best_round", (double) cv.bestRound());
      history = cv.history(); // the folds' mean per round
    } catch (dev.pier.training.TrialPruned e) { // the pruner judged it not worth finishing
      double seconds = seconds(start);
      done = new TrialRecord(number, trial.params(), "PRUNED", null, null, null, List.copyOf(steps.values()), null,
          e.getMessage(),
          trial.runId(), seconds, trialCost(job, seconds));
      status = "KILLED";
    } catch (TrialStopped e) {
      double seconds = seconds(start);
      done = new TrialRecord(number, trial.params(), "FAILED", null, null, null, null, null, e.getMessage(),
          trial.runId(), seconds, trialCost(job, seconds));
      status = "KILLED";
    } catch (RuntimeException e) { // recorded with its error; the search goes on
      double seconds = seconds(start);
      done = new TrialRecord(number, trial.params(), "FAILED", null, null, null, null, null, message(e),
          trial.runId(), seconds, trialCost(job, seconds));
      status = "FAILED";
      tags = Map.of("pier.error", truncate(message(e), 4000));
    }
    awaitRun(opened); // its error (the experiment deleted, say) fails the task, as before the trial ran
    // the run's results and end and the trial's end in one write (a crash before it leaves the trial to run again;
    // its history is logged once per step, so that does not double it)
    if (!tracking.finish(trial.runId(), metrics, "cv_" + metric + "_by_round", history, tags, status,
        jobs.putTrialAction(id, done))) {
      return view(jobs.trial(id, number).orElseThrow()); // another attempt finished it first
    }
    finishedHere(id, done);
    return view(done);
  }

  /** The trial's run opened beside its training ({@link #withRun}'s answer); its error thrown as the opening's own. */
  private static TrialRecord awaitRun(java.util.concurrent.FutureTask<TrialRecord> opening) {
    try {
      return opening.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while opening a trial's run", e);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  /** {@link #awaitRun} where another error is thrown: the opening ended, its own error left out. */
  private static void awaitQuietly(java.util.concurrent.FutureTask<TrialRecord> opening) {
    try {
      awaitRun(opening);
    } catch (RuntimeException e) {
      // the caller's error is the one to report
    }
  }

  /** Notes a trial of the batch this process suggested last as recorded finished ({@code as}: as stored). */
  private void finishedHere(String id, TrialRecord as) {
    Batch batch = lastBatch.get(id);
    if (batch != null && batch.holds(as.number())) {
      batch.finished().put(as.number(), as);
    }
  }

  /**
   * The trial with its child run opened (its tags and params in the same write), under the id the trial was suggested
   * with ({@link JobTracking#trialRunId}), so the trial's record need not be written again to name it; a run that an
   * earlier attempt created is kept. A trial recorded without a run id (by AMT's tuning, or before run ids were
   * chosen up front) is recorded with it first.
   */
  private TrialRecord withRun(TrainingJob job, TrialRecord trial) {
    String id = job.id();
    String run = JobTracking.trialRunId(id, trial.number());
    TrialRecord opened = trial;
    if (trial.runId() == null) {
      opened = trial.withRun(run);
      jobs.putTrial(id, opened);
    } else if (!trial.runId().equals(run)) {
      return trial; // opened before run ids were chosen up front
    }
    Map<String, String> tags = Map.of("pier.training_job", id, "pier.trial", Integer.toString(trial.number()),
        "pier.dataset", job.dataset());
    Map<String, String> params = new TreeMap<>();
    trial.params().forEach((k, v) -> params.put(k, String.valueOf(v)));
    tracking.startRunOnce(job.experimentId(), run, job.name() + "-" + id + "-trial-" + trial.number(),
        job.parentRunId(), tags, params);
    return opened;
  }

  // ---- trials and the refit on SageMaker -------------------------------------------------------------------------

  /**
   * A trial's SageMaker training jobs, one per CV fold: the trial's params (with the job's metric as
   * {@code eval_metric} and its seed) as hyperparameters, the fold's channels; {@code done} when it already finished.
   */
  private JsonNode trialTrainings(String id, int number) {
    TrainingJob job = running(id);
    TrialRecord trial = jobs.trial(id, number).orElseThrow(() -> new IllegalStateException("no trial " + number));
    ObjectNode out = NODES.objectNode();
    var list = out.putArray("trainings");
    if (trial.finished()) {
      out.put("watch", false).set("position", NODES.nullNode());
      return out.put("done", true);
    }
    withRun(job, trial);
    SageMakerRequests requests = new SageMakerRequests(settings.bucket(), settings.sagemaker());
    Map<String, Object> hyper = hyperparameters(job, trial.params());
    String attempt = attempt();
    List<String> names = new ArrayList<>();
    for (int f = 1; f <= load(job).folds().size(); f++) {
      Map<String, String> channels = new LinkedHashMap<>();
      channels.put("train", "fold-" + f);
      channels.put("validation", "fold-" + f);
      String name = SageMakerRequests.name(id, "t" + number + "-f" + f + "-" + attempt);
      names.add(name);
      list.add(requests.training(id, job.spec(), name, hyper, channels, secondsLeft(job)));
    }
    boolean watched = watched(job);
    out.put("watch", watched);
    out.set("position", watched ? dev.pier.training.sagemaker.TrialWatch.start(names) : NODES.nullNode());
    return out.put("done", false);
  }

  /** Whether the job's SageMaker trials are watched while they train: its search has a pruner, its trials rounds. */
  private boolean watched(TrainingJob job) {
    return watch != null && trainer(job).usesRounds() && learning(job).strategy.prunes();
  }

  /**
   * One poll of a watched trial (training.asl.json's watch loop, beside its folds' {@code .sync} executions): reads
   * the folds' new rounds and hands their mean by round to the search's pruner, as a trial in the worker reports each
   * round; when it says prune, the folds' training jobs are stopped and, once they ended, the trial is recorded PRUNED
   * with its history so far and the time SageMaker billed, as a pruned trial in the worker is. A trial whose jobs all
   * completed is recorded from them as an unwatched one is ({@code trial_result}); a failed fold stops the others and
   * fails the trial. Answers {@code {"done", "trial", "state", "position"}}: the position is where the next poll reads
   * on (the same position read again decides the same: idempotent).
   */
  private JsonNode trialWatch(String id, int number, JsonNode position) {
    TrialRecord trial = jobs.trial(id, number).orElseThrow(() -> new IllegalStateException("no trial " + number));
    if (trial.finished()) { // recorded by an earlier poll whose answer was lost: answered as recorded
      return view(trial).put("done", true).set("position", position);
    }
    TrainingJob job = running(id);
    if (watch == null) {
      throw new JobFailed("this worker cannot watch SageMaker training jobs");
    }
    ObjectNode at = position.deepCopy();
    String name = SageMakerRequests.metricName(job.spec(), "validation", job.spec().metric());
    var poll = watch.poll(at, dev.pier.training.sagemaker.RoundLog.key(name));
    if (!at.has("pruned_at") && poll.failure() == null && !poll.ended()) {
      // each new step judged in order with the steps before it, as a trial in the worker asks after every round
      // (the position keeps of those only what the pruner reads: TrialWatch.shown)
      SearchStrategy search = learning(job).strategy;
      boolean greater = trainer(job).greaterIsBetter(job.spec().metric());
      for (int step = at.path("judged").asInt(-1) + 1; poll.steps().containsKey(step); step++) {
        double value = poll.steps().get(step);
        boolean prune = search.prune(trial, dev.pier.training.sagemaker.TrialWatch.shown(at, step, value));
        dev.pier.training.sagemaker.TrialWatch.judged(at, step, value, greater);
        if (prune) {
          at.put("pruned_at", step);
          break;
        }
      }
    }
    boolean pruned = at.has("pruned_at");
    if (!poll.ended()) {
      if (pruned || poll.failure() != null) {
        watch.stop(at); // again on the next poll if still running: stopping a stopped job changes nothing
      }
      ObjectNode out = NODES.objectNode().put("done", false).put("trial", number)
          .put("state", pruned ? "STOPPING" : "RUNNING");
      out.set("position", at);
      return out;
    }
    JsonNode done;
    if (pruned) {
      int step = at.path("pruned_at").asInt();
      List<Double> history = watch.history(at, dev.pier.training.sagemaker.RoundLog.key(name), step);
      done = view(prunedTrial(job, withRun(job, trial), history, step, poll.outcomes()));
    } else {
      ObjectNode step = NODES.objectNode();
      step.putArray("folds").addAll(poll.outcomes());
      JsonNode error = poll.failure() == null ? NODES.missingNode()
          : NODES.objectNode().put("Error", "SageMaker.TrainingJobFailed").put("Cause", poll.failure());
      done = trialResult(id, number, step.path("folds"), error);
    }
    return ((ObjectNode) done).put("done", true).set("position", at);
  }

  /**
   * Records a watched trial PRUNED at {@code step}, its intermediate values through that step (what the pruner judged;
   * null when its logs lack them) and billed time as its folds ended.
   */
  private TrialRecord prunedTrial(TrainingJob job, TrialRecord trial, List<Double> history, int step,
      List<JsonNode> outcomes) {
    List<SageMakerOutcome> folds = outcomes.stream().map(SageMakerOutcome::of).toList();
    double billable = folds.stream().mapToDouble(SageMakerOutcome::billableSeconds).sum();
    double saved = folds.stream().mapToDouble(SageMakerOutcome::savedSeconds).sum();
    TrialRecord done = new TrialRecord(trial.number(), trial.params(), "PRUNED", null, null, null, history, null,
        new dev.pier.training.TrialPruned(step).getMessage(), trial.runId(), billable, onDemand(job, billable), saved);
    if (!jobs.putTrial(job.id(), done)) {
      return jobs.trial(job.id(), trial.number()).orElseThrow(); // another attempt recorded it first
    }
    tracking.end(trial.runId(), "KILLED");
    return done;
  }

  /** A short random part of a SageMaker job's name: a trial started again after a restart trains under new names. */
  private static String attempt() {
    return Long.toString(java.util.concurrent.ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36 * 36 * 36), 36);
  }

  /** The params as SageMaker hyperparameters: the built-in XGBoost also gets {@code eval_metric} and {@code seed}. */
  private Map<String, Object> hyperparameters(TrainingJob job, Map<String, Object> params) {
    Map<String, Object> hyper = new TreeMap<>(job.spec().params());
    hyper.putAll(params);
    if (!job.spec().scriptMode()) {
      hyper.putIfAbsent("num_round", dev.pier.training.TrainingParams.of(hyper).numRound());
      hyper.put("eval_metric", job.spec().metric());
      hyper.put("seed", job.spec().seed());
    }
    return hyper;
  }

  /** The number of rounds the params train (the built-in XGBoost's num_round; 1 for a script). */
  private int rounds(TrainingJob job, Map<String, Object> params) {
    if (!trainer(job).usesRounds()) {
      return 1;
    }
    Map<String, Object> all = new TreeMap<>(job.spec().params());
    all.putAll(params);
    return dev.pier.training.TrainingParams.of(all).numRound();
  }

  /**
   * Records a trial from its folds' training jobs: each fold's score is the job's metric on its validation channel as
   * SageMaker reported it ({@code FinalMetricDataList}); the trial's seconds are the billed ones and its cost their
   * on-demand price (SageMaker bills a spot job less time, the saving recorded apart). A failed training job, or one
   * that reported no such metric, fails the trial with the reason; the search goes on.
   */
  private JsonNode trialResult(String id, int number, JsonNode folds, JsonNode error) {
    TrainingJob job = running(id);
    TrialRecord trial = jobs.trial(id, number).orElseThrow(() -> new IllegalStateException("no trial " + number));
    if (trial.finished()) {
      return view(trial);
    }
    trial = withRun(job, trial);
    String metric = job.spec().metric();
    String name = SageMakerRequests.metricName(job.spec(), "validation", metric);
    String failure = error.isMissingNode() || error.isNull() ? null
        : "a SageMaker training job failed: " + reason(error);
    List<Double> scores = new ArrayList<>();
    double billable = 0;
    double saved = 0;
    for (JsonNode f : folds) {
      SageMakerOutcome o = SageMakerOutcome.of(f);
      billable += o.billableSeconds();
      saved += o.savedSeconds();
      Double score = o.metrics().get(name);
      if (score == null && failure == null) {
        failure = "SageMaker training job " + o.name() + " reported no " + name + " (it reported "
            + o.metrics().keySet() + ")";
      }
      scores.add(score);
    }
    int expected = dev.pier.training.sagemaker.ModelTuning.requested(job.spec()) ? 1 // AMT: the holdout channel
        : load(job).folds().size();
    if (failure == null && scores.size() != expected) {
      failure = "expected " + expected + " fold results from SageMaker, got " + scores.size();
    }
    double usd = onDemand(job, billable);
    TrialRecord done;
    if (failure != null) {
      done = new TrialRecord(number, trial.params(), "FAILED", null, null, null, null, null, failure, trial.runId(),
          billable, usd, saved);
      tracking.log(trial.runId(), Map.of(), Map.of(), Map.of("pier.error", truncate(failure, 4000)));
    } else {
      Map<String, String> tags = new LinkedHashMap<>();
      dev.pier.training.sagemaker.TrialRounds history = trainer(job).usesRounds()
          ? foldRounds(job, trial.params(), folds, name, tags) : null;
      int bestRound = history != null ? history.bestRound() : rounds(job, trial.params()) - 1;
      if (history != null && bestRound < history.mean().size() - 1) {
        // early stopping found an earlier best round: each fold scored there, as a trial in the worker is scored
        scores.clear();
        history.folds().forEach(f -> scores.add(f.get(bestRound)));
      }
      double mean = scores.stream().mapToDouble(Double::doubleValue).sum() / scores.size();
      double std = Math.sqrt(scores.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum() / scores.size());
      done = new TrialRecord(number, trial.params(), "SUCCEEDED", mean, std, List.copyOf(scores),
          history == null ? null : history.mean(), bestRound, null, trial.runId(), billable, usd, saved);
      Map<String, Double> metrics = new LinkedHashMap<>();
      metrics.put("cv_" + metric + "_mean", mean);
      metrics.put("cv_" + metric + "_std", std);
      for (int f = 0; f < scores.size(); f++) {
        metrics.put("cv_" + metric + "_fold_" + (f + 1), scores.get(f));
      }
      metrics.put("billable_seconds", billable);
      if (history != null) { // as a trial in the worker records it: the best round, the folds' mean by round
        metrics.put("best_round", (double) bestRound);
        for (int f = 0; f < history.folds().size(); f++) {
          tracking.history(trial.runId(), "cv_" + metric + "_fold_" + (f + 1) + "_by_round", history.folds().get(f));
        }
        tracking.logWithHistory(trial.runId(), metrics, "cv_" + metric + "_by_round", history.mean());
      } else {
        tracking.log(trial.runId(), Map.of(), metrics, Map.of());
      }
      if (!tags.isEmpty()) {
        tracking.log(trial.runId(), Map.of(), Map.of(), tags);
      }
    }
    if (!jobs.putTrial(id, done)) {
      return view(jobs.trial(id, number).orElseThrow()); // another attempt finished it first
    }
    tracking.end(trial.runId(), failure == null ? "FINISHED" : "FAILED");
    return view(done);
  }

  /**
   * The trial's per-round history from its folds' training logs (XGBoost's {@code validation-<metric>} lines in
   * CloudWatch Logs), the best round from it as a trial in the worker finds it; null, with tag {@code pier.history}
   * saying why, when a fold's log is missing or has no such lines (the trial still succeeds, scored as SageMaker
   * reported it, its last round the best).
   */
  private dev.pier.training.sagemaker.TrialRounds foldRounds(TrainingJob job, Map<String, Object> params,
      JsonNode folds, String metricName, Map<String, String> tags) {
    if (trainingLogs == null) {
      tags.put("pier.history", "not recorded: this worker reads no training logs");
      return null;
    }
    String key = dev.pier.training.sagemaker.RoundLog.key(metricName);
    List<List<Double>> perFold = new ArrayList<>();
    for (JsonNode f : folds) {
      String training = SageMakerOutcome.of(f).name();
      List<Double> values;
      try {
        var log = trainingLogs.rounds(training);
        if (log.isEmpty()) {
          tags.put("pier.history", "not recorded: training job " + training + " has no log stream in "
              + dev.pier.training.sagemaker.TrainingLogs.GROUP);
          return null;
        }
        values = log.get().history(key);
      } catch (RuntimeException e) { // the history is a record of the trial, not its result: it does not fail it
        tags.put("pier.history", truncate("not recorded: reading training job " + training + "'s log: " + message(e),
            4000));
        return null;
      }
      if (values.isEmpty()) {
        tags.put("pier.history", "not recorded: training job " + training + "'s log has no " + key + " rounds");
        return null;
      }
      perFold.add(values);
    }
    Map<String, Object> all = new TreeMap<>(job.spec().params());
    all.putAll(params);
    boolean earlyStopping = dev.pier.training.TrainingParams.of(all).earlyStoppingRounds() > 0;
    return dev.pier.training.sagemaker.TrialRounds.of(perFold,
        dev.pier.training.Metric.of(job.spec().metric()).greaterIsBetter(), earlyStopping);
  }

  /** The refit's SageMaker training job: the best params for the best trial's rounds, early stopping off. */
  private JsonNode refitTraining(String id) {
    TrainingJob job = running(id);
    ObjectNode out = NODES.objectNode();
    var list = out.putArray("trainings");
    if (job.refit() != null) {
      return out.put("done", true);
    }
    TrainingJob.Best best = job.best();
    Map<String, Object> hyper = hyperparameters(job, best.params());
    if (trainer(job).usesRounds()) {
      hyper.put("num_round", best.rounds());
      hyper.remove("early_stopping_rounds");
    }
    Map<String, String> channels = new LinkedHashMap<>();
    channels.put("train", "refit");
    channels.put(holdoutChannel(job), "refit");
    list.add(new SageMakerRequests(settings.bucket(), settings.sagemaker()).training(id, job.spec(),
        SageMakerRequests.name(id, "refit-" + attempt()), hyper, channels, secondsLeft(job)));
    return out.put("done", false);
  }

  /**
   * Records the refit from its SageMaker training job: the model file read out of its model.tar.gz into the training
   * bucket (as a refit in the worker writes it), the holdout metric SageMaker reported, the billed time. A failed
   * training job fails the job with SageMaker's reason and registers nothing.
   */
  private JsonNode refitResult(String id, JsonNode training, JsonNode error) {
    TrainingJob job = running(id);
    if (job.refit() != null) {
      return NODES.objectNode().put("model", job.refit().modelUri()).put("sha256", job.refit().sha256());
    }
    if (!error.isMissingNode() && !error.isNull()) {
      throw new JobFailed("the refit failed: its SageMaker training job failed: " + reason(error));
    }
    SageMakerOutcome o = SageMakerOutcome.of(training);
    if (o.modelUri() == null || !o.modelUri().startsWith("s3://") || o.modelUri().indexOf('/', 5) < 0) {
      throw new JobFailed("the refit failed: SageMaker training job " + o.name() + " reported no model artifact");
    }
    String rest = o.modelUri().substring(5);
    String bucket = rest.substring(0, rest.indexOf('/'));
    String key = rest.substring(rest.indexOf('/') + 1);
    byte[] bytes;
    try {
      byte[] archive = s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray();
      bytes = ModelArtifact.file(archive, job.spec().scriptMode() ? job.spec().script().modelFile() : "xgboost-model");
    } catch (RuntimeException e) {
      throw new JobFailed("the refit failed: reading " + o.modelUri() + ": " + message(e));
    }
    String holdout = SageMakerRequests.metricName(job.spec(), holdoutChannel(job), job.spec().metric());
    Double reported = o.metrics().get(holdout);
    if (reported == null) {
      throw new JobFailed("the refit failed: SageMaker training job " + o.name() + " reported no " + holdout
          + " (it reported " + o.metrics().keySet() + ")");
    }
    ModelTrainer.Model model = new ModelTrainer.Model(bytes, sha256(bytes), job.best().rounds(), reported);
    return storeRefit(job, trainer(job), model, o.billableSeconds(), o.savedSeconds(), 1);
  }

  /** SageMaker's reason from a failed task's error: the training job's FailureReason where the cause carries it. */
  static String reason(JsonNode error) {
    String cause = error.path("Cause").asText(error.path("Error").asText(error.toString()));
    for (int depth = 0; depth < 4 && cause.startsWith("{"); depth++) {
      try {
        JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(cause);
        String next = json.path("FailureReason").asText(json.path("cause").asText(json.path("Cause")
            .asText(json.path("errorMessage").asText(""))));
        if (next.isEmpty()) {
          break;
        }
        cause = next;
      } catch (IOException e) {
        break;
      }
    }
    return cause;
  }

  private static String sha256(byte[] bytes) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** What {@code seconds} billed SageMaker seconds of the job's instances cost (SageMaker bills spot as less time). */
  private double onDemand(TrainingJob job, double seconds) {
    var r = job.spec().resources();
    return settings.prices().compute(r.instanceType(), Math.max(1, r.instanceCount()), false, seconds);
  }

  /** Thrown from the progress callback to stop a trial between rounds. */

  static final class TrialStopped extends RuntimeException {
    TrialStopped(String message) {
      super(message, null, false, false);
    }
  }

  private static ObjectNode view(TrialRecord t) {
    ObjectNode o = NODES.objectNode().put("trial", t.number()).put("state", t.state());
    if (t.cvMean() != null) {
      o.put("cv_mean", t.cvMean());
    }
    return o;
  }

  // ---- best, refit, evaluate, register ----------------------------------------------------------------------------

  private JsonNode best(String id) {
    Progress progress = advance(runningStored(id));
    TrainingJob.Best best = progress.job().best();
    if (best == null) {
      List<TrialRecord> trials = jobs.trials(id); // the search failed whole: read once, for its first error
      String first = trials.stream().map(TrialRecord::error).filter(e -> e != null).findFirst().orElse("none ran");
      throw new JobFailed("no trial succeeded (" + trials.size() + " failed; first error: " + first + ")");
    }
    jobs.update(progress.stored(), j -> j.with(b -> b.phase("refitting")), false);
    return NODES.objectNode().put("trial", best.trial()).put("cv_mean", best.cvMean()).put("rounds", best.rounds());
  }

  private JsonNode refit(String id) {
    TrainingJob job = running(id);
    if (job.refit() != null) {
      return NODES.objectNode().put("model", job.refit().modelUri()).put("sha256", job.refit().sha256());
    }
    TrainingJob.Best best = job.best();
    Loaded loaded = load(job);
    Instant start = clock.instant();
    ModelTrainer trainer = trainer(job);
    ModelTrainer.Model model;
    try {
      model = trainer.fit(loaded.table(), loaded.holdout().train(), loaded.holdout().test(), best.params(),
          best.rounds(), job.spec().metric(), job.spec().seed());
    } catch (RuntimeException e) {
      throw new JobFailed("the refit failed: " + message(e));
    }
    return storeRefit(job, trainer, model, seconds(start), 0, 0);
  }

  /**
   * Writes the refit model to the training bucket, logs the refit run and records the refit on the job once;
   * {@code savedSeconds} SageMaker's unbilled time, {@code gets} the S3 reads it took (SageMaker's artifact).
   */
  private JsonNode storeRefit(TrainingJob job, ModelTrainer trainer, ModelTrainer.Model model, double seconds,
      double savedSeconds, int gets) {
    String id = job.id();
    TrainingJob.Best best = job.best();
    String key = "training/" + id + "/model" + trainer.extension();
    s3.putObject(b -> b.bucket(settings.bucket()).key(key), RequestBody.fromBytes(model.bytes()));
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put("pier.training_job", id);
    tags.put("pier.dataset", job.dataset());
    tags.put("pier.refit_of_trial", Integer.toString(best.trial()));
    tags.put("pier.model_sha256", model.sha256());
    tags.putAll(codeTags(job));
    String run = tracking.startRun(job.experimentId(), job.name() + "-" + id + "-refit", job.parentRunId(), tags);
    Map<String, String> params = new TreeMap<>();
    best.params().forEach((k, v) -> params.put(k, String.valueOf(v)));
    if (trainer.usesRounds()) {
      params.put("num_round", Integer.toString(best.rounds()));
    }
    params.put("seed", Long.toString(job.spec().seed()));
    tracking.log(run, params, Map.of("cv_" + job.spec().metric() + "_mean", best.cvMean(),
        "cv_" + job.spec().metric() + "_std", best.cvStd(), "refit_seconds", seconds), Map.of());
    String uri = "s3://" + settings.bucket() + "/" + key;
    var stored = jobs.update(id, j -> j.refit() != null ? j : j.with(b -> {
      b.refit = new TrainingJob.Refit(run, uri, model.sha256(), model.rounds(), null, seconds, model.holdout());
      b.cost = j.cost().plusS3(1, gets, model.bytes().length); // the model written to the training bucket
      if (savedSeconds > 0) {
        var t = tally(j);
        b.tally = new TrainingJob.Tally(t.folded(), t.trialSeconds(), t.savedSeconds() + savedSeconds);
      }
      return b.phase("evaluating");
    }), false);
    if (stored.isPresent() && !run.equals(stored.get().refit().runId())) {
      tracking.store().deleteRun(run); // another attempt refit first
    }
    return NODES.objectNode().put("model", uri).put("sha256", model.sha256());
  }

  private JsonNode evaluate(String id) {
    TrainingJob job = running(id);
    if (job.refit().holdoutScore() != null) {
      return NODES.objectNode().put("holdout", job.refit().holdoutScore());
    }
    double score;
    if (job.refit().reportedHoldout() != null) {
      score = job.refit().reportedHoldout(); // the refit scored the holdout itself (a script's test channel)
    } else {
      Loaded loaded = load(job);
      byte[] model = s3.getObjectAsBytes(b -> b.bucket(settings.bucket())
          .key(job.refit().modelUri().substring(("s3://" + settings.bucket() + "/").length()))).asByteArray();
      score = trainer(job).score(model, loaded.table(), loaded.holdout().test(), job.best().params(),
          job.spec().metric());
    }
    String key = "holdout_" + job.spec().metric();
    tracking.log(job.refit().runId(), Map.of(), Map.of(key, score), Map.of());
    tracking.log(job.parentRunId(), Map.of(), Map.of(key, score,
        "cv_" + job.spec().metric() + "_mean", job.best().cvMean(), "cv_" + job.spec().metric() + "_std",
        job.best().cvStd()), Map.of("pier.best_trial", Integer.toString(job.best().trial())));
    tracking.end(job.refit().runId(), "FINISHED");
    jobs.update(id, j -> j.with(b -> {
      var r = j.refit();
      b.refit = new TrainingJob.Refit(r.runId(), r.modelUri(), r.sha256(), r.rounds(), score, r.seconds(),
          r.reportedHoldout());
      if (r.reportedHoldout() == null) {
        b.cost = j.cost().plusS3(0, 1, 0); // the model read back to score the holdout
      }
      return b.phase(j.spec().register() != null ? "registering" : "finishing");
    }), false);
    return NODES.objectNode().put("holdout", score);
  }

  private JsonNode register(String id) {
    TrainingJob job = running(id);
    var spec = job.spec().register();
    if (spec == null) {
      return NODES.objectNode().put("registered", false);
    }
    if (job.registered() != null) {
      return NODES.objectNode().put("model", job.registered().model()).put("version", job.registered().version());
    }
    String metric = job.spec().metric();
    ObjectNode lineage = NODES.objectNode();
    DatasetVersion dataset = version(job);
    lineage.putArray("datasets").addObject().put("name", dataset.name()).put("version", dataset.version())
        .put("uri", dataset.uri());
    lineage.put("training_job", id);
    lineage.put("experiment_id", job.experimentId());
    lineage.put("parent_run", job.parentRunId());
    lineage.put("run", job.refit().runId());
    lineage.put("best_trial", job.best().trial());
    lineage.put("model_sha256", job.refit().sha256());
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("holdout_" + metric, job.refit().holdoutScore());
    metrics.put("cv_" + metric + "_mean", job.best().cvMean());
    metrics.put("cv_" + metric + "_std", job.best().cvStd());
    Map<String, String> tags = Map.of("pier.training_job", id, "pier.dataset", dataset.ref());
    // with categorical features, the version carries their coding as its feature pipeline: /predict takes raw values
    ModelVersion.Serving serving = job.spec().dataset().categoricalColumns().isEmpty() ? null
        : new ModelVersion.Serving(null, null, null, null, CategoryPipeline.of(load(job).table()).toString());
    ModelTrainer trainer = trainer(job);
    NewVersion request = new NewVersion(Framework.parse(trainer.framework()), null,
        new ModelVersion.Metadata("trained by training job " + id + " (" + job.name() + ")", tags, metrics,
            Map.of(), Map.of()),
        serving, new ModelVersion.Provenance(job.refit().modelUri(), job.refit().runId(), lineage.toString()));
    Path file = null;
    ModelVersion version;
    try {
      file = Files.createTempFile("pier-refit-", trainer.extension());
      byte[] model = s3.getObjectAsBytes(b -> b.bucket(settings.bucket())
          .key(job.refit().modelUri().substring(("s3://" + settings.bucket() + "/").length()))).asByteArray();
      Files.write(file, model);
      version = registry.register(spec.model(), request, file, "training-job-" + id, "training-job:" + id);
      if (spec.alias() != null) {
        registry.setAlias(spec.model(), spec.alias(), version.version());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (PierException e) {
      throw new JobFailed("registering the model failed: " + e.getMessage());
    } finally {
      if (file != null) {
        try {
          Files.deleteIfExists(file);
        } catch (IOException ignored) {
          // a temp file
        }
      }
    }
    int number = version.version();
    long stored = version.artifact() != null ? version.artifact().sizeBytes() : 0;
    jobs.update(id, j -> j.registered() != null ? j : j.with(b -> {
      b.registered = new TrainingJob.Registered(spec.model(), number, spec.alias(), j.refit().runId());
      b.cost = j.cost().plusS3(1, 1, stored); // read back from the training bucket, stored in the registry's
      return b.phase("finishing");
    }), false);
    return NODES.objectNode().put("model", spec.model()).put("version", number);
  }

  /**
   * The optional step after registering: the new version as canary of {@code register.canary.alias} at its weight,
   * the alias staying on its version (an alias not yet there is pointed at the new version). Idempotent: a finished
   * step is recorded on the job and returned; redone after a crash, it sets the same target again, which changes
   * nothing, and an alias already on the new version is left alone.
   */
  private JsonNode canary(String id) {
    TrainingJob job = running(id);
    var spec = job.spec().register();
    if (spec == null || spec.canary() == null || job.registered() == null) {
      return NODES.objectNode().put("canary", false);
    }
    if (job.registered().canary() != null) {
      return canaryNode(job.registered().canary());
    }
    String model = spec.model();
    String alias = spec.canary().alias();
    int version = job.registered().version();
    TrainingJob.CanaryStarted started;
    try {
      dev.pier.registry.Alias current = null;
      try {
        current = registry.alias(model, alias);
      } catch (PierException e) {
        if (e.status() != 404) {
          throw e;
        }
      }
      String actor = "training-job:" + id;
      if (current == null) {
        registry.setAlias(model, alias, new dev.pier.registry.Alias.Target(version, null), actor);
        started = new TrainingJob.CanaryStarted(alias, 0, 1);
      } else if (current.version() == version) {
        started = new TrainingJob.CanaryStarted(alias, 0, 1); // a redone step that had pointed a new alias here
      } else {
        registry.setAlias(model, alias, new dev.pier.registry.Alias.Target(current.version(),
            new dev.pier.registry.Canary(version, spec.canary().weight())), actor);
        started = new TrainingJob.CanaryStarted(alias, current.version(), spec.canary().weight());
      }
    } catch (PierException e) {
      throw new JobFailed("starting the canary on alias '" + alias + "' failed (version " + version
          + " is registered): " + e.getMessage());
    }
    jobs.update(id, j -> j.with(b -> {
      var r = j.registered();
      b.registered = new TrainingJob.Registered(r.model(), r.version(), r.alias(), r.runId(), started,
          r.experiment());
      return b;
    }), false);
    return canaryNode(started);
  }

  /**
   * The optional experiment step after registering ({@code register.experiment}): an experiment on the alias between
   * its version (control) and the new one (treatment), created and started through the experiments API. Idempotent:
   * the experiment's hypothesis carries the job's marker, so a step redone after a crash (between creating and
   * recording) finds the experiment it made and starts it rather than making a second; a recorded step is answered as
   * recorded. An alias not there yet has no control: it is pointed at the new version and no experiment is made.
   */
  private JsonNode experiment(String id) {
    TrainingJob job = running(id);
    var spec = job.spec().register();
    if (spec == null || spec.experiment() == null || job.registered() == null) {
      return NODES.objectNode().put("experiment", false);
    }
    if (job.registered().experiment() != null) {
      return experimentNode(job.registered().experiment());
    }
    var wanted = spec.experiment();
    String model = spec.model();
    int version = job.registered().version();
    TrainingJob.ExperimentStarted started;
    try {
      if (experiments == null) {
        throw PierException.notImplemented("this server has no experiments");
      }
      String marker = "[training job " + id + "]";
      var made = experiments.find(model, marker);
      if (made.isEmpty()) {
        dev.pier.registry.Alias current = null;
        try {
          current = registry.alias(model, wanted.alias());
        } catch (PierException e) {
          if (e.status() != 404) {
            throw e;
          }
        }
        if (current == null || current.version() == version) { // nothing to compare with: the alias is the new one
          if (current == null) {
            registry.setAlias(model, wanted.alias(), new dev.pier.registry.Alias.Target(version, null),
                "training-job:" + id);
          }
          started = new TrainingJob.ExperimentStarted(null, wanted.alias(), 0, 1, null);
        } else {
          var created = experiments.create(wanted.body(model, current.version(), version, job.name(), marker));
          var running = experiments.start(created.id());
          started = new TrainingJob.ExperimentStarted(running.id(), wanted.alias(), current.version(),
              wanted.weight(), running.state());
        }
      } else { // made by an attempt that died before recording it
        var running = experiments.start(made.get().id());
        int control = registry.alias(model, wanted.alias()).version();
        started = new TrainingJob.ExperimentStarted(running.id(), wanted.alias(), control, wanted.weight(),
            running.state());
      }
    } catch (PierException e) {
      throw new JobFailed("starting the experiment on alias '" + wanted.alias() + "' failed (version " + version
          + " is registered): " + e.getMessage());
    }
    var recorded = started;
    jobs.update(id, j -> j.registered().experiment() != null ? j : j.with(b -> {
      var r = j.registered();
      b.registered = new TrainingJob.Registered(r.model(), r.version(), r.alias(), r.runId(), r.canary(), recorded);
      return b;
    }), false);
    return experimentNode(started);
  }

  private static JsonNode experimentNode(TrainingJob.ExperimentStarted e) {
    ObjectNode o = NODES.objectNode().put("alias", e.alias()).put("control", e.control()).put("weight", e.weight());
    if (e.id() != null) {
      o.put("id", e.id()).put("state", e.state());
    }
    return o;
  }

  private static JsonNode canaryNode(TrainingJob.CanaryStarted c) {
    return NODES.objectNode().put("alias", c.alias()).put("baseline", c.baseline()).put("weight", c.weight());
  }

  // ---- end ----------------------------------------------------------------------------------------------------------

  private JsonNode finish(String id) {
    Progress progress = advance(jobs.stored(id).orElseThrow(() -> PierException.notFound("no training job '" + id + "'")));
    var stored = jobs.update(progress.stored(), j -> j.with(b -> {
      b.state = JobState.SUCCEEDED;
      b.finishedAt = clock.instant();
      b.cost = cost(j, j.trials().total(), tally(j).trialSeconds(), 0);
      return b.phase("done");
    }), false).map(TrainingJobsTable.Stored::job);
    stored.ifPresent(j -> tracking.end(j.parentRunId(), "FINISHED"));
    tables.remove(id);
    stopped.remove(id);
    learning.remove(id);
    lastBatch.remove(id);
    jobEnded(id);
    return NODES.objectNode().put("state", stored.map(j -> j.state().name()).orElse("ENDED"));
  }

  private JsonNode fail(String id, JsonNode error) {
    String cause = error.path("Cause").asText(error.toString());
    String type = error.path("Error").asText("");
    String reason = cause;
    if (cause.startsWith("{")) { // a Lambda error: {"errorMessage": …}
      try {
        reason = new com.fasterxml.jackson.databind.ObjectMapper().readTree(cause).path("errorMessage").asText(cause);
      } catch (IOException ignored) {
        // keep the raw cause
      }
    }
    String message = reason.startsWith(JobFailed.class.getSimpleName() + ": ")
        ? reason.substring(JobFailed.class.getSimpleName().length() + 2) : reason;
    var before = jobs.stored(id).orElseThrow(() -> PierException.notFound("no training job '" + id + "'"));
    if (!before.job().state().isFinal()) {
      try {
        advance(before); // the trials of the last batch, into the counts and cost
      } catch (RuntimeException e) {
        // the job fails all the same, with the counts of the last step
      }
    }
    var stored = jobs.update(id, j -> j.with(b -> {
      b.state = message.startsWith("stopped: max_runtime") ? JobState.TIMED_OUT : JobState.FAILED;
      b.error = message.isBlank() ? type : message;
      b.finishedAt = clock.instant();
      b.cost = cost(j, j.trials().total(), tally(j).trialSeconds(), 0);
      if (message.startsWith("stopped: ")) {
        b.stopReason = message.substring(9, message.indexOf(' ', 9) > 0 ? message.indexOf(' ', 9) : message.length());
      }
      return b.phase("done");
    }), false);
    stored.ifPresent(j -> {
      if (j.parentRunId() != null) {
        tracking.end(j.parentRunId(), "FAILED");
      }
    });
    tables.remove(id);
    stopped.remove(id);
    learning.remove(id);
    lastBatch.remove(id);
    jobEnded(id);
    return NODES.objectNode().put("state", stored.map(j -> j.state().name()).orElse("ENDED"));
  }

  /** Fails the job with a reason a user can act on (the message becomes the job's error as it is). */
  public static final class JobFailed extends RuntimeException {
    public JobFailed(String message) {
      super(message, null, false, false);
    }
  }

  // ---- shared -----------------------------------------------------------------------------------------------------

  /**
   * Pier's, xgboost4j's and Java's versions, and the job's code reference where it gave one: the commit as
   * {@code mlflow.source.git.commit} (and {@code mlflow.source.git.repoURL}, {@code mlflow.source.name}).
   */
  static Map<String, String> codeTags(TrainingJob job) {
    Map<String, String> tags = new LinkedHashMap<>(dev.pier.training.tracking.CodeVersions.tags());
    TrainingJobSpec.Source source = job.spec().source();
    if (source != null) {
      if (source.gitCommit() != null) {
        tags.put("mlflow.source.git.commit", source.gitCommit().toLowerCase(Locale.ROOT));
      }
      if (source.repository() != null) {
        tags.put("mlflow.source.git.repoURL", source.repository());
      }
      if (source.entryPoint() != null) {
        tags.put("mlflow.source.name", source.entryPoint());
      }
    }
    return tags;
  }

  /** A job's search in this process: its strategy, and the trials numbered below {@code observed} it has seen. */
  private static final class Learning {
    final SearchStrategy strategy;
    int observed;

    Learning(SearchStrategy strategy) {
      this.strategy = strategy;
    }
  }

  /** Where a job's search stands after {@link #advance}: the job as stored, its trial count, the unfinished ones. */
  private record Progress(TrainingJobsTable.Stored stored, int total, List<TrialRecord> pending,
      SearchStrategy strategy, UnaryOperator<TrainingJob> fold, boolean read) {
    /** The job as stored, with the fold (when deferred) applied in memory. */
    TrainingJob job() {
      return fold.apply(stored.job());
    }

    /** Writes a deferred fold, if there is one. */
    void writeFold(TrainingJobsTable jobs) {
      if (fold != NOTHING) {
        jobs.update(stored, fold, false);
      }
    }
  }

  private static final UnaryOperator<TrainingJob> NOTHING = j -> j;

  private Learning learning(TrainingJob job) {
    Learning run = learning.computeIfAbsent(job.id(), k -> new Learning(searches.of(job)));
    synchronized (run) {
      if (run.observed == 0 && tally(job).folded() > 0) { // a fresh process: learn what the dead one had seen
        catchUp(run, jobs.trialsFrom(job.id(), 0));
      }
    }
    return run;
  }

  /**
   * Reads the trials neither the stored tally nor this process's strategy has seen — the last batch, or every trial
   * once after a restart — hands the finished ones to the strategy and folds them into the job's counts, best trial
   * and cost (a conditional update, stored once more only when something changed).
   */
  private Progress advance(TrainingJobsTable.Stored read) {
    return advance(read, false);
  }

  /** {@link #advance(TrainingJobsTable.Stored)}; with {@code defer}, the fold is returned for the caller to write. */
  private Progress advance(TrainingJobsTable.Stored read, boolean defer) {
    return advance(read, defer, null);
  }

  /** {@link #advance(TrainingJobsTable.Stored, boolean)}, the trials from the fold on already {@code read} (or null). */
  private Progress advance(TrainingJobsTable.Stored read, boolean defer, List<TrialRecord> unfolded) {
    return advance(read, defer, unfolded, true);
  }

  /**
   * {@link #advance(TrainingJobsTable.Stored, boolean, List)}; {@code wasRead} false when the job is as this process's
   * last write left it, not read since (the caller's write must then be conditional on it).
   */
  private Progress advance(TrainingJobsTable.Stored read, boolean defer, List<TrialRecord> unfolded,
      boolean wasRead) {
    TrainingJob job = read.job();
    Learning run = learning.computeIfAbsent(job.id(), k -> new Learning(searches.of(job)));
    synchronized (run) {
      int from = Math.min(run.observed, tally(job).folded());
      List<TrialRecord> trials = unfolded != null ? unfolded : jobs.trialsFrom(job.id(), from);
      catchUp(run, trials);
      int total = trials.isEmpty() ? from : Math.max(from, trials.get(trials.size() - 1).number() + 1);
      List<TrialRecord> pending = trials.stream().filter(t -> !t.finished()).toList();
      TrainingJobsTable.Stored stored = read;
      UnaryOperator<TrainingJob> change = NOTHING;
      if (tally(job).folded() < total || job.trials().total() != total) {
        change = j -> fold(j, trials, total);
        if (!defer) {
          stored = jobs.update(read, change, false).orElse(read);
          change = NOTHING;
        }
      }
      return new Progress(stored, total, pending, run.strategy, change, wasRead);
    }
  }

  /** Hands the strategy the finished trials it has not seen, in number order, up to the first unfinished one. */
  private static void catchUp(Learning run, List<TrialRecord> read) {
    for (TrialRecord t : read) {
      if (t.number() < run.observed) {
        continue;
      }
      if (t.number() != run.observed || !t.finished()) {
        break;
      }
      run.strategy.observe(t);
      run.observed++;
    }
  }

  private static TrainingJob.Tally tally(TrainingJob job) {
    return job.tally() == null ? TrainingJob.Tally.NONE : job.tally();
  }

  /** The job with the finished trials after its tally (in number order, up to the first unfinished) counted in. */
  private TrainingJob fold(TrainingJob j, List<TrialRecord> read, int total) {
    boolean fresh = j.tally() == null;
    TrainingJob.Trials counts = fresh ? TrainingJob.Trials.NONE : j.trials();
    int ok = counts.succeeded();
    int failed = counts.failed();
    int pruned = counts.pruned();
    TrainingJob.Best best = fresh ? null : j.best();
    int folded = tally(j).folded();
    double seconds = tally(j).trialSeconds();
    double saved = tally(j).savedSeconds();
    boolean greater = trainer(j).greaterIsBetter(j.spec().metric());
    for (TrialRecord t : read) {
      if (t.number() < folded) {
        continue;
      }
      if (t.number() != folded || !t.finished()) {
        break;
      }
      switch (t.state()) {
        case "SUCCEEDED" -> ok++;
        case "FAILED" -> failed++;
        case "PRUNED" -> pruned++;
        default -> { }
      }
      if ("SUCCEEDED".equals(t.state()) && t.cvMean() != null && (best == null
          || (greater ? t.cvMean() > best.cvMean() : t.cvMean() < best.cvMean()))) { // ties: the lower number
        best = new TrainingJob.Best(t.number(), t.params(), t.cvMean(), t.cvStd(), t.bestRound() + 1);
      }
      seconds += t.seconds();
      saved += t.savedSeconds() == null ? 0 : t.savedSeconds();
      folded++;
    }
    TrainingJob.Trials now = new TrainingJob.Trials(Math.max(total, counts.total()), ok, failed, pruned);
    TrainingJob.Best top = best;
    TrainingJob.Tally tally = new TrainingJob.Tally(folded, seconds, saved);
    return j.with(b -> {
      b.trials = now;
      b.best = top;
      b.tally = tally;
      b.cost = cost(j, now.total(), tally.trialSeconds(), 0);
      return b;
    });
  }

  /** The job's trainer: the built-in one, or its script's. */
  private ModelTrainer trainer(TrainingJob job) {
    return settings.trainer(trainer, job.id(), job.spec());
  }

  private double trialCost(TrainingJob job, double seconds) {
    var r = job.spec().resources();
    return settings.prices().compute(r.instanceType(), r.instanceCount(), r.spot(), seconds);
  }

  /**
   * The job's cost so far: its trials' (folded) and refit's instance time, its state transitions, and the S3 usage its
   * steps recorded (each once, in the conditional write that records the step) at the price table's S3 prices.
   */
  TrainingJob.Cost cost(TrainingJob job, int trials, double trialSeconds, double extraSeconds) {
    var r = job.spec().resources();
    String type = settings.prices().check(r.instanceType());
    double seconds = trialSeconds + extraSeconds;
    if (job.refit() != null) {
      seconds += job.refit().seconds();
    }
    double compute;
    double onDemand;
    if (settings.sagemaker() != null) { // SageMaker's billed seconds: a spot job is billed less time, not a lower rate
      compute = settings.prices().compute(type, r.instanceCount(), false, seconds);
      onDemand = settings.prices().compute(type, r.instanceCount(), false, seconds + tally(job).savedSeconds());
    } else {
      compute = settings.prices().compute(type, r.instanceCount(), r.spot(), seconds);
      onDemand = settings.prices().compute(type, r.instanceCount(), false, seconds);
    }
    int batches = (int) Math.ceil(trials / (double) Math.max(1, job.spec().parallel()));
    int states;
    if (settings.sagemaker() == null) {
      states = Transitions.inWorker(trials, batches);
    } else if (dev.pier.training.sagemaker.ModelTuning.requested(job.spec())) {
      states = Transitions.tuning(); // one tuning job: its trials are SageMaker's, not states of the workflow
    } else {
      int folds = job.spec().cv().folds();
      boolean watched = watched(job);
      // a watched trial's polls are not recorded: estimated from its folds' training time (an estimate, not a count)
      long polls = watched ? Transitions.watchPolls(trials, folds, trialSeconds + tally(job).savedSeconds()) : 0;
      states = Transitions.onSageMaker(trials, batches, folds, polls, watched ? job.trials().pruned() * folds : 0);
    }
    double transitions = states * settings.prices().perTransition();
    var c = job.cost();
    double s3 = settings.prices().s3().cost(c.s3PutRequests(), c.s3GetRequests(), c.s3StoredBytes());
    return new TrainingJob.Cost(round(compute + transitions + s3), round(compute), round(transitions),
        round(onDemand - compute), Math.round(seconds * 1000) / 1000.0, type, r.spot(), round(s3),
        c.s3PutRequests(), c.s3GetRequests(), c.s3StoredBytes(),
        Math.round(PriceTable.S3Prices.gbMonths(c.s3StoredBytes()) * 1e9) / 1e9);
  }

  private static double round(double usd) {
    return Math.round(usd * 1e6) / 1e6;
  }

  private TrainingJob running(String id) {
    return running(jobs.require(id));
  }

  /** The job with its revision, while it runs. */
  private TrainingJobsTable.Stored runningStored(String id) {
    var stored = jobs.stored(id).orElseThrow(() -> PierException.notFound("no training job '" + id + "'"));
    running(stored.job());
    return stored;
  }

  private TrainingJob running(TrainingJob job) {
    String id = job.id();
    if (job.state().isFinal()) {
      throw new JobFailed("training job " + id + " is " + job.state() + "; its execution stops");
    }
    return job;
  }

  private DatasetVersion version(TrainingJob job) {
    return datasets.resolve(job.dataset().substring(0, job.dataset().indexOf('@')) + "@" + job.datasetVersion());
  }

  private Loaded load(TrainingJob job) {
    return tables.computeIfAbsent(job.id(), k -> {
      DatasetVersion version = version(job);
      var spec = job.spec();
      DatasetReader.Rows rows = datasets.rows(version, spec.dataset().label(), spec.dataset().features(),
          spec.cv().group(), spec.cv().time(), spec.dataset().categoricalColumns());
      TrainingTable table = table(spec.dataset().label(), rows);
      Split holdout = new Holdout(spec.split().holdout(),
          Holdout.Mode.valueOf(spec.split().mode().toUpperCase(Locale.ROOT)), spec.seed()).split(table);
      List<Split> folds = Splitter.of(spec.cv().kind(), spec.cv().folds(), spec.cv().shuffle(), spec.seed())
          .split(table, holdout.train());
      return new Loaded(table, holdout, folds);
    });
  }

  /** Rows as the training library's column-major table, groups numbered by their sorted distinct values. */
  static TrainingTable table(String label, DatasetReader.Rows rows) {
    int n = rows.size();
    int f = rows.features().size();
    float[][] columns = new float[f][n];
    float[] labels = new float[n];
    for (int r = 0; r < n; r++) {
      labels[r] = (float) rows.labels()[r];
      for (int c = 0; c < f; c++) {
        columns[c][r] = (float) rows.values()[r][c];
      }
    }
    int[] groups = null;
    if (rows.groups() != null) {
      List<String> distinct = new ArrayList<>(new TreeSet<>(java.util.Arrays.stream(rows.groups())
          .map(g -> g == null ? "" : g).toList()));
      Map<String, Integer> index = new java.util.HashMap<>();
      for (int i = 0; i < distinct.size(); i++) {
        index.put(distinct.get(i), i);
      }
      groups = new int[n];
      for (int r = 0; r < n; r++) {
        groups[r] = index.get(rows.groups()[r] == null ? "" : rows.groups()[r]);
      }
    }
    return new TrainingTable(label, rows.features(), columns, labels, groups, rows.categories());
  }

  private double seconds(Instant start) {
    return Duration.between(start, clock.instant()).toNanos() / 1e9;
  }

  private static String message(Throwable e) {
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }

  private static String truncate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max);
  }
}
