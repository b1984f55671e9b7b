package dev.pier.experiments.assignment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pier.experiments.Analysis;
import dev.pier.experiments.Arm;
import dev.pier.experiments.Correction;
import dev.pier.experiments.Design;
import dev.pier.experiments.Experiment;
import dev.pier.experiments.ExperimentDefinition;
import dev.pier.experiments.ExperimentState;
import dev.pier.experiments.Holdout;
import dev.pier.experiments.Metric;
import dev.pier.experiments.metrics.MetricType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExperimentAssignerTest {

  private static Experiment experiment(String id, String layer, ExperimentState state) {
    var def = new ExperimentDefinition("e", null, "ranker", "production", layer, "user",
        List.of(new Arm("control", 1, null, 0.5), new Arm("treatment", 2, null, 0.5)),
        Metric.goal("conversion", MetricType.BINARY), List.of(), List.of(),
        new Design(0.05, 0.8, 0.05, 0.1, null, null), Analysis.FREQUENTIST, Correction.HOLM, true, null);
    return new Experiment(id, "seed-" + id, def, state, 1, Instant.EPOCH, null, null, 1, null);
  }

  private static ExperimentAssigner assigner(ExposureBuffer buffer, Experiment... running) {
    var assigner = new ExperimentAssigner(() -> List.of(running), buffer);
    assigner.refresh();
    return assigner;
  }

  @Test
  void aUnitGetsItsArmsVersionTheSameEveryTimeAsTheAllocationSays() {
    var assigner = assigner(new ExposureBuffer(), experiment("exp-1", "default", ExperimentState.RUNNING));
    var allocation = new Allocation("seed-exp-1", List.of("control", "treatment"), List.of(0.5, 0.5));
    for (int i = 0; i < 1_000; i++) {
      Assignment a = assigner.assign("ranker", "production", "user-" + i, 0);
      assertThat(a.arm()).isEqualTo(allocation.arm("user-" + i));
      assertThat(a.version()).isEqualTo(a.arm().equals("control") ? 1 : 2);
      assertThat(assigner.assign("ranker", "production", "user-" + i, 0)).isEqualTo(a);
      assertThat(a.header()).isEqualTo("exp-1=" + a.arm());
    }
  }

  @Test
  void noUnitOtherAliasesAndPausedExperimentsAreNotAssigned() {
    var assigner = assigner(new ExposureBuffer(), experiment("exp-1", "default", ExperimentState.PAUSED));
    assertThat(assigner.assign("ranker", "production", "u1", 0)).isNull();
    var running = assigner(new ExposureBuffer(), experiment("exp-2", "default", ExperimentState.RUNNING));
    assertThat(running.assign("ranker", "production", null, 0)).isNull();
    assertThat(running.assign("ranker", "staging", "u1", 0)).isNull();
  }

  @Test
  void onlyAUnitsFirstExposureIsQueuedAndDrainedInBatches() {
    var buffer = new ExposureBuffer();
    var assigner = assigner(buffer, experiment("exp-1", "default", ExperimentState.RUNNING));
    for (int repeat = 0; repeat < 3; repeat++) {
      for (int i = 0; i < 250; i++) assigner.assign("ranker", "production", "u" + i, 1_000 + repeat);
    }
    Map<String, List<Object[]>> written = new HashMap<>();
    buffer.drain((experiment, batch, rows) -> written.computeIfAbsent(experiment, e -> new ArrayList<>()).addAll(rows), 100);
    assertThat(written.get("exp-1")).hasSize(250).allSatisfy(row -> assertThat(row[2]).isEqualTo(1_000L));
    List<Object[]> again = new ArrayList<>();
    buffer.drain((experiment, batch, rows) -> again.addAll(rows), 100);
    assertThat(again).isEmpty();
  }

  @Test
  void experimentsInTwoLayersOnOneAliasSplitItsUnits() {
    var assigner = assigner(new ExposureBuffer(), experiment("exp-a", "layer-a", ExperimentState.RUNNING),
        experiment("exp-b", "layer-b", ExperimentState.RUNNING));
    int a = 0;
    for (int i = 0; i < 10_000; i++) {
      if (assigner.assign("ranker", "production", "user-" + i, 0).experiment().equals("exp-a")) a++;
    }
    assertThat(a / 10_000.0).isBetween(0.48, 0.52);
  }

  @Test
  void aHoldoutKeepsItsShareOfUnitsOutByItsOwnSeedServesTheBaselineAndLogsThemUnderHoldout() {
    var buffer = new ExposureBuffer();
    var global = new Holdout(null, 0.05, "holdout-global-seed", 1, "2026-12-07T00:00:00Z");
    var other = new Holdout("another-model", 0.5, "other-seed", 1, "2026-12-07T00:00:00Z");
    var assigner = new ExperimentAssigner(() -> List.of(experiment("exp-1", "default", ExperimentState.RUNNING)),
        () -> List.of(global, other), buffer);
    assigner.refresh();
    var allocation = new Allocation("seed-exp-1", List.of("control", "treatment"), List.of(0.5, 0.5));
    int held = 0, treated = 0;
    for (int i = 0; i < 20_000; i++) {
      String unit = "user-" + i;
      Assignment a = assigner.assign("ranker", "production", unit, 0);
      boolean out = UnitHash.position("holdout-global-seed", unit) < 0.05;
      assertThat(a.heldOut()).isEqualTo(out);
      if (out) {
        held++;
        assertThat(a.arm()).isEqualTo(Holdout.ARM);
        assertThat(a.version()).isEqualTo(Assignment.BASELINE);
        assertThat(a.header()).isEqualTo("exp-1=holdout");
      } else {
        assertThat(a.arm()).isEqualTo(allocation.arm(unit)); // the experiment's own split is untouched
        if (a.arm().equals("treatment")) treated++;
      }
    }
    assertThat(held / 20_000.0).isBetween(0.045, 0.055); // the other model's 50 % holdout does not apply here
    assertThat(treated / (20_000.0 - held)).isBetween(0.485, 0.515); // independent seeds: no skew among the rest
    Map<String, Long> logged = new HashMap<>();
    buffer.drain((experiment, batch, rows) -> rows.forEach(r -> logged.merge((String) r[1], 1L, Long::sum)), 1_000);
    assertThat(logged.get(Holdout.ARM)).isEqualTo(held);
  }

  @Test
  void aModelsHoldoutAppliesToThatModelOnly() {
    var assigner = new ExperimentAssigner(() -> List.of(experiment("exp-1", "default", ExperimentState.RUNNING)),
        () -> List.of(new Holdout("other", 0.5, "s", 1, "t")), new ExposureBuffer());
    assigner.refresh();
    for (int i = 0; i < 1_000; i++) {
      assertThat(assigner.assign("ranker", "production", "user-" + i, 0).heldOut()).isFalse();
    }
    var ranker = new ExperimentAssigner(() -> List.of(experiment("exp-1", "default", ExperimentState.RUNNING)),
        () -> List.of(new Holdout("ranker", 0.5, "s", 1, "t")), new ExposureBuffer());
    ranker.refresh();
    int held = 0;
    for (int i = 0; i < 1_000; i++) if (ranker.assign("ranker", "production", "user-" + i, 0).heldOut()) held++;
    assertThat(held).isBetween(440, 560);
  }

  @Test
  void aTargetedExperimentAssignsOnlyUnitsWhoseAttributesMatchAndLogsNoExposureForTheOthers() throws Exception {
    var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
    var body = (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree("""
        {"name": "t", "model": "ranker", "arms": [{"name": "control", "version": 1, "weight": 0.5},
          {"name": "treatment", "version": 2, "weight": 0.5}],
         "metrics": {"primary": {"name": "conversion", "type": "binary"}},
         "design": {"mde": 0.05, "baseline": 0.1},
         "targeting": {"conditions": [{"attribute": "country", "operator": "in", "values": ["NL", "BE"]},
                                      {"attribute": "age", "operator": "gte", "value": 18}]}}""");
    ExperimentDefinition def = dev.pier.experiments.DefinitionParser.parse(body);
    assertThat(def.targeting()).hasSize(2);
    // stored and read back as the experiments table does (JSON), the targeting survives
    def = mapper.readValue(mapper.writeValueAsString(def), ExperimentDefinition.class);
    assertThat(def.targeting()).hasSize(2);
    var exp = new Experiment("exp-t", "seed-t", def, ExperimentState.RUNNING, 1, Instant.EPOCH, null, null, 1, null);
    var buffer = new ExposureBuffer();
    var assigner = assigner(buffer, exp);
    var nl = Map.<String, com.fasterxml.jackson.databind.JsonNode>of("country",
        com.fasterxml.jackson.databind.node.TextNode.valueOf("NL"), "age",
        com.fasterxml.jackson.databind.node.IntNode.valueOf(30));
    var de = Map.<String, com.fasterxml.jackson.databind.JsonNode>of("country",
        com.fasterxml.jackson.databind.node.TextNode.valueOf("DE"), "age",
        com.fasterxml.jackson.databind.node.IntNode.valueOf(30));
    var minor = Map.<String, com.fasterxml.jackson.databind.JsonNode>of("country",
        com.fasterxml.jackson.databind.node.TextNode.valueOf("BE"), "age",
        com.fasterxml.jackson.databind.node.IntNode.valueOf(12));
    var allocation = new Allocation("seed-t", List.of("control", "treatment"), List.of(0.5, 0.5));
    for (int i = 0; i < 200; i++) {
      assertThat(assigner.assign("ranker", "production", "user-" + i, nl, 5).arm()).isEqualTo(allocation.arm("user-" + i));
      assertThat(assigner.assign("ranker", "production", "other-" + i, de, 5)).isNull();
      assertThat(assigner.assign("ranker", "production", "minor-" + i, minor, 5)).isNull();
      assertThat(assigner.assign("ranker", "production", "none-" + i, null, 5)).isNull(); // no attributes: no match
      assertThat(assigner.arm("ranker", "production", "other-" + i, de)).isNull();
    }
    List<Object[]> rows = new ArrayList<>();
    buffer.drain((experiment, batch, r) -> rows.addAll(r), 1_000);
    assertThat(rows).hasSize(200).allSatisfy(r -> assertThat((String) r[0]).startsWith("user-"));
  }

  @Test
  void badTargetingIsA400NamingTheCondition() throws Exception {
    var body = new com.fasterxml.jackson.databind.ObjectMapper().readTree("""
        {"name": "t", "model": "ranker", "arms": [{"name": "control", "version": 1, "weight": 0.5},
          {"name": "treatment", "version": 2, "weight": 0.5}],
         "metrics": {"primary": {"name": "conversion", "type": "binary"}},
         "design": {"mde": 0.05, "baseline": 0.1},
         "targeting": {"conditions": [{"attribute": "age", "operator": "older_than", "value": 18}]}}""");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> dev.pier.experiments.DefinitionParser.parse(body))
        .hasMessageContaining("targeting.conditions[0].operator");
  }
}
