package dev.pier.experiments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.experiments.assignment.ArmMetrics;
import dev.pier.experiments.metrics.FeedbackLabel;
import dev.pier.experiments.results.ExperimentResults;
import dev.pier.experiments.store.ExperimentStore;
import dev.pier.experiments.store.ExperimentsTable;
import dev.pier.kernel.PierException;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.AwsClients.AwsSettings;
import dev.pier.kernel.engine.Framework;
import dev.pier.local.LocalAws;
import dev.pier.registry.ArtifactStore;
import dev.pier.registry.ModelRegistry;
import dev.pier.registry.NewVersion;
import dev.pier.registry.RegistryTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Monitoring feedback as a metric source: labels joined to the predictions an experiment routed, by request id and
 * row, become its units' events — counted only at or after the unit's first exposure, whichever of label and
 * prediction arrives first, once per row — against the DynamoDB stand-in through the real SDK. Every expected mean is
 * worked out by hand in the comments.
 */
class FeedbackMetricTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long T = 1_765_000_000_000L;
  @TempDir static Path dataDir;
  private static LocalAws aws;
  private static AwsClients clients;
  private static Experiments experiments;

  @BeforeAll
  static void start() throws Exception {
    aws = LocalAws.start(dataDir.resolve("aws"));
    clients = new AwsClients(new AwsSettings(aws.region(), aws.dynamoDbEndpoint(), aws.s3Endpoint(),
        aws.accessKeyId(), aws.secretAccessKey()));
    RegistryTable.createIfMissing(clients.dynamoDb(), "registry");
    ArtifactStore artifacts = new ArtifactStore(clients.s3(), "artifacts");
    artifacts.createBucketIfMissing();
    ModelRegistry registry = new ModelRegistry(clients.dynamoDb(), "registry", artifacts);
    Path weights = Files.writeString(dataDir.resolve("weights.bin"), "weights");
    registry.register("labelled", new NewVersion(Framework.ONNX, null, null, Map.of(), Map.of()), weights, null);
    registry.register("labelled", new NewVersion(Framework.ONNX, null, null, Map.of(), Map.of()), weights, null);
    registry.setAlias("labelled", "production", 1);
    ExperimentsTable.createIfMissing(clients.dynamoDb(), "experiments");
    experiments = new Experiments(new ExperimentStore(clients.dynamoDb(), "experiments"),
        new RegistryCatalog(registry), Clock.systemUTC());
  }

  @AfterAll
  static void stop() {
    clients.close();
    aws.close();
  }

  private static Experiment running(String layer) throws Exception {
    Experiment e = experiments.create(JSON.readTree("""
        {"name": "labels", "model": "labelled", "alias": "production", "layer": "LAYER",
         "arms": [{"name": "control", "version": 1, "weight": 0.5}, {"name": "treatment", "version": 2, "weight": 0.5}],
         "unit": "user",
         "metrics": {"primary": {"name": "converted", "type": "binary", "feedback": "label"},
                     "secondary": [{"name": "correct", "type": "continuous", "feedback": "correct"},
                                   {"name": "abs_err", "type": "continuous", "feedback": "abs_error",
                                    "higher_is_better": false}]},
         "design": {"alpha": 0.05, "power": 0.8, "mde": 0.05, "baseline": 0.1}, "analysis": "frequentist"}
        """.replace("LAYER", layer)));
    assertThat(e.definition().primary().fromFeedback()).isTrue();
    experiments.start(e.id());
    return e;
  }

  private static Object[] prediction(String request, String unit, long at, Object... values) {
    return new Object[] {request, unit, at, Arrays.asList(values)};
  }

  private static Map<String, Double> means(ExperimentResults r, String metric) {
    Map<String, Double> out = new HashMap<>();
    for (var m : r.metrics()) {
      if (m.metric().equals(metric)) m.arms().forEach(a -> out.put(a.arm() + " n=" + a.n(), a.mean()));
    }
    return out;
  }

  @Test
  void labelsJoinedToTheArmsPredictionsAreCountedPerUnitAfterItsFirstExposure() throws Exception {
    Experiment e = running("joined");
    String id = e.id();
    experiments.writeExposures(id, "x1", List.of(new Object[] {"u1", "control", T}, new Object[] {"u2", "control", T},
        new Object[] {"u3", "treatment", T}, new Object[] {"u4", "treatment", T + 10_000}));
    // labels may come before their predictions are stored: r1's two rows, and r9 that this experiment never routed
    assertThat(experiments.feedback(List.of(new FeedbackLabel("r1", 0, 1.0), new FeedbackLabel("r1", 1, 1.0),
        new FeedbackLabel("r9", 0, 1.0)))).contains(id);
    assertThat(experiments.writePredictions(id, List.of(
        prediction("r1", "u1", T + 1_000, 1.0, 0.0),
        prediction("r2", "u2", T + 1_000, 0.0),
        prediction("r3", "u3", T + 1_000, 1.0),
        prediction("r4", "u4", T, 1.0),            // before u4's first exposure (T + 10 s): a covariate, not counted
        prediction("r5", "u4", T + 20_000, 0.0),
        prediction("r6", "u3", T + 2_000, (Object) null)))).isEqualTo(6);
    experiments.feedback(List.of(new FeedbackLabel("r2", 0, true), new FeedbackLabel("r3", 0, 0.0),
        new FeedbackLabel("r4", 0, 1.0), new FeedbackLabel("r5", 0, 0.0), new FeedbackLabel("r6", 0, "yes")));
    experiments.feedback(List.of(new FeedbackLabel("r3", 0, 1.0))); // again, after its join: changes nothing

    ExperimentResults r = experiments.results(id);
    // converted (label, binary): u1 1 (labels 1, 1), u2 1 (true); u3 0 (label 0), u4 0 (r4 is before exposure, r5 0)
    assertThat(means(r, "converted")).containsOnly(Map.entry("control n=2", 1.0), Map.entry("treatment n=2", 0.0));
    // correct (continuous: correct predictions per unit): u1 1 (row 0 right, row 1 wrong), u2 0 (0 vs true);
    // u3 0 (1 vs 0; r6 has no prediction), u4 1 (r5 right; r4 before exposure)
    assertThat(means(r, "correct")).containsOnly(Map.entry("control n=2", 0.5), Map.entry("treatment n=2", 0.5));
    // abs_err: u1 0 + 1, u2 |0 - 1|; u3 |1 - 0|, u4 |0 - 0|
    assertThat(means(r, "abs_err")).containsOnly(Map.entry("control n=2", 1.0), Map.entry("treatment n=2", 0.5));
    // 6 predictions; 7 labelled rows joined (r1 ×2, r2-r6), r9 waits; r6's gave no value (no prediction, not a number)
    assertThat(r.feedback()).isEqualTo(new ExperimentResults.Feedback(6, 7, 1, 1));
    assertThat(r.events().covariate()).as("r4's three events, before u4's exposure").isEqualTo(3);
    assertThat(JSON.valueToTree(r).get("feedback").get("waiting").asLong()).isEqualTo(1);

    // a fresh process folds the stored batches (labels and predictions in stored order) to the same results
    experiments.forgetLedgers();
    ExperimentResults again = experiments.results(id);
    assertThat(again.metrics()).isEqualTo(r.metrics());
    assertThat(again.feedback()).isEqualTo(r.feedback());

    // the label's own prediction arrives later: r9 joins then (u1's second request: correct now counts 2 for u1)
    experiments.writePredictions(id, List.<Object[]>of(prediction("r9", "u1", T + 30_000, 1.0)));
    ExperimentResults later = experiments.results(id);
    assertThat(means(later, "correct")).containsEntry("control n=2", 1.0); // (2 + 0) / 2
    assertThat(later.feedback()).isEqualTo(new ExperimentResults.Feedback(7, 8, 0, 1));

    experiments.stop(id);
    assertThat(experiments.feedback(List.of(new FeedbackLabel("r5", 0, 1.0)))).doesNotContain(id);
    assertThat(experiments.writePredictions(id, List.<Object[]>of(prediction("r10", "u1", T, 1.0)))).isZero();
  }

  @Test
  void feedbackMetricsTakeNoEventsAndAFlagExperimentCannotHaveThem() throws Exception {
    Experiment e = running("no-events");
    PierException events = (PierException) org.assertj.core.api.Assertions.catchThrowable(() -> experiments.events(
        JSON.readTree("{\"items\": [{\"unit\": \"u1\", \"metric\": \"converted\", \"timestamp\": " + T + "}]}")));
    assertThat(events.getMessage()).contains("no running experiment measures 'converted'");
    assertThatThrownBy(() -> experiments.create(JSON.readTree("""
        {"name": "f", "flag": "checkout", "arms": [{"name": "control", "variant": "a", "weight": 0.5},
         {"name": "treatment", "variant": "b", "weight": 0.5}], "unit": "user",
         "metrics": {"primary": {"name": "ok", "type": "binary", "feedback": "correct"}},
         "design": {"alpha": 0.05, "power": 0.8, "mde": 0.05, "baseline": 0.1}}
        """))).isInstanceOf(PierException.class)
        .hasMessageContaining("metrics: 'ok' takes feedback on predictions, and flag 'checkout' makes none");
    assertThatThrownBy(() -> experiments.create(JSON.readTree("""
        {"name": "bad", "model": "labelled", "arms": [{"name": "control", "version": 1, "weight": 0.5},
         {"name": "treatment", "version": 2, "weight": 0.5}], "unit": "user",
         "metrics": {"primary": {"name": "ok", "type": "binary", "feedback": "accuracy"}},
         "design": {"alpha": 0.05, "power": 0.8, "mde": 0.05, "baseline": 0.1}}
        """))).isInstanceOf(PierException.class)
        .hasMessageContaining("metrics.primary.feedback: must be label, correct or abs_error, got \"accuracy\"");
    experiments.stop(e.id());
  }

  @Test
  void routedPredictionsAreKeptOnlyForExperimentsThatMeasureFeedback() {
    ArmMetrics arm = new ArmMetrics(100);
    Object answer = new Object();
    arm.offer("exp-a", "u1", false, 3.0, T, "req-1", answer);
    arm.keepPredictionsOf(java.util.Set.of("exp-a"));
    arm.offer("exp-a", "u1", false, 4.0, T + 1, "req-2", answer);
    arm.offer("exp-b", "u2", false, 5.0, T + 2, "req-3", answer);
    arm.offer("exp-a", "u3", true, 6.0, T + 3, "req-4", null); // failed: nothing to join a label to
    List<String> metrics = new ArrayList<>();
    List<String> kept = new ArrayList<>();
    int drained = arm.drain((x, rows) -> rows.forEach(r -> metrics.add(x + ":" + r[0] + ":" + r[1])),
        (x, rows) -> rows.forEach(r -> kept.add(x + ":" + r[0] + ":" + r[1] + ":" + r[2] + ":" + r[3])),
        a -> {
          assertThat(a).isSameAs(answer);
          return List.of(1.0);
        }, 100);
    assertThat(kept).containsExactly("exp-a:req-2:u1:" + (T + 1) + ":[1.0]");
    assertThat(metrics).hasSize(5); // four latencies and one error
    assertThat(drained).isEqualTo(6);
  }
}
