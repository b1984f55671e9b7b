package dev.pier.experiments.assignment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pier.experiments.Analysis;
import dev.pier.experiments.Arm;
import dev.pier.experiments.Correction;
import dev.pier.experiments.Design;
import dev.pier.experiments.Experiment;
import dev.pier.experiments.ExperimentDefinition;
import dev.pier.experiments.ExperimentState;
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
}
