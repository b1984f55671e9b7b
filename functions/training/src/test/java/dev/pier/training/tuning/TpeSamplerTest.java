package dev.pier.training.tuning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class TpeSamplerTest {
  @Test
  void parzenEstimatorsEqualOptunasKernelsWeightsAndDensities() {
    int checked = 0;
    for (JsonNode c : OptunaFixtures.ROOT.get("parzen")) {
      String name = c.get("name").asText();
      Distribution dist = OptunaFixtures.distribution(name, c.get("distribution"));
      ParzenEstimator pe = new ParzenEstimator(OptunaFixtures.doubles(c.get("observations")), dist);
      String what = name + " over " + c.get("observations").size() + " observations";
      assertThat(pe.weights()).as(what).containsExactly(OptunaFixtures.doubles(c.get("weights")), within(1e-12));
      if (c.has("mus")) {
        assertThat(pe.mus()).as(what).containsExactly(OptunaFixtures.doubles(c.get("mus")), within(1e-12));
        assertThat(pe.sigmas()).as(what).containsExactly(OptunaFixtures.doubles(c.get("sigmas")), within(1e-12));
      }
      double[] at = OptunaFixtures.doubles(c.get("log_pdf_at"));
      double[] expected = OptunaFixtures.doubles(c.get("log_pdf"));
      for (int i = 0; i < at.length; i++) {
        assertThat(pe.logPdf(at[i])).as("%s at %s", what, at[i]).isCloseTo(expected[i], within(1e-9));
      }
      checked++;
    }
    assertThat(checked).isEqualTo(26);
  }

  @Test
  void splitsRankedTrialsAsOptunaDoes() {
    for (JsonNode c : OptunaFixtures.ROOT.get("split")) {
      List<Trial> trials = new ArrayList<>();
      for (JsonNode t : c.get("trials")) {
        int n = trials.size();
        if (t.get("state").asText().equals("COMPLETE")) {
          trials.add(new Trial(n, TrialState.COMPLETE, Map.of(), t.get("value").asDouble(), null, null, null));
        } else {
          TreeMap<Integer, Double> steps = new TreeMap<>(Map.of(t.get("last_step").asInt(),
              t.get("last_value").asDouble()));
          trials.add(new Trial(n, TrialState.PRUNED, Map.of(), null, steps, null, null));
        }
      }
      int[][] split = TpeSampler.split(trials, c.get("n_below").asInt(), false);
      assertThat(split[0]).containsExactly(ints(c.get("below")));
      assertThat(split[1]).containsExactly(ints(c.get("above")));
    }
  }

  private static int[] ints(JsonNode a) {
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).asInt();
    }
    return out;
  }

  @Test
  void gammaAndWeightsAreOptunasDefaults() {
    assertThat(TpeSampler.gamma(10)).isEqualTo(1);
    assertThat(TpeSampler.gamma(30)).isEqualTo(3);
    assertThat(TpeSampler.gamma(31)).isEqualTo(4);
    assertThat(TpeSampler.gamma(1000)).isEqualTo(25);
    assertThat(ParzenEstimator.defaultWeights(24)).containsOnly(1.0);
    double[] w = ParzenEstimator.defaultWeights(30);
    assertThat(w[0]).isEqualTo(1.0 / 30);
    assertThat(w[4]).isEqualTo(1.0);
    assertThat(w[29]).isEqualTo(1.0);
  }

  @Test
  void samplesAtRandomForTheFirstTenTrialsThenConcentratesNearTheOptimum() {
    SearchSpace space = SearchSpace.parse(Map.of("x", Map.of("type", "float", "low", -10.0, "high", 10.0)));
    TpeSampler tpe = new TpeSampler(1, false);
    RandomSampler random = new RandomSampler(1);
    List<Trial> history = new ArrayList<>();
    for (int n = 0; n < 10; n++) {
      Map<String, Object> p = tpe.sample(space, history, n);
      assertThat(p).isEqualTo(random.sample(space, history, n));
      history.add(done(n, p, Math.pow((double) p.get("x") - 3, 2)));
    }
    double tpeDistance = 0;
    for (int n = 10; n < 60; n++) {
      Map<String, Object> p = tpe.sample(space, history, n);
      history.add(done(n, p, Math.pow((double) p.get("x") - 3, 2)));
      if (n >= 40) {
        tpeDistance += Math.abs((double) p.get("x") - 3);
      }
    }
    double randomDistance = 0;
    for (int n = 40; n < 60; n++) {
      randomDistance += Math.abs((double) random.sample(space, List.of(), n).get("x") - 3);
    }
    assertThat(tpeDistance).isLessThan(randomDistance / 3);
  }

  @Test
  void samplesEachKindOfParameterInsideItsDistributionAndRepeatsForTheSameSeedAndTrial() {
    SearchSpace space = SearchSpace.parse(Map.of(
        "max_depth", Map.of("type", "int", "low", 2, "high", 8),
        "eta", Map.of("type", "float", "low", 0.01, "high", 0.3, "log", true),
        "gamma", Map.of("type", "float", "low", 0, "high", 1, "step", 0.25),
        "booster", Map.of("type", "categorical", "choices", List.of("gbtree", "dart"))));
    TpeSampler tpe = new TpeSampler(9, true);
    List<Trial> history = new ArrayList<>();
    for (int n = 0; n < 30; n++) {
      Map<String, Object> p = tpe.sample(space, history, n);
      assertThat(space.admits(p)).as("%s", p).isTrue();
      assertThat(tpe.sample(space, history, n)).isEqualTo(p);
      history.add(done(n, p, (int) p.get("max_depth") * (double) p.get("eta")));
    }
  }

  static Trial done(int n, Map<String, Object> params, double value) {
    return new Trial(n, TrialState.COMPLETE, params, value, null, null, null);
  }
}
