package dev.pier.api.inference;

import dev.pier.api.platform.Platform;

import dev.pier.runtime.PredictionService;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** What the inference routes inject, made once by the {@link Platform} that wires the runtime. */
public class InferenceBeans {
  /** The model runtime's front: its pipeline stages, and the version metadata the OIP routes answer. */
  @Produces
  @Singleton
  PredictionService predictionService(Platform platform) {
    return platform.predictions();
  }
}
