package dev.pier.api.inference;

import dev.pier.api.PierConfig;

import dev.pier.runtime.prediction.WayIn;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import software.amazon.cloudwatchlogs.emf.logger.MetricsLogger;
import software.amazon.cloudwatchlogs.emf.model.DimensionSet;
import software.amazon.cloudwatchlogs.emf.model.Unit;

/**
 * Per-request prediction metrics — latency and count by model, version, status and way in ({@code rest},
 * {@code grpc}, {@code predict}, {@code stream}, {@code async}, {@code batch}) — in two forms: CloudWatch
 * Embedded Metric Format (one JSON line on stdout, turned into metrics by CloudWatch Logs at no API cost; on by
 * default in Lambda) and Micrometer (the plain server's Prometheus endpoint, {@code GET /q/metrics}, timer
 * {@code pier_predictions_seconds} with percentiles). Recorded for every call of the prediction pipeline by its
 * {@link dev.pier.runtime.prediction.Slot#METRICS} stage.
 */
@Singleton
public class PredictionMetrics {
  static final String NAMESPACE = "Pier";
  private final boolean emf;
  private final MeterRegistry registry;
  /** Timers by (model, version, status): building and registering one per request costs more than the recording. */
  private final java.util.concurrent.ConcurrentMap<TimerKey, Timer> timers = new java.util.concurrent.ConcurrentHashMap<>();

  private static final int MAX_CACHED_TIMERS = 10_000;

  private record TimerKey(WayIn wayIn, String model, Integer version, int status) {}

  private final ThreadLocal<LastTimer> last = ThreadLocal.withInitial(LastTimer::new);

  @Inject
  public PredictionMetrics(PierConfig config, MeterRegistry registry) {
    this(config.metrics().emf().orElse(System.getenv("AWS_LAMBDA_FUNCTION_NAME") != null), registry);
  }

  PredictionMetrics(boolean emf, MeterRegistry registry) {
    this.emf = emf;
    this.registry = registry;
  }

  public boolean emfEnabled() {
    return emf;
  }

  /** A suspected model-extraction probe (see {@link ProbeDetector}), as an EMF metric in Lambda. */
  public void suspectedProbe(String model) {
    if (!emf) {
      return;
    }
    try {
      MetricsLogger logger = new MetricsLogger();
      logger.setNamespace(NAMESPACE);
      logger.setDimensions(DimensionSet.of("Model", model));
      logger.putMetric("SuspectedProbes", 1, Unit.COUNT);
      logger.flush();
    } catch (Exception e) {
      // metrics must never fail a prediction
    }
  }

  /**
   * One answered prediction request: {@code version} is null when none answered (e.g. a 404); {@code wayIn} null for
   * a call made in-process (label {@code none}).
   */
  public void prediction(WayIn wayIn, String model, Integer version, int status, long nanos) {
    if (registry != null) {
      Timer timer = timer(wayIn, model, version, status);
      timer.record(nanos, TimeUnit.NANOSECONDS);
    }
    if (!emf) {
      return;
    }
    emf(wayIn, model, version, status, nanos);
  }

  /**
   * The timer of (way in, model, version, status): the one this thread used last when it matches — consecutive
   * predictions of a model on one thread (an I/O thread's burst) then need no key object — else from the map.
   */
  private Timer timer(WayIn wayIn, String model, Integer version, int status) {
    LastTimer last = this.last.get();
    if (last.timer != null && last.wayIn == wayIn && last.status == status && Objects.equals(last.version, version)
        && last.model.equals(model)) {
      return last.timer;
    }
    TimerKey key = new TimerKey(wayIn, model, version, status);
    Timer timer = timers.get(key);
    if (timer == null) {
      timer = Timer.builder("pier.predictions")
          .description("Prediction requests by model, version, status and way in")
          .tags("model", model, "version", version == null ? "none" : Integer.toString(version),
              "status", Integer.toString(status), "way_in", wayIn == null ? "none" : wayIn.label())
          .publishPercentiles(0.5, 0.95, 0.99)
          .register(registry);
      if (timers.size() < MAX_CACHED_TIMERS) { // names of unknown models come from callers: bound the map
        timers.put(key, timer);
      }
    }
    last.wayIn = wayIn;
    last.model = model;
    last.version = version;
    last.status = status;
    last.timer = timer;
    return timer;
  }

  /** A thread's last timer and its key. */
  private static final class LastTimer {
    WayIn wayIn;
    String model;
    Integer version;
    int status;
    Timer timer;
  }

  private void emf(WayIn wayIn, String model, Integer version, int status, long nanos) {
    String v = version == null ? "none" : Integer.toString(version);
    try {
      MetricsLogger logger = new MetricsLogger();
      logger.setNamespace(NAMESPACE);
      logger.setDimensions(DimensionSet.of("Model", model, "Version", v));
      logger.putProperty("Status", status);
      logger.putProperty("WayIn", wayIn == null ? "none" : wayIn.label());
      logger.putMetric("PredictionLatency", nanos / 1_000_000.0, Unit.MILLISECONDS);
      logger.putMetric("Predictions", 1, Unit.COUNT);
      if (status >= 400) {
        logger.putMetric(status >= 500 ? "ServerErrors" : "ClientErrors", 1, Unit.COUNT);
      }
      logger.flush();
    } catch (Exception e) {
      // metrics must never fail a prediction
    }
  }
}
