package dev.pier.training.tuning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.kernel.PierException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SearchSpaceTest {
  @Test
  void parsesOptunasThreeKindsInTheGivenOrder() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("max_depth", Map.of("type", "int", "low", 2, "high", 8));
    json.put("eta", Map.of("type", "float", "low", 0.01, "high", 0.3, "log", true));
    json.put("booster", Map.of("type", "categorical", "choices", List.of("gbtree", "dart")));
    json.put("min_child_weight", Map.of("type", "int", "low", 1, "high", 10, "step", 4));
    SearchSpace space = SearchSpace.parse(json);
    assertThat(space.params().keySet()).containsExactly("max_depth", "eta", "booster", "min_child_weight");
    assertThat(space.params().get("max_depth")).isEqualTo(new Distribution.IntRange(2, 8, 1, false));
    assertThat(space.params().get("eta")).isEqualTo(new Distribution.FloatRange(0.01, 0.3, null, true));
    assertThat(space.params().get("min_child_weight")).isEqualTo(new Distribution.IntRange(1, 9, 4, false));
    assertThat(space.admits(Map.of("max_depth", 3, "eta", 0.1, "booster", "dart", "min_child_weight", 5))).isTrue();
    assertThat(space.admits(Map.of("max_depth", 9, "eta", 0.1, "booster", "dart", "min_child_weight", 5))).isFalse();
  }

  @Test
  void refusesAnEmptySpaceAndBadDistributionsNamingTheParameter() {
    assertThatThrownBy(() -> SearchSpace.parse(Map.of())).isInstanceOf(PierException.class)
        .hasMessageStartingWith("tuning.space is empty");
    assertBad(Map.of("type", "int", "low", 8, "high", 2), "tuning.space.p: low 8 is above high 2");
    assertBad(Map.of("type", "float", "low", 0, "high", 1, "log", true), "tuning.space.p: a log scale needs low > 0");
    assertBad(Map.of("type", "float", "low", 1, "high", 2, "log", true, "step", 0.5),
        "tuning.space.p: step and log cannot be combined");
    assertBad(Map.of("type", "normal"), "tuning.space.p.type 'normal' is unknown: int, float or categorical");
    assertBad(Map.of("type", "categorical", "choices", List.of()), "tuning.space.p.choices must be a non-empty list");
    assertBad(Map.of("type", "int", "low", "a", "high", 2), "tuning.space.p.low must be a number");
  }

  private static void assertBad(Map<String, Object> spec, String message) {
    assertThatThrownBy(() -> SearchSpace.parse(Map.of("p", spec))).hasMessage(message)
        .extracting(e -> ((PierException) e).status()).isEqualTo(400);
  }

  @Test
  void refusesUnknownStrategiesAndPrunersAndGridsOverContinuousRanges() {
    SearchSpace space = SearchSpace.parse(Map.of("x", Map.of("type", "float", "low", 0, "high", 1)));
    assertThatThrownBy(() -> Sampler.of("bayes", space, true, 1)).hasMessageStartingWith("unknown tuning.strategy");
    assertThatThrownBy(() -> Pruner.of("asha", null, 10, "s")).hasMessageStartingWith("unknown tuning.pruner");
    assertThatThrownBy(() -> Sampler.of("grid", space, true, 1))
        .hasMessage("tuning.space.x needs a step for the grid strategy");
    assertThat(Pruner.of(null, "hyperband", 27, "s")).isInstanceOf(HyperbandPruner.class);
    assertThat(Sampler.of("hyperband", space, true, 1)).isInstanceOf(RandomSampler.class);
  }
}
