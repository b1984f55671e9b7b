package dev.pier.training.tuning;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.training.CvResult;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PrunerTest {
  /** Replays each search Optuna ran over fixed learning curves and requires the same trials pruned at the same steps. */
  @Test
  void prunesTheTrialsOptunasPrunersPruneAtTheSameSteps() {
    int searches = 0;
    for (JsonNode c : OptunaFixtures.ROOT.get("pruning")) {
      JsonNode curves = c.get("curves");
      int steps = curves.get(0).size();
      boolean maximize = c.get("direction").asText().equals("maximize");
      Pruner pruner = Pruner.of(c.get("pruner").asText(), null, steps, c.get("study_name").asText());
      SearchSpace space = SearchSpace.parse(Map.of("x", Map.of("type", "float", "low", 0, "high", 1)));
      AtomicInteger calls = new AtomicInteger();
      Objective replay = (params, reporter) -> {
        double[] curve = OptunaFixtures.doubles(curves.get(calls.getAndIncrement()));
        for (int s = 0; s < curve.length; s++) {
          reporter.report(s, curve[s]);
        }
        double last = curve[curve.length - 1];
        return new CvResult("auc", last, 0, List.of(last), List.of(), curve.length - 1);
      };
      TuningConfig config = new TuningConfig(c.get("study_name").asText(), space, new RandomSampler(0), pruner,
          maximize, curves.size(), 1, 0, null, List.of());
      List<Trial> trials = new Tuner(config, replay, new InMemoryTrialStore()).run().trials();
      String what = c.get("pruner").asText() + " " + c.get("direction").asText();
      assertThat(trials.stream().map(t -> t.state().name()).toList()).as(what)
          .containsExactlyElementsOf(texts(c.get("states")));
      assertThat(trials.stream().map(Trial::lastStep).toList()).as(what)
          .containsExactlyElementsOf(ints(c.get("last_steps")));
      searches++;
    }
    assertThat(searches).isEqualTo(6);
  }

  @Test
  void medianPrunerComparesTheBestValueSoFarWithTheMedianOfCompleteTrialsAtThatStep() {
    MedianPruner median = new MedianPruner(2, 0, 1, 1);
    List<Trial> others = List.of(complete(0, 0.5, 0.6), complete(1, 0.7, 0.8), complete(2, 0.9, 0.95));
    assertThat(median.prune(running(3, 0.6), others, true)).isTrue(); // 0.6 < median 0.7
    assertThat(median.prune(running(3, 0.75), others, true)).isFalse();
    assertThat(median.prune(running(3, 0.6), others.subList(0, 1), true)).isFalse(); // fewer than 2 complete
  }

  private static Trial complete(int n, double... values) {
    TreeMap<Integer, Double> steps = new TreeMap<>();
    for (int s = 0; s < values.length; s++) {
      steps.put(s, values[s]);
    }
    return new Trial(n, TrialState.COMPLETE, Map.of(), values[values.length - 1], steps, null, null);
  }

  private static Trial running(int n, double... values) {
    TreeMap<Integer, Double> steps = new TreeMap<>();
    for (int s = 0; s < values.length; s++) {
      steps.put(s, values[s]);
    }
    return new Trial(n, TrialState.RUNNING, Map.of(), null, steps, null, null);
  }

  private static List<String> texts(JsonNode a) {
    return java.util.stream.StreamSupport.stream(a.spliterator(), false).map(JsonNode::asText).toList();
  }

  private static List<Integer> ints(JsonNode a) {
    return java.util.stream.StreamSupport.stream(a.spliterator(), false).map(JsonNode::asInt).toList();
  }
}
