package dev.pier.training.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.pier.experiments.Arm;
import dev.pier.experiments.Experiment;
import dev.pier.experiments.ExperimentState;
import dev.pier.experiments.Experiments;
import dev.pier.experiments.RegistryCatalog;
import dev.pier.experiments.store.ExperimentStore;
import dev.pier.experiments.store.ExperimentsTable;
import dev.pier.kernel.PierException;
import dev.pier.registry.ArtifactStore;
import dev.pier.registry.AuditEntry;
import dev.pier.registry.ModelRegistry;
import dev.pier.statemachines.AslDefinition;
import dev.pier.statemachines.LocalStateMachineRunner;
import dev.pier.statemachines.LocalStateMachineRunner.ExecutionResult;
import dev.pier.training.StandIns;
import dev.pier.training.datasets.Datasets;
import dev.pier.training.tracking.JobTracking;
import dev.pier.tracking.TrackingStore;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The steps after registering — the canary and the experiment — when the process dies (as under {@code kill -9}: no
 * task after the death runs, nothing records a failure) just before the step, just after it did its work but before
 * the workflow heard back, or (the experiment) between creating the experiment and recording it. The job started
 * again by a fresh process neither skips the step nor does it twice: one canary change of the alias, one experiment.
 */
class PostRegisterStepResumeTest {
  @TempDir static Path work;
  static LocalTrainingFixture world;
  static StandIns standIns;
  static TrainingJobsTable jobs;
  static Datasets datasets;
  static TrainingSettings settings;
  static ModelRegistry registry;
  static Experiments experiments;

  @BeforeAll
  static void start() throws Exception {
    world = new LocalTrainingFixture(work).dataset(120, 4, LocalTrainingFixture.NOISY_A);
    standIns = world.standIns;
    var dynamo = world.dynamo;
    ExperimentsTable.createIfMissing(dynamo, "experiments");
    ArtifactStore artifacts = new ArtifactStore(standIns.clients.s3(), "artifacts");
    artifacts.createBucketIfMissing();
    registry = new ModelRegistry(dynamo, "registry", artifacts);
    experiments = new Experiments(new ExperimentStore(dynamo, "experiments"), new RegistryCatalog(registry),
        Clock.systemUTC());
    jobs = world.jobs;
    datasets = world.datasets;
    settings = world.settings;
  }

  @AfterAll
  static void stop() {
    world.close();
  }

  /** Not an exception the worker records: the process is gone. */
  static final class ProcessDied extends Error {}

  private static final TrainingLauncher NOT_STARTED = new TrainingLauncher() {
    @Override
    public void launch(TrainingJob job) {}

    @Override
    public void stop(String id) {}
  };

  /** When a process dies: before the step's task runs, or after it ran and before its answer is heard. */
  enum Death { BEFORE, AFTER, NEVER }

  /** The experiments API, dying right after creating its experiment when {@code dieAfterCreate}. */
  static final class Dying implements ExperimentStarter {
    final ExperimentsStarter real = new ExperimentsStarter(experiments);
    final boolean dieAfterCreate;
    final AtomicBoolean dead;
    final AtomicInteger created = new AtomicInteger();

    Dying(boolean dieAfterCreate, AtomicBoolean dead) {
      this.dieAfterCreate = dieAfterCreate;
      this.dead = dead;
    }

    @Override
    public void check(JsonNode definition) {
      real.check(definition);
    }

    @Override
    public Optional<Started> find(String model, String marker) {
      return real.find(model, marker);
    }

    @Override
    public Started create(JsonNode definition) {
      Started s = real.create(definition);
      created.incrementAndGet();
      if (dieAfterCreate) {
        dead.set(true);
        throw new ProcessDied();
      }
      return s;
    }

    @Override
    public Started start(String id) {
      return real.start(id);
    }
  }

  /** One process running job {@code id}'s workflow; it dies at {@code action} as {@code death} says. */
  private static ExecutionResult process(String id, String action, Death death, ExperimentStarter starter,
      AtomicBoolean dead) {
    XGBoostModelTrainer trainer = new XGBoostModelTrainer(1);
    TrackingStore tracking = new TrackingStore(standIns.clients.dynamoDb(), "registry", "s3://data/mlflow");
    TrainingWorker worker = new TrainingWorker(jobs, datasets, trainer, new Searches(jobs, trainer),
        new JobTracking(tracking), registry, standIns.clients.s3(), settings, Clock.systemUTC())
        .withExperiments(starter);
    LocalStateMachineRunner runner = LocalStateMachineRunner.builder()
        .task("arn:aws:states:::lambda:invoke", (parameters, context) -> {
          if (dead.get()) {
            throw new InterruptedException("the process is gone");
          }
          boolean here = action.equals(parameters.path("Payload").path("action").asText());
          if (here && death == Death.BEFORE) {
            dead.set(true);
            throw new InterruptedException("the process is gone before the step");
          }
          JsonNode answer;
          try {
            answer = worker.invoke(parameters);
          } catch (ProcessDied e) {
            throw new InterruptedException("the process is gone inside the step");
          }
          if (here && death == Death.AFTER) {
            dead.set(true);
            throw new InterruptedException("the process is gone before the step's answer");
          }
          return answer;
        }).build();
    return runner.run(AslDefinition.bundled("training", settings.substitutions()),
        JsonNodeFactory.instance.objectNode().put("job_id", id), id);
  }

  private static TrainingJob submit(String model, String register) throws Exception {
    XGBoostModelTrainer trainer = new XGBoostModelTrainer(1);
    TrainingJobs api = new TrainingJobs(jobs, datasets, trainer, NOT_STARTED, settings, new Searches(jobs, trainer),
        Clock.systemUTC()).withExperiments(new ExperimentsStarter(experiments));
    return api.submit(TrainingJobsTable.JSON.readTree("""
        {"name": "MODEL", "dataset": {"uri": "s3://data/set.csv", "label": "y"},
         "params": {"objective": "binary:logistic", "num_round": 4}, "metric": "auc", "cv": {"folds": 2},
         "seed": 3, "register": REGISTER}
        """.replace("MODEL", model).replace("REGISTER", register)));
  }

  /** Version 1 of {@code model} on alias production, trained by a job of its own. */
  private static void firstVersion(String model) throws Exception {
    TrainingJob first = submit(model, "{\"model\": \"" + model + "\", \"alias\": \"production\"}");
    assertThat(process(first.id(), "none", Death.NEVER, null, new AtomicBoolean()).status())
        .isEqualTo(ExecutionResult.Status.SUCCEEDED);
  }

  /** The job, killed as told, then started again by a fresh process; answers it finished. */
  private static TrainingJob killAndResume(TrainingJob job, String action, Death death, Dying firstProcess) {
    AtomicBoolean dead = firstProcess != null ? firstProcess.dead : new AtomicBoolean();
    ExecutionResult killed = process(job.id(), action, death, firstProcess, dead);
    Thread.interrupted(); // the runner aborts a death on this thread by interrupting it: that process is over
    assertThat(killed.status()).isNotEqualTo(ExecutionResult.Status.SUCCEEDED);
    assertThat(jobs.require(job.id()).state()).isEqualTo(JobState.RUNNING);
    ExecutionResult resumed = process(job.id(), action, Death.NEVER, new ExperimentsStarter(experiments),
        new AtomicBoolean());
    assertThat(resumed.status()).as(String.valueOf(resumed.cause())).isEqualTo(ExecutionResult.Status.SUCCEEDED);
    TrainingJob done = jobs.require(job.id());
    assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
    return done;
  }

  private static List<AuditEntry> aliasChangesBy(String model, String jobId) {
    return registry.audit(model, null, 1000).items().stream()
        .filter(a -> ("training-job:" + jobId).equals(a.actor()) && a.action().equals("alias.set"))
        .toList();
  }

  @Test
  void aCanaryStepKilledBeforeOrAfterItRanIsSetExactlyOnce() throws Exception {
    for (Death death : List.of(Death.BEFORE, Death.AFTER)) {
      String model = "canary-" + death.name().toLowerCase(Locale.ROOT);
      firstVersion(model);
      TrainingJob job = submit(model, "{\"model\": \"" + model + "\", \"canary\": {\"alias\": \"production\","
          + " \"weight\": 0.25}}");

      TrainingJob done = killAndResume(job, "canary", death, null);

      assertThat(done.registered().version()).isEqualTo(2);
      assertThat(done.registered().canary()).isEqualTo(new TrainingJob.CanaryStarted("production", 1, 0.25));
      var alias = registry.alias(model, "production");
      assertThat(alias.version()).as(death.name()).isEqualTo(1);
      assertThat(alias.canary().version()).isEqualTo(2);
      assertThat(alias.canary().weight()).isEqualTo(0.25);
      assertThat(aliasChangesBy(model, job.id())).as(death + ": the canary set once").hasSize(1);
    }
  }

  @Test
  void anExperimentStepKilledAnywhereStartsExactlyOneExperiment() throws Exception {
    for (String when : List.of("before", "after-create", "after")) {
      String model = "experiment-" + when;
      firstVersion(model);
      TrainingJob job = submit(model, """
          {"model": "MODEL", "experiment": {"alias": "production", "weight": 0.3, "unit": "user",
            "metrics": {"primary": {"name": "conversion", "type": "binary"}},
            "design": {"alpha": 0.05, "power": 0.8, "mde": 0.1, "baseline": 0.1}}}
          """.replace("MODEL", model));
      AtomicBoolean dead = new AtomicBoolean();
      Dying first = new Dying(when.equals("after-create"), dead);

      TrainingJob done = killAndResume(job, "experiment", switch (when) {
        case "before" -> Death.BEFORE;
        case "after" -> Death.AFTER;
        default -> Death.NEVER; // dies inside the step, in create
      }, first);

      List<Experiment> made = experiments.list(model, null, null);
      assertThat(made).as(when + ": one experiment").hasSize(1);
      Experiment e = made.get(0);
      assertThat(e.state()).isEqualTo(ExperimentState.RUNNING);
      assertThat(e.definition().alias()).isEqualTo("production");
      assertThat(e.definition().arms()).extracting(Arm::name, Arm::version, Arm::weight)
          .containsExactly(org.assertj.core.groups.Tuple.tuple("control", 1, 0.7),
              org.assertj.core.groups.Tuple.tuple("treatment", 2, 0.3));
      assertThat(e.definition().hypothesis()).contains("[training job " + job.id() + "]");
      assertThat(done.registered().experiment())
          .isEqualTo(new TrainingJob.ExperimentStarted(e.id(), "production", 1, 0.3, "running"));
      assertThat(first.created.get()).isEqualTo(when.equals("before") ? 0 : 1);
      assertThat(registry.alias(model, "production").version()).isEqualTo(1); // the experiment routes, not the alias
    }
  }

  @Test
  void badExperimentStepsAreRefusedBeforeAnythingRuns() {
    for (String[] c : new String[][] {
        {"{\"model\": \"m\", \"experiment\": {\"arms\": []}}", "register.experiment.arms is set by the job"},
        {"{\"model\": \"m\", \"alias\": \"production\", \"experiment\": {\"metrics\": {}}}", "is also register.alias"},
        {"{\"model\": \"m\", \"experiment\": {\"weight\": 1.5}}", "must be between 0 and 1"},
        {"{\"model\": \"m\", \"canary\": {\"weight\": 0.1}, \"experiment\": {}}", "not both"},
        {"{\"model\": \"m\", \"experiment\": {\"unit\": \"user\"}}", "metrics"}}) {
      int before = jobs.list().size();
      assertThatThrownBy(() -> submit("m", c[0])).as(c[0]).isInstanceOf(PierException.class)
          .hasMessageContaining(c[1]).satisfies(e -> assertThat(((PierException) e).status()).isEqualTo(400));
      assertThat(jobs.list()).hasSize(before);
    }
  }
}
