package dev.pier.training.tuning;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/** {@code fixtures/optuna.json}, made by {@code functions/training/fixtures/make_optuna_fixtures.py}. */
final class OptunaFixtures {
  static final JsonNode ROOT = load();

  private OptunaFixtures() {}

  private static JsonNode load() {
    try (InputStream in = OptunaFixtures.class.getResourceAsStream("/fixtures/optuna.json")) {
      return new ObjectMapper().readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @SuppressWarnings("unchecked")
  static Distribution distribution(String name, JsonNode json) {
    Map<String, Object> spec = new ObjectMapper().convertValue(json, Map.class);
    return SearchSpace.parse(Map.of(name, spec)).params().get(name);
  }

  static double[] doubles(JsonNode a) {
    double[] out = new double[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).asDouble();
    }
    return out;
  }
}
