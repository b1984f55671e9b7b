package dev.pier.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** The committed fixture models (tests/fixtures/models, made by make_fixtures.py). */
final class Fixtures {
  static final Path MODELS = Path.of("../../tests/fixtures/models");

  private Fixtures() {}

  static Path model(String file) {
    return MODELS.resolve(file);
  }

  static JsonNode reference(String model) {
    try {
      return new ObjectMapper().readTree(MODELS.resolve(model + ".reference.json").toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An OIP request body for the iris models with the reference rows. */
  static String irisRequest(JsonNode reference) {
    return "{\"id\":\"ref\",\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[4,4],\"data\":"
        + reference.get("input") + "}]}";
  }
}
