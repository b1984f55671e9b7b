package dev.pier.api.platform;

import dev.pier.experiments.Experiments;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import software.amazon.cloudwatchlogs.emf.logger.MetricsLogger;
import software.amazon.cloudwatchlogs.emf.model.DimensionSet;
import software.amazon.cloudwatchlogs.emf.model.Unit;

/**
 * Guardrail breaches found by experiment analyses, the metric the CDK app alarms on: as CloudWatch EMF in Lambda
 * (namespace {@value #NAMESPACE}, metric {@value #GUARDRAIL_BREACHES}, no dimensions, so one alarm covers every
 * experiment; the experiment, arm and decision ride along as properties for Logs Insights) and as the Micrometer
 * counter {@code pier_experiments_guardrail_breaches_total} on the plain server. One count per breached guardrail
 * comparison of an analysis this process recorded, whatever the decision (a policy without {@code stop_on_guardrail}
 * keeps running, and still alarms).
 */
public final class ExperimentMetrics {
  static final String NAMESPACE = "Pier/Experiments";
  static final String GUARDRAIL_BREACHES = "GuardrailBreaches";

  private final boolean emf;
  private final Counter breaches;

  /** @param registry the plain server's registry, or null */
  public ExperimentMetrics(boolean emf, MeterRegistry registry) {
    this.emf = emf;
    this.breaches = registry == null ? null : Counter.builder("pier.experiments.guardrail.breaches")
        .description("Guardrail comparisons found breached by experiment analyses").register(registry);
  }

  /** For {@link Experiments#onAnalysis}: counts the analysis's breached guardrails; never throws. */
  public void analysed(Experiments.Analysed analysed) {
    long n = analysed.breachedGuardrails();
    if (n == 0) {
      return;
    }
    if (breaches != null) {
      breaches.increment(n);
    }
    if (!emf) {
      return;
    }
    try {
      MetricsLogger logger = new MetricsLogger();
      logger.setNamespace(NAMESPACE);
      logger.setDimensions(new DimensionSet()); // no default dimensions (function, log group): the alarm names none
      logger.putMetric(GUARDRAIL_BREACHES, n, Unit.COUNT);
      logger.putProperty("experiment", analysed.experiment());
      logger.putProperty("action", analysed.decision().action().name());
      logger.putProperty("applied", analysed.decision().applied());
      if (analysed.decision().arm() != null) {
        logger.putProperty("arm", analysed.decision().arm());
      }
      logger.flush();
    } catch (Exception e) {
      // metrics must never fail an analysis
    }
  }
}
