package dev.pier.experiments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.experiments.results.ExperimentResults;
import dev.pier.experiments.store.ExperimentStore;
import dev.pier.experiments.store.ExperimentsTable;
import dev.pier.kernel.PierException;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.AwsClients.AwsSettings;
import dev.pier.local.LocalAws;
import dev.pier.registry.ArtifactStore;
import dev.pier.kernel.engine.Framework;
import dev.pier.registry.ModelRegistry;
import dev.pier.registry.NewVersion;
import dev.pier.registry.RegistryTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The experiments service against the DynamoDB stand-in and the real registry, through the real SDK clients. */
class ExperimentsTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dataDir;
  private static LocalAws aws;
  private static AwsClients clients;
  private static ModelRegistry registry;
  private static ExperimentStore store;
  private static Experiments experiments;

  @BeforeAll
  static void start() throws Exception {
    aws = LocalAws.start(dataDir.resolve("aws"));
    clients = new AwsClients(new AwsSettings(aws.region(), aws.dynamoDbEndpoint(), aws.s3Endpoint(),
        aws.accessKeyId(), aws.secretAccessKey()));
    RegistryTable.createIfMissing(clients.dynamoDb(), "registry");
    ArtifactStore artifacts = new ArtifactStore(clients.s3(), "artifacts");
    artifacts.createBucketIfMissing();
    registry = new ModelRegistry(clients.dynamoDb(), "registry", artifacts);
    Path weights = Files.writeString(dataDir.resolve("weights.bin"), "weights");
    for (String model : new String[] {"churn", "ranker", "fraud", "guarded", "promoted", "skewed", "retried", "holdouts", "workflow", "quiet", "listened"}) {
      registry.register(model, new NewVersion(Framework.ONNX, null, null, Map.of(), Map.of()), weights, null);
      registry.register(model, new NewVersion(Framework.ONNX, null, null, Map.of(), Map.of()), weights, null);
      registry.setAlias(model, "production", 1);
    }
    ExperimentsTable.createIfMissing(clients.dynamoDb(), "experiments");
    store = new ExperimentStore(clients.dynamoDb(), "experiments");
    experiments = new Experiments(store, new RegistryCatalog(registry), Clock.systemUTC());
  }

  @AfterAll
  static void stop() {
    clients.close();
    aws.close();
  }

  /** The issue's example body, on {@code model}, in {@code layer}. */
  private static ObjectNode design(String model, String layer) throws Exception {
    ObjectNode body = (ObjectNode) JSON.readTree("""
        {"name": "new ranker", "hypothesis": "v2 converts better", "model": "MODEL", "alias": "production",
         "arms": [{"name": "control", "version": 1, "weight": 0.5}, {"name": "treatment", "version": 2, "weight": 0.5}],
         "unit": "user",
         "metrics": {"primary": {"name": "conversion", "type": "binary"},
                     "secondary": [{"name": "revenue", "type": "continuous"}],
                     "guardrails": [{"name": "error_rate", "type": "binary", "max_relative_harm": 0.05}]},
         "design": {"alpha": 0.05, "power": 0.8, "mde": 0.05, "baseline": 0.1, "daily_units": 20000},
         "analysis": "sequential"}
        """.replace("MODEL", model));
    body.put("layer", layer);
    return body;
  }

  private static String layer() {
    return "layer-" + UUID.randomUUID();
  }

  private static PierException failure(Runnable call) {
    try {
      call.run();
    } catch (PierException e) {
      return e;
    }
    throw new AssertionError("expected a PierException");
  }

  @Test
  void creatingAnswersTheIdSampleSizePerArmAndExpectedDuration() throws Exception {
    Experiment e = experiments.create(design("churn", layer()));
    assertThat(e.id()).startsWith("exp-");
    assertThat(e.state()).isEqualTo(ExperimentState.DRAFT);
    assertThat(e.sampleSizePerArm()).isEqualTo(57_763); // the closed form SciPy checks (SampleSize)
    assertThat(e.expectedDurationDays()).isEqualTo(5.8);  // 57,763 / (20,000 a day * 0.5)
    assertThat(experiments.get(e.id()).definition()).isEqualTo(e.definition());
  }

  @Test
  void withoutDailyUnitsTheExpectedDurationComesFromTheModelsMeasuredTrafficAndSaysSo() throws Exception {
    var measured = new Experiments(store, new RegistryCatalog(registry), Clock.systemUTC(),
        model -> model.equals("churn") ? java.util.OptionalDouble.of(8_000) : java.util.OptionalDouble.empty());
    ObjectNode body = design("churn", layer());
    ((ObjectNode) body.get("design")).remove("daily_units");
    Experiment e = measured.create(body);
    assertThat(e.expectedDurationDays()).isEqualTo(14.5); // 57,763 / (8,000 a day * 0.5) = 14.44, up to a tenth
    assertThat(e.durationBasis()).isEqualTo(Experiment.BASIS_MEASURED);
    assertThat(e.dailyTraffic()).isEqualTo(8_000.0);
    Experiment stored = experiments.get(e.id());
    assertThat(stored.durationBasis()).isEqualTo(Experiment.BASIS_MEASURED);
    assertThat(stored.dailyTraffic()).isEqualTo(8_000.0);

    Experiment designed = measured.create(design("churn", layer())); // daily_units given: it wins
    assertThat(designed.expectedDurationDays()).isEqualTo(5.8);
    assertThat(designed.durationBasis()).isEqualTo(Experiment.BASIS_DESIGN);
    assertThat(experiments.get(designed.id()).durationBasis()).isEqualTo(Experiment.BASIS_DESIGN);

    ObjectNode unmeasured = design("ranker", layer());
    ((ObjectNode) unmeasured.get("design")).remove("daily_units");
    Experiment unknown = measured.create(unmeasured); // no traffic measured on ranker: no duration
    assertThat(unknown.expectedDurationDays()).isNull();
    assertThat(unknown.durationBasis()).isNull();
  }

  @Test
  void weightsThatDoNotSumToOneAreA400NamingTheSum() throws Exception {
    ObjectNode body = design("churn", layer());
    ((ObjectNode) body.get("arms").get(1)).put("weight", 0.6);
    PierException e = failure(() -> experiments.create(body));
    assertThat(e.status()).isEqualTo(400);
    assertThat(e.getMessage()).contains("arms: weights must sum to 1, they sum to 1.1");
  }

  @Test
  void everyProblemOfADesignIsNamedInOne400() throws Exception {
    ObjectNode body = design("churn", layer());
    body.remove("name");
    ((ObjectNode) body.get("metrics").get("primary")).put("type", "ratio");
    ((ObjectNode) body.get("design")).put("alpha", 1.5);
    body.put("analysis", "psychic");
    PierException e = failure(() -> experiments.create(body));
    assertThat(e.status()).isEqualTo(400);
    assertThat(e.getMessage()).contains("name: required", "metrics.primary.type: must be binary or continuous",
        "design.alpha: must lie in (0, 1)", "analysis: must be one of [frequentist, sequential, bayesian]");
  }

  @Test
  void anUnknownVersionOrAliasIsA404NamingIt() throws Exception {
    ObjectNode unknownVersion = design("churn", layer());
    ((ObjectNode) unknownVersion.get("arms").get(1)).put("version", 7);
    PierException version = failure(() -> experiments.create(unknownVersion));
    assertThat(version.status()).isEqualTo(404);
    assertThat(version.getMessage()).contains("has no version 7");

    ObjectNode unknownAlias = design("churn", layer());
    unknownAlias.put("alias", "staging");
    PierException alias = failure(() -> experiments.create(unknownAlias));
    assertThat(alias.status()).isEqualTo(404);
    assertThat(alias.getMessage()).contains("no alias 'staging'");
  }

  @Test
  void aSecondRunningExperimentOnOneAliasAndLayerIsA409NamingTheFirst() throws Exception {
    String layer = layer();
    Experiment first = experiments.start(experiments.create(design("ranker", layer)).id());
    Experiment second = experiments.create(design("ranker", layer));
    PierException e = failure(() -> experiments.start(second.id()));
    assertThat(e.status()).isEqualTo(409);
    assertThat(e.getMessage()).contains(first.id(), "is already running on model 'ranker' alias 'production'");

    Experiment otherLayer = experiments.start(experiments.create(design("ranker", layer())).id());
    assertThat(otherLayer.state()).isEqualTo(ExperimentState.RUNNING);

    experiments.stop(first.id());
    assertThat(experiments.start(second.id()).state()).isEqualTo(ExperimentState.RUNNING);
  }

  @Test
  void pauseKeepsTheAliasAndAStoppedExperimentCannotRestart() throws Exception {
    String layer = layer();
    String id = experiments.create(design("fraud", layer)).id();
    Experiment running = experiments.start(id);
    assertThat(experiments.start(id).revision()).isEqualTo(running.revision()); // idempotent
    assertThat(experiments.pause(id).state()).isEqualTo(ExperimentState.PAUSED);
    String rival = experiments.create(design("fraud", layer)).id();
    assertThat(failure(() -> experiments.start(rival)).status()).isEqualTo(409); // paused still holds the alias
    Experiment resumed = experiments.start(id);
    assertThat(resumed.state()).isEqualTo(ExperimentState.RUNNING);
    assertThat(resumed.startedAt()).isEqualTo(running.startedAt());
    Experiment stopped = experiments.stop(id, "alice");
    assertThat(stopped.stoppedAt()).isNotNull();
    assertThat(experiments.get(id).stoppedBy()).as("the history says who stopped it").isEqualTo("alice");
    assertThat(experiments.stop(id, "bob").stoppedBy()).as("stopping again changes nothing").isEqualTo("alice");
    assertThat(failure(() -> experiments.start(id)).status()).isEqualTo(409);
  }

  @Test
  void exposuresForAnUnknownArmAreA400AndForADraftA409() throws Exception {
    String draft = experiments.create(design("churn", layer())).id();
    assertThat(failure(() -> experiments.exposures(draft, exposures(0, 1, "control"))).status()).isEqualTo(409);
    String id = experiments.start(experiments.create(design("churn", layer())).id()).id();
    PierException e = failure(() -> experiments.exposures(id, exposures(0, 1, "variant-b")));
    assertThat(e.status()).isEqualTo(400);
    assertThat(e.getMessage()).contains("items[0].arm: unknown arm 'variant-b'");
  }

  @Test
  void eventsForAMetricNoRunningExperimentMeasuresAreA400NamingIt() throws Exception {
    JsonNode body = JSON.readTree("""
        {"items": [{"unit": "u1", "metric": "dwell_time_never_measured", "value": 3,
                    "timestamp": "2026-12-06T10:00:00Z"}]}""");
    PierException e = failure(() -> experiments.events(body));
    assertThat(e.status()).isEqualTo(400);
    assertThat(e.getMessage()).contains("items[0].metric: no running experiment measures 'dwell_time_never_measured'");
  }

  @Test
  void manyEventsForOneUnknownMetricAreOneProblemNotOnePerItem() {
    PierException e = failure(() -> experiments.events(conversions("clicks_never_measured", 0, 50)));
    assertThat(e.getMessage()).isEqualTo("invalid events: items[0, 1, 2, … (50 items)].metric: no running experiment"
        + " measures 'clicks_never_measured'");
  }

  @Test
  void theLatencyAndServerErrorsOfRoutedPredictionsAreEachArmsGuardrailMetrics() throws Exception {
    ObjectNode body = design("fraud", layer());
    ((ArrayNode) body.get("metrics").get("guardrails")).addObject().put("name", "latency_ms").put("type", "continuous")
        .put("max_relative_harm", 0.1);
    body.put("analysis", "frequentist");
    String id = experiments.start(experiments.create(body).id()).id();
    experiments.exposures(id, exposures(0, 100, "control"));
    experiments.exposures(id, exposures(100, 200, "treatment"));
    var observed = new dev.pier.experiments.assignment.ArmMetrics();
    long at = Instant.parse("2026-12-06T11:00:00Z").toEpochMilli();
    for (int i = 0; i < 200; i++) {
      boolean treated = i >= 100;
      for (int repeat = 0; repeat < 2; repeat++) { // two predictions per unit
        observed.offer(id, "u" + i, treated ? i % 2 == 0 : i % 10 == 0, treated ? 20 + i % 3 : 10 + i % 3, at);
      }
    }
    observed.offer("exp-unknown", "u1", true, 5, at); // an experiment that is not there stores nothing
    java.util.Map<String, Integer> stored = new java.util.HashMap<>();
    observed.drain((experiment, rows) -> stored.put(experiment, experiments.writeModelMetrics(experiment, rows)), 10_000);
    assertThat(stored).containsEntry(id, 400 + 20 + 100).containsEntry("exp-unknown", 0);

    ExperimentResults results = experiments.results(id);
    var errors = results.metrics().stream().filter(m -> m.metric().equals("error_rate")).findFirst().orElseThrow();
    var latency = results.metrics().stream().filter(m -> m.metric().equals("latency_ms")).findFirst().orElseThrow();
    assertThat(errors.role()).isEqualTo("guardrail");
    assertThat(errors.arms()).extracting(ExperimentResults.ArmMetric::mean).containsExactly(0.1, 0.5);
    // each unit's latency summed over its two predictions: 2 * (10 + mean of i % 3) vs 2 * (20 + …)
    assertThat(latency.arms()).extracting(ExperimentResults.ArmMetric::n).containsExactly(100L, 100L);
    assertThat(latency.arms().get(0).mean()).isBetween(21.9, 22.1);
    assertThat(latency.arms().get(1).mean()).isBetween(41.9, 42.1);
    assertThat(latency.comparisons().get(0).breached()).as(latency.comparisons().toString()).isTrue();
    assertThat(errors.comparisons().get(0).breached()).isTrue();
    experiments.stop(id);
    observed.offer(id, "u1", true, 5, at);
    observed.drain((experiment, rows) -> assertThat(experiments.writeModelMetrics(experiment, rows)).isZero(), 10);
  }

  @Test
  void resultsCountEventsAfterExposureAndFoldOnlyNewBatches() throws Exception {
    ObjectNode body = design("churn", layer());
    ((ObjectNode) body.get("metrics").get("primary")).put("name", "conv-" + UUID.randomUUID());
    String metric = body.get("metrics").get("primary").get("name").asText();
    String id = experiments.start(experiments.create(body).id()).id();
    experiments.exposures(id, exposures(0, 400, "control"));
    experiments.exposures(id, exposures(400, 800, "treatment"));
    experiments.events(conversions(metric, 0, 40));     // 40 of 400 control units convert
    experiments.events(conversions(metric, 400, 480));  // 80 of 400 treatment units convert
    experiments.events(conversions(metric, 5_000, 5_010)); // units never exposed: held, not counted

    ExperimentResults first = experiments.results(id);
    var conversion = first.metrics().get(0);
    assertThat(first.arms()).extracting(ExperimentResults.ArmUnits::units).containsExactly(400L, 400L);
    assertThat(conversion.arms()).extracting(ExperimentResults.ArmMetric::mean).containsExactly(0.1, 0.2);
    assertThat(conversion.comparisons().get(0).pValue()).isLessThan(0.05);
    assertThat(first.events().heldBeforeExposure()).isEqualTo(10);
    assertThat(first.srm().flagged()).isFalse();

    // more data: the next refresh folds only the new batch, and a fresh process folds everything to the same state
    experiments.exposures(id, exposures(800, 1_000, "control"));
    ExperimentResults second = experiments.results(id);
    assertThat(second.arms()).extracting(ExperimentResults.ArmUnits::units).containsExactly(600L, 400L);
    var fresh = new Experiments(store, new RegistryCatalog(registry), Clock.systemUTC());
    assertThat(fresh.results(id)).isEqualTo(second);
  }

  @Test
  void anExposureBatchWhoseWriteCommittedButFailedIsRetriedAndStoredOnce() throws Exception {
    String id = experiments.start(experiments.create(design("churn", layer())).id()).id();
    var buffer = new dev.pier.experiments.assignment.ExposureBuffer(100);
    var assigner = experiments.assigner(buffer);
    assigner.refresh();
    int mine = 0; // other tests' experiments run on churn's alias in other layers, which split its units
    for (int i = 0; i < 60; i++) {
      if (assigner.assign("churn", "production", "user-" + i, 1_000 + i).experiment().equals(id)) mine++;
    }
    assertThat(mine).isPositive();
    int[] calls = {0};
    // the first write commits and then answers with an error (a timeout after the commit, say)
    dev.pier.experiments.assignment.ExposureBuffer.Sink ambiguous = (experiment, batch, rows) -> {
      experiments.writeExposures(experiment, batch, rows);
      if (experiment.equals(id) && calls[0]++ == 0) throw new IllegalStateException("read timed out");
    };
    RuntimeException failed = buffer.drain(ambiguous, 1_000);
    assertThat(failed).hasMessage("read timed out");
    assertThat(buffer.queued()).isEqualTo(mine); // the other experiments' batches were written
    assertThat(buffer.drain(ambiguous, 1_000)).isNull();
    assertThat(buffer.queued()).isZero();

    assertThat(store.batchesAfter(id, null)).hasSize(1);
    assertThat(experiments.results(id).arms().stream().mapToLong(ExperimentResults.ArmUnits::units).sum())
        .isEqualTo(mine);
  }

  @Test
  void theListFiltersByModelStateAndText() throws Exception {
    ObjectNode body = design("fraud", layer());
    String marker = "needle-" + UUID.randomUUID();
    body.put("hypothesis", "finds the " + marker);
    String id = experiments.start(experiments.create(body).id()).id();
    assertThat(experiments.list("fraud", "running", marker)).extracting(Experiment::id).containsExactly(id);
    assertThat(experiments.list("churn", null, marker)).isEmpty();
    assertThat(experiments.list(null, "stopped", marker)).isEmpty();
    assertThat(failure(() -> experiments.list(null, "sleeping", null)).status()).isEqualTo(400);
  }

  @Test
  void theListIsPagedByTheServerNewestFirstWithItsFilters() throws Exception {
    String marker = "paged-" + UUID.randomUUID();
    List<String> ids = new java.util.ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ObjectNode body = design("fraud", layer());
      body.put("hypothesis", "finds the " + marker);
      ids.add(experiments.create(body).id());
      Thread.sleep(2); // distinct creation times: the listing's order is by creation
    }
    java.util.Collections.reverse(ids);
    var size = new dev.pier.kernel.paging.PageSize(2);
    var first = experiments.list(null, null, marker, null, size);
    assertThat(first.items()).extracting(Experiment::id).containsExactly(ids.get(0), ids.get(1));
    assertThat(first.nextPageToken()).isNotNull();
    var second = experiments.list(null, null, marker, first.nextPageToken(), size);
    assertThat(second.items()).extracting(Experiment::id).containsExactly(ids.get(2));
    assertThat(second.nextPageToken()).isNull();
    assertThat(experiments.list("churn", null, marker, null, size).items()).isEmpty();
    assertThat(failure(() -> experiments.list(null, null, marker, "bm90LWEta2V5", size)).status()).isEqualTo(400);
  }

  /** An experiment on {@code model} with automatic promotion, 1,000 units per arm exposed, conversions 10% / 20%. */
  private static String runWithData(String model, int controlUnits, double treatmentErrors) throws Exception {
    ObjectNode body = design(model, layer());
    String suffix = UUID.randomUUID().toString().substring(0, 6);
    ((ObjectNode) body.get("metrics").get("primary")).put("name", "conv-" + suffix);
    ((ObjectNode) body.get("metrics").get("guardrails").get(0)).put("name", "errors-" + suffix);
    ((ObjectNode) body.get("metrics").get("secondary").get(0)).put("name", "revenue-" + suffix);
    body.putObject("auto").put("promote", true).put("min_days", 0).put("min_units_per_arm", 500);
    String id = experiments.start(experiments.create(body).id()).id();
    for (int from = 0; from < controlUnits; from += 1_000) {
      experiments.exposures(id, exposures(from, Math.min(controlUnits, from + 1_000), "control"));
    }
    experiments.exposures(id, exposures(10_000, 11_000, "treatment"));
    experiments.events(conversions("conv-" + suffix, 0, controlUnits / 10));
    experiments.events(conversions("conv-" + suffix, 10_000, 10_200));
    experiments.events(conversions("errors-" + suffix, 0, controlUnits / 50));
    experiments.events(conversions("errors-" + suffix, 10_000, 10_000 + (int) (1_000 * treatmentErrors)));
    return id;
  }

  @Test
  void aBreachedGuardrailStopsTheExperimentAndReturnsTheAliasToControl() throws Exception {
    registry.setAlias("guarded", "production", 2); // treatment already took the alias (a canary gone too far)
    String id = runWithData("guarded", 1_000, 0.10); // errors: 2% control, 10% treatment
    Decision d = experiments.analyze(id);
    assertThat(d.action()).isEqualTo(Decision.Action.STOP_GUARDRAIL);
    assertThat(d.applied()).isTrue();
    assertThat(d.reason()).contains("guardrail 'errors-", "breached by arm 'treatment'");
    assertThat(experiments.get(id).state()).isEqualTo(ExperimentState.STOPPED);
    assertThat(experiments.get(id).stoppedBy()).isEqualTo("experiment:" + id); // its own analysis
    assertThat(registry.alias("guarded", "production").version()).isEqualTo(1);
    assertThat(experiments.decisions(id)).containsExactly(d);
  }

  @Test
  void eachRecordedAnalysisIsHandedToTheListenersWithItsBreachedGuardrailsOnceEvenWhenRetried() throws Exception {
    String id = runWithData("listened", 1_000, 0.10); // errors: 2% control, 10% treatment
    java.util.List<Experiments.Analysed> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    experiments.onAnalysis(a -> {
      if (a.experiment().equals(id)) {
        seen.add(a);
      }
    });
    java.time.Instant at = java.time.Instant.parse("2026-12-07T09:00:00Z");
    Decision d = experiments.analyze(id, at);
    Decision retried = experiments.analyze(id, at);

    assertThat(retried).isEqualTo(d);
    assertThat(seen).hasSize(1);
    assertThat(seen.get(0).decision()).isEqualTo(d);
    assertThat(seen.get(0).decision().action()).isEqualTo(Decision.Action.STOP_GUARDRAIL);
    assertThat(seen.get(0).breachedGuardrails()).isEqualTo(1);
  }

  @Test
  void aWinnerIsPromotedByMovingTheAliasThroughTheRegistry() throws Exception {
    String id = runWithData("promoted", 1_000, 0.02);
    Decision d = experiments.analyze(id);
    assertThat(d.action()).isEqualTo(Decision.Action.PROMOTE);
    assertThat(d.version()).isEqualTo(2);
    assertThat(registry.alias("promoted", "production").version()).isEqualTo(2);
    assertThat(experiments.get(id).state()).isEqualTo(ExperimentState.STOPPED);
    assertThat(registry.audit("promoted", null, 100).items())
        .anySatisfy(a -> assertThat(a.actor() + " " + a.action() + " " + a.to()).contains("experiment:" + id, "alias"));
  }

  @Test
  void aSampleRatioMismatchHoldsEveryAutomaticDecision() throws Exception {
    String id = runWithData("skewed", 1_300, 0.10); // 1,300 vs 1,000 units on a 50/50 split, and a breach
    Decision d = experiments.analyze(id);
    assertThat(d.action()).isEqualTo(Decision.Action.HOLD);
    assertThat(d.reason()).contains("sample ratio mismatch");
    assertThat(experiments.get(id).state()).isEqualTo(ExperimentState.RUNNING);
    assertThat(registry.alias("skewed", "production").version()).isEqualTo(1);
  }

  @Test
  void everyAnalysisIsRecordedContinueIncludedAndARetriedAnalysisIsRecordedOnce() throws Exception {
    String id = experiments.start(experiments.create(design("ranker", layer())).id()).id();
    Instant first = Instant.parse("2026-12-07T03:00:00Z");
    Decision d1 = experiments.analyze(id, first);
    assertThat(d1.action()).isEqualTo(Decision.Action.CONTINUE);
    assertThat(d1.at()).isEqualTo(first.toString());
    assertThat(experiments.analyze(id, first)).isEqualTo(d1); // the same analysis retried: recorded once
    Decision d2 = experiments.analyze(id, first.plusSeconds(300));
    assertThat(experiments.decisions(id)).containsExactly(d1, d2);
    assertThat(store.decision(id, first)).contains("\"CONTINUE\"");
    assertThat(JSON.readTree(store.decisions(id).get(0)[1]).get("arms")).isNotNull(); // with its evidence
  }

  @Test
  void batchIdMarkersExpireByTtlAndTheBatchesTheyGuardStay() throws Exception {
    String id = "markers-" + UUID.randomUUID();
    Instant old = Instant.now().minus(java.time.Duration.ofDays(8)); // past the default 7 days' retention
    Instant now = Instant.now();
    assertThat(store.appendOnce(id, 'X', "b-old", "[]", old)).isTrue();
    assertThat(store.appendOnce(id, 'X', "b-new", "[]", now)).isTrue();
    assertThat(store.appendOnce(id, 'X', "b-new", "[]", now)).as("a retry within the retention").isFalse();
    var ttl = clients.dynamoDb().describeTimeToLive(b -> b.tableName("experiments")).timeToLiveDescription();
    assertThat(ttl.attributeName()).isEqualTo("expiresAt");
    assertThat(ttl.timeToLiveStatusAsString()).isEqualTo("ENABLED");
    assertThat(marker(id, "b-new").get("expiresAt").n())
        .isEqualTo(Long.toString(now.plus(ExperimentStore.DEFAULT_MARKER_RETENTION).getEpochSecond()));
    // the stand-in's TTL sweep (every 500 ms) deletes the expired marker; the live one and both batches stay
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (!marker(id, "b-old").isEmpty()) {
      assertThat(System.nanoTime()).as("the expired marker was swept").isLessThan(deadline);
      Thread.sleep(100);
    }
    assertThat(marker(id, "b-new")).isNotEmpty();
    assertThat(store.batchesAfter(id, null)).hasSize(2);
    assertThatThrownBy(() -> new ExperimentStore(clients.dynamoDb(), "experiments", java.time.Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("retention must be positive");
  }

  private static Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> marker(String id,
      String batch) {
    return clients.dynamoDb().getItem(b -> b.tableName("experiments").consistentRead(true).key(Map.of(
        "pk", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS("EXP#" + id + "#BATCH"),
        "sk", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS(batch)))).item();
  }

  @Test
  void decisionsArePagedOldestFirstAndABadTokenIsA400() throws Exception {
    String id = experiments.start(experiments.create(design("ranker", layer())).id()).id();
    Instant first = Instant.parse("2026-12-07T04:00:00Z");
    java.util.List<Decision> made = new java.util.ArrayList<>();
    for (int i = 0; i < 5; i++) {
      made.add(experiments.analyze(id, first.plusSeconds(300L * i)));
    }
    var size = new dev.pier.kernel.paging.PageSize(2);
    var p1 = experiments.decisions(id, null, size);
    var p2 = experiments.decisions(id, p1.nextPageToken(), size);
    var p3 = experiments.decisions(id, p2.nextPageToken(), size);
    assertThat(p1.items()).containsExactly(made.get(0), made.get(1));
    assertThat(p2.items()).containsExactly(made.get(2), made.get(3));
    assertThat(p3.items()).containsExactly(made.get(4));
    assertThat(p3.nextPageToken()).as("the last page").isNull();
    // a page that ends exactly at the last decision says so: no empty page after it
    assertThat(experiments.decisions(id, p1.nextPageToken(), new dev.pier.kernel.paging.PageSize(3))
        .nextPageToken()).isNull();
    assertThat(experiments.decisions(id, null, new dev.pier.kernel.paging.PageSize(100)).items()).isEqualTo(made);
    // a later analysis appears on the page after the token, none repeats
    Decision later = experiments.analyze(id, first.plusSeconds(3000));
    assertThat(experiments.decisions(id, p2.nextPageToken(), size).items()).containsExactly(made.get(4), later);
    String other = java.util.Base64.getUrlEncoder().encodeToString("DEF".getBytes());
    for (String bad : new String[] {"%%%", other}) {
      PierException e = failure(() -> experiments.decisions(id, bad, size));
      assertThat(e.status()).isEqualTo(400);
      assertThat(e.getMessage()).contains("page_token");
    }
  }

  @Test
  void aRetriedPromotionAnswersTheRecordedDecisionAndAppliesNothingAgain() throws Exception {
    String id = runWithData("retried", 1_000, 0.02);
    Instant at = Instant.now();
    Decision d = experiments.analyze(id, at);
    assertThat(d.action()).isEqualTo(Decision.Action.PROMOTE);
    assertThat(experiments.get(id).state()).isEqualTo(ExperimentState.STOPPED);
    // the workflow's step is retried after it applied the decision: same answer, no second record
    assertThat(experiments.analyze(id, at)).isEqualTo(d);
    assertThat(experiments.decisions(id)).containsExactly(d);
    assertThat(experiments.analyze(id, at.plusSeconds(300))).isNull(); // a later analysis of a stopped experiment
  }

  @Test
  void holdoutsAreValidatedKeepTheirSeedAndChangeConditionally() throws Exception {
    JsonNode tooLarge = JSON.readTree("{\"share\": 0.7}"), empty = JSON.readTree("{}");
    JsonNode tenth = JSON.readTree("{\"share\": 0.1}"), stale = JSON.readTree("{\"share\": 0.3, \"revision\": 1}");
    assertThat(failure(() -> experiments.setHoldout("fraud", tooLarge)).getMessage())
        .contains("share: required, a number in (0, 0.5], got 0.7");
    assertThat(failure(() -> experiments.setHoldout("fraud", empty)).status()).isEqualTo(400);
    assertThat(failure(() -> experiments.setHoldout("no-such-model", tenth)).status()).isEqualTo(404);
    Holdout first = experiments.setHoldout("fraud", tenth);
    Holdout second = experiments.setHoldout("fraud", JSON.readTree("{\"share\": 0.2, \"revision\": 1}"));
    assertThat(second.seed()).isEqualTo(first.seed());
    assertThat(second.revision()).isEqualTo(2);
    assertThat(failure(() -> experiments.setHoldout("fraud", stale)).status()).isEqualTo(409);
    assertThat(experiments.holdouts()).anySatisfy(h -> assertThat(h).isEqualTo(second));
    experiments.removeHoldout("fraud");
    assertThat(experiments.holdouts()).noneMatch(h -> "fraud".equals(h.model()));
    assertThat(failure(() -> experiments.removeHoldout("fraud")).status()).isEqualTo(404);
  }

  @Test
  void aModelsHoldoutKeepsUnitsOutOfItsExperimentAndTheResultsReportThem() throws Exception {
    String id = experiments.start(experiments.create(design("holdouts", layer())).id()).id();
    Holdout h = experiments.setHoldout("holdouts", JSON.readTree("{\"share\": 0.2}"));
    var buffer = new dev.pier.experiments.assignment.ExposureBuffer(10_000);
    var assigner = experiments.assigner(buffer);
    assigner.refresh();
    int held = 0;
    for (int i = 0; i < 2_000; i++) {
      var a = assigner.assign("holdouts", "production", "user-" + i, 1_000);
      assertThat(a.heldOut()).isEqualTo(
          dev.pier.experiments.assignment.UnitHash.position(h.seed(), "user-" + i) < 0.2);
      if (a.heldOut()) held++;
    }
    assertThat(buffer.drain(experiments::writeExposures, 1_000)).isNull();
    ExperimentResults r = experiments.results(id);
    assertThat(r.holdout().units()).isEqualTo(held);
    assertThat(r.arms().stream().mapToLong(ExperimentResults.ArmUnits::units).sum()).isEqualTo(2_000 - held);
    experiments.removeHoldout("holdouts");
  }

  @Test
  void theAnalysisStateMachineAnalysesEveryRunningExperimentOnTheLocalAslRunner() throws Exception {
    registry.setAlias("workflow", "production", 2);
    String breached = runWithData("workflow", 1_000, 0.10);
    String quiet = experiments.start(experiments.create(design("quiet", layer())).id()).id();
    var workflow = new dev.pier.experiments.analysis.LocalAnalysisWorkflow(
        new dev.pier.experiments.analysis.AnalysisWorker(experiments), Clock.systemUTC());

    var result = workflow.runOnce();
    assertThat(result.status()).isEqualTo(dev.pier.statemachines.LocalStateMachineRunner.ExecutionResult.Status.SUCCEEDED);
    Map<String, JsonNode> byExperiment = new java.util.HashMap<>();
    for (JsonNode a : result.output().get("analyses")) byExperiment.put(a.get("experiment").asText(), a);
    assertThat(byExperiment.get(breached).get("decision").get("action").asText()).isEqualTo("STOP_GUARDRAIL");
    assertThat(byExperiment.get(quiet).get("decision").get("action").asText()).isEqualTo("CONTINUE");
    assertThat(experiments.get(breached).state()).isEqualTo(ExperimentState.STOPPED);
    assertThat(registry.alias("workflow", "production").version()).isEqualTo(1);
    assertThat(experiments.decisions(breached)).hasSize(1);
    assertThat(experiments.decisions(quiet)).extracting(Decision::action).containsExactly(Decision.Action.CONTINUE);

    // the next scheduled run: the stopped experiment is no longer analysed, the running one gets a second record
    var next = workflow.runOnce();
    assertThat(next.output().get("analyses").findValuesAsText("experiment")).doesNotContain(breached).contains(quiet);
    assertThat(experiments.decisions(quiet)).hasSize(2);
    experiments.stop(quiet);
  }

  @Test
  void theAnalysisWorkerRefusesAMalformedPayloadByName() throws Exception {
    var worker = new dev.pier.experiments.analysis.AnalysisWorker(experiments);
    assertThatThrownBy(() -> worker.invoke(JSON.readTree("{\"action\": \"analyze\", \"experiment\": \"x\", \"at\": \"soon\"}")))
        .isInstanceOf(dev.pier.statemachines.StatesError.class).hasMessageContaining("at is not an ISO-8601 instant");
    assertThatThrownBy(() -> worker.invoke(JSON.readTree("{\"action\": \"dance\"}")))
        .hasMessageContaining("unknown action 'dance'");
  }

  private static JsonNode exposures(int from, int to, String arm) {
    ObjectNode body = JSON.createObjectNode();
    ArrayNode items = body.putArray("items");
    for (int i = from; i < to; i++) {
      items.addObject().put("unit", "u" + i).put("arm", arm).put("timestamp", "2026-12-06T10:00:00Z");
    }
    return body;
  }

  private static JsonNode conversions(String metric, int from, int to) {
    ObjectNode body = JSON.createObjectNode();
    ArrayNode items = body.putArray("items");
    for (int i = from; i < to; i++) {
      items.addObject().put("unit", "u" + i).put("metric", metric).put("value", 1)
          .put("timestamp", Instant.parse("2026-12-06T11:00:00Z").toEpochMilli());
    }
    return body;
  }
}
