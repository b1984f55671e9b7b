package dev.pier.experiments;

import java.util.OptionalDouble;

/**
 * A model's traffic as the platform measured it: the prediction requests per day it answered on {@code model}, for an
 * experiment's expected duration when its design gives no {@code daily_units}. Empty when nothing was measured.
 */
@FunctionalInterface
public interface ModelTraffic {

  /** No measurement: the expected duration then needs {@code design.daily_units}. */
  ModelTraffic NONE = model -> OptionalDouble.empty();

  OptionalDouble requestsPerDay(String model);
}
