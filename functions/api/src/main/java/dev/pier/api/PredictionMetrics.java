package dev.pier.api;

import jakarta.inject.Singleton;
import software.amazon.cloudwatchlogs.emf.logger.MetricsLogger;
import software.amazon.cloudwatchlogs.emf.model.DimensionSet;
import software.amazon.cloudwatchlogs.emf.model.Unit;

/**
 * Prediction metrics as CloudWatch Embedded Metric Format: one JSON line on stdout per prediction, turned into
 * metrics by CloudWatch Logs at no API cost (in Lambda). Dimensions: model and version.
 * On the plain server it is off unless {@code pier.metrics.emf=true}.
 */
@Singleton
public class PredictionMetrics {
  static final String NAMESPACE = "Pier";
  private final boolean enabled;

  @jakarta.inject.Inject
  public PredictionMetrics(PierConfig config) {
    this(config.metrics().emf().orElse(System.getenv("AWS_LAMBDA_FUNCTION_NAME") != null));
  }

  PredictionMetrics(boolean enabled) {
    this.enabled = enabled;
  }

  public boolean enabled() {
    return enabled;
  }

  public void prediction(String model, int version, long nanos) {
    if (!enabled) {
      return;
    }
    try {
      MetricsLogger logger = new MetricsLogger();
      logger.setNamespace(NAMESPACE);
      logger.setDimensions(DimensionSet.of("Model", model, "Version", Integer.toString(version)));
      logger.putMetric("PredictionLatency", nanos / 1_000_000.0, Unit.MILLISECONDS);
      logger.putMetric("Predictions", 1, Unit.COUNT);
      logger.flush();
    } catch (Exception e) {
      // metrics must never fail a prediction
    }
  }
}
