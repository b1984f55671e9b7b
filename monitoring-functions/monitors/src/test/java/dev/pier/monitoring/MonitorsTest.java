package dev.pier.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.kernel.PierException;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.security.privacy.PiiFields;
import dev.pier.monitoring.capture.CaptureStore;
import dev.pier.monitoring.capture.CapturedPrediction;
import dev.pier.monitoring.slices.ErrorSlices;
import dev.pier.monitoring.profile.ProfileStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Monitors end to end below HTTP: the registry, captures and runs in the DynamoDB stand-in and s3proxy. */
class MonitorsTest {
  private static final Instant NOW = Instant.parse("2026-12-06T21:30:00Z");
  private static final String BUCKET = "pier-data";

  @TempDir static Path dataDir;
  private static MonitoringStandIns standIns;
  private static AwsClients clients;
  private static CaptureStore captures;
  private static ProfileStore profiles;
  private static Monitors monitors;
  private static Monitors sketchMonitors;
  private static FeedbackStore feedback;

  @BeforeAll
  static void start() throws Exception {
    standIns = MonitoringStandIns.start(dataDir, BUCKET);
    clients = standIns.clients;
    standIns.register("churn", 1);
    standIns.register("churn", 1);
    captures = standIns.captures;
    profiles = standIns.profiles;
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    feedback = standIns.feedback(clock);
    ModelVersions versions = ModelVersions.of(standIns.registry);
    monitors = new Monitors(standIns.store, versions, captures, profiles, feedback, clock);
    sketchMonitors = new Monitors(standIns.store, versions, captures, profiles, feedback, clock, 100);
  }

  @AfterAll
  static void stop() {
    standIns.close();
  }

  private static MonitorRequest request(String json) throws Exception {
    return MonitorRequest.parse(new ObjectMapper().readTree(json.replace('\'', '"')));
  }

  private static String referenceJson(int n) {
    Random random = new Random(1);
    StringBuilder rows = new StringBuilder();
    String[] plans = {"basic", "plus", "pro"};
    for (int i = 0; i < n; i++) {
      double x = random.nextGaussian();
      rows.append(i == 0 ? "" : ",").append(String.format(
          "{'x[0]': %.6f, 'plan': '%s', 'region': '%s', 'probability[1]': %.4f}", x, plans[i % 3],
          i % 2 == 0 ? "north" : "south", 1 / (1 + Math.exp(-x))));
    }
    return "[" + rows + "]";
  }

  @Test
  void aRunComparesTheWindowsCapturesWithTheReferenceAndIsStored() throws Exception {
    MonitorDefinition monitor = monitors.create(request("{'model': 'churn', 'version': '1', 'window': '1h',"
        + " 'task': 'binary_classification', 'prediction': 'probability', 'protected': ['region'],"
        + " 'reference': {'rows': " + referenceJson(300) + "}}"));
    assertThat(monitor.version()).isEqualTo(1);

    Random random = new Random(2);
    String[] plans = {"basic", "plus", "pro"};
    List<CapturedPrediction> rows = new ArrayList<>();
    List<FeedbackStore.Feedback> labels = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      double x = random.nextGaussian() + 1.0; // the input drifted by one standard deviation
      double p = 1 / (1 + Math.exp(-x));
      String id = "req-" + i;
      Map<String, Object> inputs = new LinkedHashMap<>();
      inputs.put("x[0]", x);
      inputs.put("plan", plans[i % 3]);
      inputs.put("region", i % 2 == 0 ? "north" : "south");
      rows.add(new CapturedPrediction("churn", 1, id, 0, NOW.minusSeconds(3000 - i), "oip-rest", inputs,
          Map.of("probability[0]", 1 - p, "probability[1]", p), PiiFields.NONE, 1.0 + i % 50));
      if (i % 10 != 0) { // a tenth of the labels has not arrived yet
        labels.add(new FeedbackStore.Feedback(id, 0, random.nextDouble() < p ? 1 : 0));
      }
    }
    rows.add(new CapturedPrediction("churn", 1, "too-old", 0, NOW.minusSeconds(3601), "oip-rest",
        Map.of("x[0]", 99.0, "plan", "basic", "region", "north"), Map.of("probability[1]", 1.0), PiiFields.NONE));
    profiles.capturing(captures).accept(rows);
    feedback.record(labels);
    feedback.record(labels.subList(0, 30)); // sent twice: idempotent

    standIns.registry.versions().update("churn", 1, null, v -> v.edited(new dev.pier.registry.ModelVersion.Metadata(
        null, Map.of(), Map.of("importance.x[0]", 0.7, "importance.plan", 0.3, "auc", 0.8)), Instant.now()),
        "trainer", null);

    MonitorRun run = monitors.runNow(monitor.id());

    assertThat(run.rows()).isEqualTo(300);
    assertThat(run.latency().requests()).isEqualTo(300);
    assertThat(run.latency().timed()).isEqualTo(300);
    assertThat(run.latency().maxMs()).isEqualTo(50.0);
    assertThat(run.featureImportance().weightedDriftShare()).as("x[0] drifted, plan did not")
        .isCloseTo(0.7, org.assertj.core.api.Assertions.within(1e-12));
    assertThat(run.featureImportance().driftedByImportance()).containsExactly("x[0]");
    assertThat(run.featureImportance().unweighted()).containsExactly("region");
    assertThat(run.mode()).isEqualTo("exact");
    assertThat(run.dataDrift().columns()).containsOnlyKeys("x[0]", "plan", "region");
    assertThat(run.dataDrift().columns().get("x[0]").method().wireName()).isEqualTo("ks");
    assertThat(run.dataDrift().columns().get("x[0]").drifted()).isTrue();
    assertThat(run.dataDrift().columns().get("plan").method().wireName()).isEqualTo("chisquare");
    assertThat(run.dataDrift().columns().get("plan").drifted()).isFalse();
    assertThat(run.dataDrift().columns().get("region").method().wireName()).isEqualTo("z");
    assertThat(run.dataDrift().shareDrifted()).isEqualTo(1.0 / 3);
    assertThat(run.dataDrift().datasetDrift()).isFalse();
    assertThat(run.predictionDrift().columns()).containsOnlyKeys("probability[1]");
    assertThat(run.predictionDrift().columns().get("probability[1]").drifted()).isTrue();
    assertThat(run.dataQuality().get("x[0]").outOfRange()).isPositive();
    assertThat(run.dataQuality().get("plan").nulls()).isZero();
    assertThat(run.performance().labelled()).isEqualTo(270);
    assertThat(run.feedback().matched()).isEqualTo(270);
    assertThat(run.performance().unlabelled()).isEqualTo(30);
    assertThat(run.performance().binary().rocAuc()).isBetween(0.55, 0.95);
    assertThat(run.performance().bias()).containsOnlyKeys("region");
    assertThat(run.performance().estimated().rows()).as("CBPE over every captured row").isEqualTo(300);
    assertThat(run.performance().estimated().accuracy()).isBetween(0.5, 1.0);
    assertThat(run.slices()).isNotEmpty().allSatisfy(slice -> {
      assertThat(slice.metric()).isEqualTo("error_rate");
      assertThat(slice.rows()).isGreaterThanOrEqualTo(10);
      assertThat(slice.low()).isLessThanOrEqualTo(slice.value());
    });

    List<JsonNode> runs = monitors.runs(monitor.id());
    assertThat(runs).hasSize(1);
    assertThat(runs.getFirst().get("run_id").asText()).isEqualTo(run.runId());
    JsonNode stored = monitors.run(monitor.id(), run.runId());
    assertThat(stored.toString()).isEqualTo(Monitors.json(run).toString());
    JsonNode ks = stored.get("data_drift").get("columns").get("x[0]");
    assertThat(ks.get("method").asText()).isEqualTo("ks");
    assertThat(ks.get("p_value").asDouble()).isLessThan(0.05);
    assertThat(ks.get("threshold").asDouble()).isEqualTo(0.05);
    assertThat(stored.get("performance").get("binary").has("roc_auc")).isTrue();
    assertThat(stored.get("slices").get(0).get("metric").asText()).isEqualTo("error_rate");
    assertThat(stored.get("performance").has("slices")).isFalse();
  }

  @Test
  void aWindowOverTheExactLimitRunsFromTheMergedHourlyProfiles() throws Exception {
    MonitorDefinition monitor = sketchMonitors.create(request("{'model': 'churn', 'version': 2, 'window': '2h',"
        + " 'task': 'binary_classification', 'prediction': 'probability', 'reference': {'rows': "
        + referenceJson(300) + "}}"));
    Random random = new Random(3);
    List<FeedbackStore.Feedback> labels = new ArrayList<>();
    for (int batch = 0; batch < 2; batch++) { // two flushes, in two different hours
      List<CapturedPrediction> rows = new ArrayList<>();
      for (int i = 0; i < 150; i++) {
        double x = random.nextGaussian() * 2;
        double p = 1 / (1 + Math.exp(-x));
        rows.add(new CapturedPrediction("churn", 2, "s-" + batch + "-" + i, 0,
            NOW.minusSeconds(batch == 0 ? 5400 : 600), "grpc", Map.of("x[0]", x, "plan", "basic", "region", "north"),
            Map.of("probability[1]", p), PiiFields.NONE));
        // right wherever x ≥ -1, wrong below: the worst slice is the low end of x[0]
        labels.add(new FeedbackStore.Feedback("s-" + batch + "-" + i, 0, x < -1 ? 1 : p >= 0.5 ? 1 : 0));
      }
      profiles.capturing(captures).accept(rows);
    }
    feedback.record(labels);

    MonitorRun run = sketchMonitors.runNow(monitor.id());

    assertThat(run.mode()).isEqualTo("sketch");
    assertThat(run.rows()).isEqualTo(300);
    assertThat(run.dataDrift().columns().get("x[0]").method().wireName()).isEqualTo("ks");
    assertThat(run.dataDrift().columns().get("x[0]").drifted()).as("twice the spread").isTrue();
    assertThat(run.dataDrift().columns().get("plan").drifted()).as("one plan only").isTrue();
    assertThat(run.predictionDrift().columns()).containsOnlyKeys("probability[1]");
    assertThat(run.dataQuality().get("x[0]").outOfRange()).isPositive();
    assertThat(run.dataQuality().get("plan").typeMismatches()).isZero();
    // performance, CBPE and slices from a sample: the exact limit (100) of the window's 300 rows, evenly spaced
    assertThat(run.notes()).anySatisfy(n -> assertThat(n).startsWith("performance, its estimate and slices are from a"
        + " sample of the window: 100 of its 300 rows, from 2 of its 2 capture objects (evenly spaced), 100 of them"
        + " labelled; labels of the window's other rows are not joined by a sketch run and stay counted in"
        + " feedback.unmatched"));
    assertThat(run.performance().labelled()).isEqualTo(100);
    assertThat(run.performance().estimated().rows()).isEqualTo(100);
    assertThat(run.feedback().matched()).isEqualTo(100);
    assertThat(run.feedback().unmatched()).as("the 200 labels of rows outside the sample are still pending")
        .isGreaterThanOrEqualTo(200);
    assertThat(run.performance().binary().accuracy()).isLessThan(1.0).isGreaterThan(0.5);
    assertThat(run.slices()).isNotEmpty();
    ErrorSlices.Slice worst = run.slices().getFirst();
    assertThat(worst.column()).isEqualTo("x[0]");
    assertThat(worst.metric()).isEqualTo("error_rate");
    assertThat(worst.value()).as("the low end of x[0] is where the model is wrong").isGreaterThan(0.5);
    // latency per window from the profiles: 300 one-row requests counted, none with a recorded latency
    assertThat(run.latency().requests()).isEqualTo(300);
    assertThat(run.latency().timed()).isZero();
    assertThat(run.latency().p95Ms()).isNull();
    assertThat(monitors.run(monitor.id(), run.runId()).get("mode").asText()).isEqualTo("sketch");
  }

  @Test
  void aSketchRunTakesItsShapImportanceFromAFewEvenlySpacedCaptureObjectsOfItsWindow() throws Exception {
    List<List<Map<String, Object>>> explained = new ArrayList<>();
    // a model whose SHAP value for x[0] is x itself: the importance is the mean |x| of the rows explained
    ShapImportance shap = (model, version, rows) -> {
      explained.add(rows);
      return Map.of("x[0]", rows.stream().mapToDouble(r -> Math.abs(((Number) r.get("x[0]")).doubleValue()))
          .average().orElseThrow());
    };
    Monitors sketch = new Monitors(standIns.store, ModelVersions.of(standIns.registry), captures, profiles, feedback,
        Clock.fixed(NOW, ZoneOffset.UTC), 100).shapImportance(shap);
    standIns.register("shapsketch", 1);
    MonitorDefinition monitor = sketch.create(request("{'model': 'shapsketch', 'version': 1, 'window': '2h',"
        + " 'reference': {'rows': " + referenceJson(300) + "}}"));
    Random random = new Random(5);
    List<List<Double>> objects = new ArrayList<>(); // x of each in-window object's rows, in time order
    for (int batch = -1; batch <= 10; batch++) {
      // batch -1: before the window's first hour; batch 10: at its end (never read); 0..9: ten objects in the window
      Instant at = batch < 0 ? NOW.minusSeconds(3 * 3600) : batch == 10 ? NOW : NOW.minusSeconds(3000 - batch * 60L);
      List<CapturedPrediction> rows = new ArrayList<>();
      List<Double> xs = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        double x = batch < 0 || batch == 10 ? 1000 + i : random.nextGaussian() * 2;
        xs.add(x);
        rows.add(new CapturedPrediction("shapsketch", 1, "k-" + batch + "-" + i, 0, at.plusMillis(i), "oip",
            Map.of("x[0]", x, "plan", "basic", "region", "north"), Map.of("probability[1]", 0.5), PiiFields.NONE));
      }
      profiles.capturing(captures).accept(rows);
      if (batch >= 0 && batch < 10) {
        objects.add(xs);
      }
    }

    MonitorRun run = sketch.runNow(monitor.id());

    assertThat(run.mode()).isEqualTo("sketch");
    assertThat(explained).as("the window's sample, then the reference's").hasSize(2);
    // 8 of the 10 objects, evenly spaced (0, 1, 2, 3, 5, 6, 7, 8), 240 rows; of them 200 evenly spaced
    List<Double> read = new ArrayList<>();
    for (int o : new int[] {0, 1, 2, 3, 5, 6, 7, 8}) {
      read.addAll(objects.get(o));
    }
    List<Double> expected = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      expected.add(read.get((int) (i * 240 / 200.0)));
    }
    assertThat(explained.get(0)).extracting(r -> ((Number) r.get("x[0]")).doubleValue())
        .containsExactlyElementsOf(expected);
    assertThat(run.featureImportance().source()).isEqualTo("mean |SHAP| over 200 captured rows sampled from 8 of the"
        + " window's 10 capture objects; on the reference over 200 of its rows");
    double current = expected.stream().mapToDouble(Math::abs).average().orElseThrow();
    assertThat(run.featureImportance().columns().get("x[0]").importance())
        .isCloseTo(current, org.assertj.core.data.Offset.offset(1e-12));
    // the reference's 300 rows (x as referenceJson writes them), 200 evenly spaced: its importance and the change
    Random refRandom = new Random(1);
    List<Double> referenceXs = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      referenceXs.add(Double.parseDouble(String.format("%.6f", refRandom.nextGaussian())));
    }
    double before = 0;
    for (int i = 0; i < 200; i++) {
      before += Math.abs(referenceXs.get((int) (i * 300 / 200.0))) / 200;
    }
    assertThat(run.featureImportance().columns().get("x[0]").referenceImportance())
        .isCloseTo(before, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(run.featureImportance().columns().get("x[0]").change())
        .isCloseTo(current - before, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(sketch.runNow(monitor.id()).featureImportance().columns().get("x[0]").referenceImportance())
        .isEqualTo(run.featureImportance().columns().get("x[0]").referenceImportance());
    assertThat(explained).as("the reference's importance is computed once per monitor").hasSize(3);
    assertThat(monitors.run(monitor.id(), run.runId()).at("/feature_importance/source").asText())
        .startsWith("mean |SHAP| over 200 captured rows sampled");
  }

  @Test
  void feedbackBeforeOrAfterItsCaptureIsJoinedByTheRunToItsOwnRowAndWhatNoRunJoinedIsUnmatched() throws Exception {
    String table = "feedback-order";
    MonitorStore.createTableIfMissing(clients.dynamoDb(), table);
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    // NOW is fixed in the past: a window long enough that the stand-in's TTL sweep never deletes these entries
    java.time.Duration window = java.time.Duration.ofDays(36_500);
    FeedbackStore labels = new FeedbackStore(clients.dynamoDb(), table, clock, window);
    int version = standIns.register("ordered", 1);
    captures.write(List.of(captured("ordered", version, "early-0", 0, 0.9)));

    // labels for a captured request, for one not captured yet (two rows) and for one never captured
    FeedbackStore.Recorded recorded = labels.record(List.of(new FeedbackStore.Feedback("early-0", 0, 1.0),
        new FeedbackStore.Feedback("early-1", 0, 0.0), new FeedbackStore.Feedback("early-1", 1, 1.0),
        new FeedbackStore.Feedback("never-captured", 0, 1.0)));
    assertThat(recorded).isEqualTo(new FeedbackStore.Recorded(4));
    assertThat(labels.unmatched()).as("no run has joined any yet").isEqualTo(4);

    captures.write(List.of(captured("ordered", version, "early-1", 0, 0.2),
        captured("ordered", version, "early-1", 1, 0.7)));
    Monitors ordered = new Monitors(standIns.store, ModelVersions.of(standIns.registry), captures, profiles, labels,
        clock);
    MonitorDefinition monitor = ordered.create(request("{'model': 'ordered', 'version': " + version + ","
        + " 'task': 'binary_classification', 'prediction': 'probability', 'reference': {'rows': "
        + referenceJson(50) + "}}"));
    MonitorRun run = ordered.runNow(monitor.id());
    assertThat(run.rows()).isEqualTo(3);
    assertThat(run.feedback()).isEqualTo(new MonitorRun.FeedbackCounts(3, 1));
    assertThat(Monitors.json(run).get("feedback").toString()).isEqualTo("{\"matched\":3,\"unmatched\":1}");
    // each label on its own row: (0.9, 1), (0.2, 0), (0.7, 1); early-1's rows swapped would give accuracy 1/3
    var binary = run.performance().binary();
    assertThat(binary.count()).isEqualTo(3);
    assertThat(binary.accuracy()).isEqualTo(1.0);
    assertThat(binary.logLoss()).isCloseTo(-(Math.log(0.9) + Math.log(0.8) + Math.log(0.7)) / 3,
        org.assertj.core.data.Offset.offset(1e-12));
    assertThat(labels.unmatched()).as("only the never-captured label is still waiting").isEqualTo(1);

    // a label that arrives after the run over its capture's window waits for the next run over that window
    labels.record(List.of(new FeedbackStore.Feedback("early-0", 0, 0.0))); // a correction, after the run
    assertThat(labels.unmatched()).isEqualTo(2);
    MonitorRun again = ordered.runNow(monitor.id());
    assertThat(again.feedback()).isEqualTo(new MonitorRun.FeedbackCounts(3, 1));
    assertThat(again.performance().binary().accuracy()).as("the corrected label joined to early-0's row")
        .isCloseTo(2 / 3.0, org.assertj.core.data.Offset.offset(1e-12));
  }

  @Test
  void labelsNoRunJoinedLeaveTheUnmatchedCountAfterTheFeedbackWindow() throws Exception {
    String table = "feedback-window";
    MonitorStore.createTableIfMissing(clients.dynamoDb(), table);
    var ttl = clients.dynamoDb().describeTimeToLive(b -> b.tableName(table)).timeToLiveDescription();
    assertThat(ttl.attributeName()).isEqualTo("expiresAt");
    assertThat(ttl.timeToLiveStatusAsString()).isEqualTo("ENABLED");
    // the clock two hours ahead: entries it sees expired are still in the future for the stand-in's own TTL sweep
    java.time.Duration window = java.time.Duration.ofHours(1);
    Instant now = Instant.now().plus(java.time.Duration.ofHours(2)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    FeedbackStore labels = new FeedbackStore(clients.dynamoDb(), table, Clock.fixed(now, ZoneOffset.UTC), window);
    labels.record(List.of(new FeedbackStore.Feedback("waiting", 0, 1.0), new FeedbackStore.Feedback("waiting", 1,
        0.0)));
    var item = clients.dynamoDb().getItem(b -> b.tableName(table).key(Map.of(
        "pk", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS("unmatched#waiting"),
        "sk", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS("row#1")))).item();
    assertThat(item.get("expiresAt").n()).as("arrival + window, epoch seconds")
        .isEqualTo(Long.toString(now.plus(window).getEpochSecond()));
    assertThat(labels.unmatched()).isEqualTo(2);
    labels.joined(List.of(new FeedbackStore.LabelKey("waiting", 1), new FeedbackStore.LabelKey("elsewhere", 0)));
    assertThat(labels.unmatched()).as("joined: off the list; an unknown key is harmless").isEqualTo(1);
    FeedbackStore later = new FeedbackStore(clients.dynamoDb(), table,
        Clock.fixed(now.plus(window).plusSeconds(1), ZoneOffset.UTC), window);
    assertThat(later.unmatched()).as("listed longer than the window").isZero();
    assertThat(later.labelsFor(List.of(new CaptureStore.CapturedRow("waiting", 0, now, "grpc", Map.of(), Map.of())))
        .label("waiting", 0)).as("the label itself is kept: runs still join it").contains(1.0);
    assertThatThrownBy(() -> new FeedbackStore(clients.dynamoDb(), table, Clock.systemUTC(),
        java.time.Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("feedback window must be positive");
  }

  private static CapturedPrediction captured(String model, int version, String requestId, int row, double p) {
    return new CapturedPrediction(model, version, requestId, row, NOW.minusSeconds(60), "oip-rest",
        Map.of("x[0]", p), Map.of("probability[0]", 1 - p, "probability[1]", p), PiiFields.NONE);
  }

  @Test
  void feedbackWithALabelOfTheWrongTypeIsRejectedNamingTheItem() throws Exception {
    JsonNode body = new ObjectMapper().readTree("{\"items\": [{\"request_id\": \"a\", \"label\": 1},"
        + " {\"request_id\": \"b\", \"label\": [1]}]}");
    assertThatThrownBy(() -> FeedbackStore.parse(body))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(400))
        .hasMessage("items[1].label must be a number, string or boolean");
  }

  @Test
  void labelsArrivingLaterAreJoinedByRequestIdAndRow() throws Exception {
    feedback.record(FeedbackStore.parse(new ObjectMapper().readTree("{\"items\": [{\"request_id\": \"late-1\","
        + " \"row\": 2, \"label\": \"cat\"}, {\"request_id\": \"late-2\", \"label\": true}]}")));
    LabelSource labels = feedback.labelsFor(List.of(
        new CaptureStore.CapturedRow("late-1", 2, NOW, "grpc", Map.of(), Map.of()),
        new CaptureStore.CapturedRow("late-1", 0, NOW, "grpc", Map.of(), Map.of()),
        new CaptureStore.CapturedRow("late-2", 0, NOW, "grpc", Map.of(), Map.of())));
    assertThat(labels.label("late-1", 2)).contains("cat");
    assertThat(labels.label("late-1", 0)).isEmpty();
    assertThat(labels.label("late-2", 0)).contains(true);
  }

  @Test
  void creatingAMonitorTurnsItsVersionsCaptureOnAndDeletingItLeavesTheRateAsItIs() throws Exception {
    int version = standIns.register("quiet", 1);
    String body = "{'model': 'quiet', 'version': " + version + ", 'reference': {'rows': [{'x[0]': 1.0}]}";
    MonitorDefinition first = monitors.create(request(body + ", 'capture': {'sample_rate': 0.5}}"));
    assertThat(first.capture()).isEqualTo(new MonitorDefinition.Capture(0.5, true));
    assertThat(captureRate("quiet", version)).isEqualTo("0.5");
    assertThat(monitors.get(first.id()).capture()).isEqualTo(first.capture());

    MonitorDefinition second = monitors.create(request(body + "}"));
    assertThat(second.capture()).isEqualTo(new MonitorDefinition.Capture(0.5, false));
    monitors.delete(first.id());
    monitors.delete(second.id());
    assertThat(captureRate("quiet", version)).isEqualTo("0.5");
  }

  @Test
  void aRateTheUserSetIsKeptAndCaptureTheUserTurnedOffIsTurnedOnAgain() throws Exception {
    int version = standIns.register("chosen", 1);
    setCaptureRate("chosen", version, "0.2");
    String body = "{'model': 'chosen', 'version': " + version + ", 'reference': {'rows': [{'x[0]': 1.0}]}}";
    assertThat(monitors.create(request(body)).capture()).isEqualTo(new MonitorDefinition.Capture(0.2, false));
    assertThat(captureRate("chosen", version)).isEqualTo("0.2");

    setCaptureRate("chosen", version, "0.0");
    long revision = standIns.registry.version("chosen", version).revision();
    assertThat(monitors.create(request(body)).capture()).isEqualTo(new MonitorDefinition.Capture(1.0, true));
    assertThat(captureRate("chosen", version)).isEqualTo("1.0");
    assertThat(standIns.registry.version("chosen", version).revision()).isEqualTo(revision + 1);
  }

  private static String captureRate(String model, int version) {
    return standIns.registry.version(model, version).metadata().properties()
        .get(dev.pier.registry.ServingProperties.CAPTURE_SAMPLE_RATE);
  }

  /** As {@code PATCH {"capture": {"sample_rate": r}}} on the version does. */
  private static void setCaptureRate(String model, int version, String rate) {
    standIns.registry.versions().update(model, version, null, v -> {
      Map<String, String> properties = new java.util.HashMap<>(v.metadata().properties());
      properties.put(dev.pier.registry.ServingProperties.CAPTURE_SAMPLE_RATE, rate);
      return v.edited(v.metadata().withProperties(properties), Instant.now());
    }, "user", null);
  }

  @Test
  void aMonitorOnAnUnknownModelOrVersionIsNotFoundNamingIt() {
    assertThatThrownBy(() -> monitors.create(request("{'model': 'nope', 'reference': {'rows': [{'a': 1}]}}")))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(404))
        .hasMessageContaining("nope");
    assertThatThrownBy(() -> monitors.create(request("{'model': 'churn', 'version': '7',"
        + " 'reference': {'rows': [{'a': 1}]}}")))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(404))
        .hasMessageContaining("version 7");
  }

  @Test
  void aPredictionThatIsNotAnOutputIsRejectedNamingTheOutputs() {
    assertThatThrownBy(() -> monitors.create(request("{'model': 'churn', 'version': '1', 'task': 'regression',"
        + " 'prediction': 'score', 'reference': {'rows': [{'a': 1}]}}")))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(400))
        .hasMessage("prediction: 'score' is not an output of churn version 1 (outputs: probability)");
  }

  @Test
  void aProtectedColumnTheReferenceLacksIsRejected() {
    assertThatThrownBy(() -> monitors.create(request("{'model': 'churn', 'version': '1',"
        + " 'protected': ['gender'], 'reference': {'rows': [{'x[0]': 1}]}}")))
        .hasMessage("protected: the reference has no column 'gender'");
  }

  @Test
  void aReferenceWithNoneOfTheVersionsColumnsIsRejectedNamingThem() {
    assertThatThrownBy(() -> monitors.create(request("{'model': 'churn', 'version': '1',"
        + " 'protected': ['gender'], 'reference': {'rows': [{'age': 1, 'income': 2}]}}")))
        .hasMessage("reference: none of its columns (age, income) is an input or output of churn version 1 (its"
            + " columns: x[0], probability[0], probability[1]); protected: the reference has no column 'gender'");
  }

  @Test
  void runsOfAnUnknownMonitorAreNotFound() {
    assertThatThrownBy(() -> monitors.runs("missing"))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(404))
        .hasMessage("no monitor 'missing'");
    assertThatThrownBy(() -> monitors.runNow("missing")).hasMessage("no monitor 'missing'");
  }
}
