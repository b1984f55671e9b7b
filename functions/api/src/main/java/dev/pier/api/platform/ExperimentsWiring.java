package dev.pier.api.platform;

import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.local.LocalStandIns;
import dev.pier.registry.ModelRegistry;
import java.util.Optional;
import dev.pier.api.PeriodicSweep;

import dev.pier.experiments.Experiments;
import dev.pier.experiments.RegistryCatalog;
import dev.pier.experiments.analysis.AnalysisWorker;
import dev.pier.experiments.analysis.LocalAnalysisWorkflow;
import dev.pier.experiments.assignment.ExperimentAssigner;
import dev.pier.statemachines.LocalStateMachineRunner;
import dev.pier.experiments.assignment.ExposureBuffer;
import dev.pier.experiments.flags.Flags;
import dev.pier.experiments.store.ExperimentStore;
import dev.pier.experiments.store.ExperimentsTable;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Supplies the experiments module's services (its REST resources, {@code dev.pier.experiments.http.ExperimentResource}
 * and {@code FlagResource}, are found through that jar's beans.xml) from the platform's DynamoDB client and registry.
 * Experiments and flags share the table {@code pier.experiments.table}; local mode creates it, and runs the automatic
 * analysis of every running experiment every {@code pier.experiments.analysis-interval} (default 5 minutes) as an
 * execution of {@code experiment-analysis.asl.json} on the local ASL runner (in AWS the CDK app's schedule starts the
 * same state machine, whose {@code ${ExperimentsWorkerFunction}} is the experiments worker Lambda: this zip, whose
 * handler hands the tasks to the {@link AnalysisWorker} produced here).
 *
 * <p>The prediction pipeline's experiment stage asks an {@link ExperimentAssigner}: its snapshot of the running
 * experiments is refreshed every {@code pier.experiments.assignment-refresh} (default 5 s) and at once after a state
 * change made through this process; the exposures it logs wait in a bounded {@link ExposureBuffer}
 * ({@code pier.experiments.exposure-buffer} rows, default 100,000; beyond that dropped and offered again by the unit's
 * next request) and are written to the experiment's ledger every second; a failed write keeps its batch for the next
 * second's try (same batch id, stored once). A batch id is remembered {@code pier.experiments.batch-marker-retention}
 * (default 7 days; its marker item's TTL), so the markers do not grow without end.
 */
@Singleton
public class ExperimentsWiring {

  private PeriodicSweep analysis;

  @Produces
  @Singleton
  Flags flags(AwsClients aws, Optional<LocalStandIns> standIns, ExperimentAssigner assigner,
      @ConfigProperty(name = "pier.experiments.table", defaultValue = "pier-experiments") String table) {
    if (standIns.isPresent()) {
      ExperimentsTable.createIfMissing(aws.dynamoDb(), table);
    }
    // evaluations of a flag with a running experiment on it serve the arms' variants and log exposures
    return new Flags(aws.dynamoDb(), table, Clock.systemUTC(), assigner);
  }

  @Produces
  @Singleton
  Experiments experiments(AwsClients aws, Optional<LocalStandIns> standIns, ModelRegistry registry,
      dev.pier.api.PierConfig config, io.micrometer.core.instrument.MeterRegistry meters,
      @ConfigProperty(name = "pier.experiments.table", defaultValue = "pier-experiments") String table,
      @ConfigProperty(name = "pier.experiments.batch-marker-retention", defaultValue = "7d") Duration markers) {
    if (standIns.isPresent()) {
      ExperimentsTable.createIfMissing(aws.dynamoDb(), table);
    }
    Experiments experiments = new Experiments(new ExperimentStore(aws.dynamoDb(), table, markers),
        new RegistryCatalog(registry), Clock.systemUTC(), new MeasuredTraffic(meters, Clock.systemUTC()),
        // a flag experiment's variants are checked, and its winner rolled out (or its default returned to control)
        (dev.pier.experiments.flags.FlagControl) new Flags(aws.dynamoDb(), table, Clock.systemUTC()));
    // guardrail breaches as a metric (EMF in Lambda, as the prediction metrics): the CDK app alarms on it
    ExperimentMetrics metrics = new ExperimentMetrics(
        config.metrics().emf().orElse(System.getenv("AWS_LAMBDA_FUNCTION_NAME") != null), meters);
    experiments.onAnalysis(metrics::analysed);
    return experiments;
  }

  /**
   * What the tasks of {@code experiment-analysis.asl.json} run: locally on the ASL runner's schedule, in AWS in the
   * experiments worker Lambda (the zip's handler hands it the tasks' payloads).
   */
  @Produces
  @Singleton
  AnalysisWorker analysisWorker(Experiments experiments) {
    return new AnalysisWorker(experiments);
  }

  @Produces
  @Singleton
  ExposureBuffer exposures(
      @ConfigProperty(name = "pier.experiments.exposure-buffer", defaultValue = "100000") int capacity) {
    return new ExposureBuffer(capacity);
  }

  @Produces
  @Singleton
  ExperimentAssigner assigner(Experiments experiments, ExposureBuffer exposures) {
    ExperimentAssigner assigner = experiments.assigner(exposures);
    Runnable refresh = () -> {
      try {
        assigner.refresh();
      } catch (RuntimeException e) {
        // no experiments table yet (a deployment without one): predictions go on unassigned; the refresh retries
        Log.warnf("experiment assignment: could not read the running experiments (retried every refresh): %s", e);
      }
    };
    refresh.run();
    experiments.onTransition(refresh);
    return assigner;
  }

  void onStart(@Observes StartupEvent event, Optional<LocalStandIns> standIns, Experiments experiments,
      AnalysisWorker worker, ExperimentAssigner assigner, ExposureBuffer exposures,
      @ConfigProperty(name = "pier.experiments.analysis-interval", defaultValue = "5m") Duration interval,
      @ConfigProperty(name = "pier.experiments.assignment-refresh", defaultValue = "5s") Duration refresh,
      ExposureWriterConfig writer) {
    if (standIns.isPresent()) {
      // experiment-analysis.asl.json on the local ASL runner, as the schedule starts it in AWS
      var workflow = new LocalAnalysisWorkflow(worker, Clock.systemUTC());
      analysis = PeriodicSweep.start("experiment analysis", interval, () -> {
        var result = workflow.runOnce();
        if (result.status() != LocalStateMachineRunner.ExecutionResult.Status.SUCCEEDED) {
          Log.warnf("experiment analysis: the run ended %s: %s: %s", result.status(), result.error(), result.cause());
        }
      });
    }
    assignments = PeriodicSweep.start("experiment assignment refresh", refresh, assigner::refresh);
    this.exposures = exposures;
    this.armMetrics = assigner.armMetrics();
    this.experiments = experiments;
    exposureWriter = PeriodicSweep.start("experiment exposures", writer.writeInterval(), this::flush);
  }

  /**
   * Writes the exposures and model metrics queued so far, now (what the writer does every
   * {@code pier.experiments.exposures.write-interval}). The Lambda handler calls it after every event: Lambda freezes
   * the writer's thread between invocations, so what an invocation logged would otherwise wait for a later one, or be
   * lost with the environment. With nothing queued it costs a lock and two empty drains.
   */
  public void flush() {
    if (exposures == null) {
      return; // not started yet
    }
    RuntimeException failed = exposures.drain(experiments::writeExposures, EXPOSURES_PER_BATCH);
    try { // after the exposures: a unit's model metrics count only once its exposure is there
      armMetrics.drain(experiments::writeModelMetrics, experiments::writePredictions, PREDICTED_VALUES,
          EXPOSURES_PER_BATCH);
    } catch (RuntimeException e) {
      Log.warnf("experiment model metrics: a write failed (those observations are dropped): %s", e);
    }
    if (failed != null) {
      // kept in the buffer and written again (same batch ids) by the next tick
      Log.warnf("experiment exposures: a write failed, %d batch(es) kept for the next try (%d failed writes so far):"
          + " %s", exposures.unwrittenBatches(), exposures.failedWrites(), failed);
    }
  }

  void onStop(@Observes ShutdownEvent event) {
    if (analysis != null) {
      analysis.stop();
    }
    if (assignments != null) {
      assignments.stop();
    }
    if (exposureWriter != null) {
      exposureWriter.stop();
      flush(); // what was logged since the last tick
    }
  }

  private static final PredictedValues PREDICTED_VALUES = new PredictedValues();

  /**
   * Ground truth sent to {@code POST /api/v1/feedback} (stored by monitoring first) goes to every running experiment
   * that measures feedback, to be joined to the predictions it routed. A failed write fails the request, so the
   * client sends the labels again (storing them again is idempotent, and a row joins once).
   */
  @Produces
  @Singleton
  dev.pier.monitoring.capture.FeedbackListener experimentFeedback(Experiments experiments) {
    return labels -> experiments.feedback(labels.stream()
        .map(l -> new dev.pier.experiments.metrics.FeedbackLabel(l.requestId(), l.row(), l.label())).toList());
  }

  /** Exposures per stored batch: one DynamoDB item each, well under its 400 KB limit for ids of up to ~200 chars. */
  private static final int EXPOSURES_PER_BATCH = 1000;
  private PeriodicSweep assignments;
  private dev.pier.experiments.assignment.ArmMetrics armMetrics;
  private PeriodicSweep exposureWriter;
  private volatile ExposureBuffer exposures;
  private Experiments experiments;
}
