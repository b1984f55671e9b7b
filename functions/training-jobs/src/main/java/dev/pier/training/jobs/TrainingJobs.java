package dev.pier.training.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.batch.Priority;
import dev.pier.kernel.PierException;
import dev.pier.training.datasets.Column;
import dev.pier.training.datasets.DatasetVersion;
import dev.pier.training.datasets.Datasets;
import dev.pier.training.datasets.TrainingSets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * Training jobs as the API sees them: submit (every check against the data done before anything runs), list, get,
 * cancel.
 */
public final class TrainingJobs {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final TrainingJobsTable jobs;
  private final Datasets datasets;
  private final ModelTrainer trainer;
  private final TrainingLauncher launcher;
  private final TrainingSettings settings;
  private final Searches searches;
  private TrainingSets sets;
  private ExperimentStarter experiments;
  private final Clock clock;

  public TrainingJobs(TrainingJobsTable jobs, Datasets datasets, ModelTrainer trainer, TrainingLauncher launcher,
      TrainingSettings settings, Searches searches, Clock clock) {
    this.jobs = jobs;
    this.datasets = datasets;
    this.trainer = trainer;
    this.launcher = launcher;
    this.settings = settings;
    this.searches = searches;
    this.clock = clock;
  }

  /**
   * Parses and checks {@code body} — the dataset (recorded now when given as files), its label and feature columns,
   * the algorithm's params and metric, the search space, the folds against the training rows, the instance type —
   * then stores the job RUNNING (phase {@code queued}) and queues it. Every refusal is a 400 naming what is wrong.
   */
  public TrainingJob submit(JsonNode body) {
    return submit(TrainingJobSpec.parse(body));
  }

  /** {@link #submit(JsonNode)} for a spec already parsed (the route checks grants on it first). */
  public TrainingJob submit(TrainingJobSpec parsed) {
    if (parsed.scriptMode() && !settings.scriptMode()) {
      throw PierException.badRequest("algorithm script is off on this server (pier.training.script-mode=false)");
    }
    if (parsed.scriptMode() && settings.sagemaker() != null && parsed.script().image() == null) {
      throw PierException.badRequest("script.image is required: this server trains on SageMaker, which runs a"
          + " container image, not script.command");
    }
    ModelTrainer trainer = settings.trainer(this.trainer, "check", parsed);
    var d = parsed.dataset();
    List<String> serviceFeatures = null;
    DatasetVersion version;
    if (d.ref() != null) {
      version = datasets.resolve(d.ref());
    } else if (d.uri() != null) {
      version = datasets.record(d.name(), d.uri(), d.format());
    } else {
      if (sets == null) {
        throw PierException.notImplemented("this server has no feature store to build training sets from");
      }
      TrainingSets.Built built = sets.build(d.featureService(), d.entitySource());
      version = datasets.record(d.name() != null ? d.name() : d.featureService(), built.uri(), "parquet",
          "feature_service:" + d.featureService());
      serviceFeatures = built.features();
    }
    String label = d.label();
    if (label == null || label.isBlank()) {
      throw PierException.badRequest("label is required: the column to learn");
    }
    if (version.column(label).isEmpty()) {
      throw PierException.badRequest("label column '" + label + "' is not in dataset " + version.ref()
          + " (columns: " + names(version) + ")");
    }
    var cv = parsed.cv();
    var split = parsed.split();
    boolean ranking = trainer.ranking(parsed.params());
    if (ranking || d.query() != null) {
      var q = Queries.check(d.query(), ranking, parsed.params(), cv, split, version);
      cv = q.cv();
      split = q.split();
    } else if (split.mode().equals("group") && cv.group() == null) {
      throw PierException.badRequest("split.mode group holds out whole groups: it needs cv.group");
    }
    Set<String> special = new java.util.HashSet<>(Set.of(label));
    for (String c : new String[] {cv.group(), cv.time()}) {
      if (c != null) {
        if (version.column(c).isEmpty()) {
          throw PierException.badRequest("cv column '" + c + "' is not in dataset " + version.ref());
        }
        special.add(c);
      }
    }
    List<String> features = d.features() != null ? d.features() : serviceFeatures != null ? serviceFeatures
        : version.schema().stream().map(Column::name).filter(n -> !special.contains(n)).toList();
    if (features.isEmpty()) {
      throw PierException.badRequest("dataset " + version.ref() + " has no feature column besides the label");
    }
    List<String> categorical = Categoricals.check(d.categoricalColumns(), features, special, version);
    for (String f : features) {
      Column c = version.column(f).orElseThrow(() -> PierException.badRequest("feature column '" + f
          + "' is not in dataset " + version.ref() + " (columns: " + names(version) + ")"));
      if (!c.numeric() && !categorical.contains(f)) {
        throw PierException.badRequest("feature '" + f + "' is " + c.type() + ", not numeric: XGBoost needs numbers;"
            + " declare it in 'categorical' (XGBoost then splits on its categories) or leave it out of 'features'");
      }
      if (f.equals(label)) {
        throw PierException.badRequest("the label '" + label + "' is also listed as a feature");
      }
    }
    if (!version.column(label).get().numeric()) {
      throw PierException.badRequest("label '" + label + "' is " + version.column(label).get().type()
          + ", not numeric: XGBoost learns numbers (0/1 for binary, 0…k-1 for classes)");
    }
    String metric = parsed.metric() != null ? parsed.metric()
        : parsed.scriptMode() ? scriptMetric(parsed.script())
        : ranking ? "ndcg" : trainer.classification(parsed.params()) ? "auc" : "rmse";
    trainer.check(parsed.params(), metric);
    if (dev.pier.training.sagemaker.ModelTuning.requested(parsed)) { // one SageMaker tuning job, not Pier's trials
      dev.pier.training.sagemaker.ModelTuning.check(parsed, metric, settings.sagemaker() != null,
          earlier -> jobs.get(earlier).map(TrainingJob::spec));
    } else if (parsed.tuning() != null) {
      searches.check(parsed.tuning(), parsed.params(), metric,
          parsed.scriptMode() ? parsed.script().forMetric(metric) : null, cv.folds());
    }
    long holdout = (long) Math.ceil(split.holdout() * version.rows());
    long trainRows = version.rows() - holdout;
    if (trainRows < 1) {
      throw PierException.badRequest("split.holdout " + split.holdout() + " of " + version.rows()
          + " rows leaves none to train on");
    }
    if (cv.folds() > trainRows) {
      throw PierException.badRequest("cv.folds " + cv.folds() + " is more than the " + trainRows
          + " training rows (dataset " + version.ref() + " has " + version.rows() + " rows, " + holdout
          + " held out)");
    }
    var resources = parsed.resources();
    String type = settings.prices().check(resources.instanceType());
    if (resources.instanceCount() < 1) {
      throw PierException.badRequest("resources.instance_count must be at least 1");
    }
    if (parsed.register() != null) {
      dev.pier.registry.Names.checkModel(parsed.register().model());
      var experiment = parsed.register().experiment();
      if (experiment != null) {
        if (experiments == null) {
          throw PierException.notImplemented("this server has no experiments to start after registering");
        }
        // the design as the experiments API will get it (versions 1 and 2 stand in for the alias's and the new one)
        experiments.check(experiment.body(parsed.register().model(), 1, 2, parsed.name(), "[training job]"));
      }
    }
    Priority priority = Priority.parse(parsed.priority());
    TrainingJobSpec spec = new TrainingJobSpec(parsed.name(), parsed.project(), new TrainingJobSpec.DataRef(
        version.name() + "@" + version.version(), version.name(), version.uri(), version.format().id(),
        d.featureService(), d.entitySource(), label, features, categorical.isEmpty() ? null : categorical,
        d.query()), parsed.algorithm(), parsed.params(), metric,
        split, cv, parsed.tuning(), parsed.register(), parsed.seed(),
        new TrainingJobSpec.Resources(type, resources.instanceCount(), resources.spot(),
            resources.maxRuntimeSeconds(), resources.maxCostUsd()), priority.id(), parsed.source(),
        parsed.script() == null ? null : parsed.script().forMetric(metric));
    String id = "tj-" + HexFormat.of().formatHex(randomBytes());
    TrainingJob job = new TrainingJob(id, spec.name(), spec.project(), JobState.RUNNING, "queued", priority, spec,
        version.name() + "@" + version.version().substring(0, 12), version.version(), null, null,
        TrainingJob.Trials.NONE, null, null, null, TrainingJob.Cost.zero(type, resources.spot()), null, null,
        clock.instant().truncatedTo(ChronoUnit.MILLIS), null, null, null);
    jobs.create(job);
    launcher.launch(job);
    return job;
  }

  /** Where {@code {"feature_service", "entity_source"}} datasets are built (none: such a job answers 501). */
  public TrainingJobs withTrainingSets(TrainingSets sets) {
    this.sets = sets;
    return this;
  }

  /** Where {@code register.experiment} designs are checked (none: such a job answers 501). */
  public TrainingJobs withExperiments(ExperimentStarter experiments) {
    this.experiments = experiments;
    return this;
  }

  public List<TrainingJob> list(String project, String state, String name) {
    return jobs.list().stream()
        .filter(j -> project == null || j.project().equals(project))
        .filter(j -> state == null || j.state().name().equalsIgnoreCase(state))
        .filter(j -> name == null || j.name().equals(name))
        .toList();
  }

  public TrainingJob get(String id) {
    return jobs.require(id);
  }

  /** Where a queued job waits in its project's queue (empty when it does not wait). */
  public java.util.Optional<TrainingQueue.Place> place(String id) {
    return launcher.place(id);
  }

  public List<TrialRecord> trials(String id) {
    jobs.require(id);
    return jobs.trials(id);
  }

  /** Cancels a RUNNING job (409 for a finished one): ABORTED, its running trials stopped at their next round. */
  public TrainingJob cancel(String id) {
    jobs.require(id);
    var stored = jobs.update(id, j -> j.with(b -> {
      b.state = JobState.ABORTED;
      b.error = "cancelled";
      b.finishedAt = clock.instant();
      return b.phase("done");
    }), false);
    if (stored.isEmpty()) {
      throw new PierException(409, "training job " + id + " is " + jobs.require(id).state()
          + " and cannot be cancelled");
    }
    launcher.stop(id);
    return stored.get();
  }

  /** A script job without {@code metric}: the only metric its definitions name. */
  private static String scriptMetric(dev.pier.training.script.ScriptSpec script) {
    if (script.metricDefinitions().size() != 1) {
      throw PierException.badRequest("metric is required: which of script.metric_definitions ("
          + String.join(", ", script.metricDefinitions().stream().map(m -> m.name()).toList())
          + ") the search optimizes");
    }
    return script.metricDefinitions().get(0).name();
  }

  private static String names(DatasetVersion v) {
    List<String> n = new ArrayList<>();
    v.schema().forEach(c -> n.add(c.name()));
    return String.join(", ", n);
  }

  private static byte[] randomBytes() {
    byte[] b = new byte[8];
    RANDOM.nextBytes(b);
    return b;
  }
}
