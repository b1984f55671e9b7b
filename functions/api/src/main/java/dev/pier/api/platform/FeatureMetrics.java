package dev.pier.api.platform;

import dev.pier.features.FeatureObserver;
import dev.pier.features.FeatureStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The feature store's monitoring as Micrometer meters (Prometheus at {@code /q/metrics}), per view:
 * <ul>
 *   <li>{@code pier_features_lookup_seconds{view,store}}: lookup latency (histogram: p50/p95/p99 by
 *       {@code histogram_quantile}); {@code store} is {@code online} or {@code offline} (point in time);</li>
 *   <li>{@code pier_features_lookup_values_total{view,store,status}}: values served by status — misses are
 *       {@code NOT_FOUND}, {@code NULL_VALUE} and {@code OUTSIDE_MAX_AGE};</li>
 *   <li>{@code pier_features_served_staleness_seconds{view}}: per online lookup, the age of the oldest value served;</li>
 *   <li>{@code pier_features_freshness_seconds{view}}: now − the newest event time an online lookup has seen;</li>
 *   <li>{@code pier_features_materialized_rows_total{view}} and {@code pier_features_materialized_nulls_total{view,
 *       feature}}: their ratio is a feature's null share in what materialization wrote;</li>
 *   <li>{@code pier_features_watermark_lag_seconds{view}}: now − the view's materialization watermark (known once a
 *       materialization in this process advanced it).</li>
 *   <li>{@code pier_features_pushed_rows_total{view}} and {@code pier_features_pushed_nulls_total{view,feature}}: the
 *       same for rows pushed online;</li>
 *   <li>{@code pier_features_online_age_seconds{view}}: now − the newest event time written online (pushed or
 *       materialized) by this process.</li>
 * </ul>
 * Meters are cached by their tags, so a lookup only looks them up and counts.
 */
final class FeatureMetrics implements FeatureObserver {
  private final MeterRegistry registry;
  private final Clock clock;
  private final ConcurrentMap<String, Timer> timers = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Counter> counters = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, DistributionSummary> staleness = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, AtomicLong> newest = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, AtomicLong> watermarks = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, AtomicLong> written = new ConcurrentHashMap<>();

  FeatureMetrics(MeterRegistry registry, Clock clock) {
    this.registry = registry;
    this.clock = clock;
  }

  @Override
  public void lookedUp(String view, String store, long nanos, Map<FeatureStatus, Integer> statuses, Instant newestSeen,
      Instant oldestSeen) {
    timers.computeIfAbsent(view + "|" + store, k -> Timer.builder("pier.features.lookup")
        .description("Feature lookup latency per view").tags("view", view, "store", store)
        .publishPercentileHistogram().register(registry)).record(nanos, TimeUnit.NANOSECONDS);
    for (var e : statuses.entrySet()) {
      counter("pier.features.lookup.values", "view", view, "store", store, "status", e.getKey().name())
          .increment(e.getValue());
    }
    if (!store.equals("online")) {
      return;
    }
    Instant now = clock.instant();
    if (oldestSeen != null) {
      staleness.computeIfAbsent(view, v -> DistributionSummary.builder("pier.features.served.staleness")
          .description("Age of the oldest feature value served per online lookup").baseUnit("seconds")
          .tags("view", v).register(registry)).record((now.toEpochMilli() - oldestSeen.toEpochMilli()) / 1000.0);
    }
    if (newestSeen != null) {
      newest.computeIfAbsent(view, v -> gauge("pier.features.freshness", v, "now minus the newest event time an"
          + " online lookup has seen")).accumulateAndGet(newestSeen.toEpochMilli(), Math::max);
    }
  }

  @Override
  public void materialized(String view, long rows, Map<String, Long> nulls) {
    counter("pier.features.materialized.rows", "view", view).increment(rows);
    for (var e : nulls.entrySet()) {
      counter("pier.features.materialized.nulls", "view", view, "feature", e.getKey()).increment(e.getValue());
    }
  }

  @Override
  public void watermark(String view, Instant end) {
    watermarks.computeIfAbsent(view, v -> gauge("pier.features.watermark.lag", v, "now minus the view's"
        + " materialization watermark")).accumulateAndGet(end.toEpochMilli(), Math::max);
  }

  @Override
  public void pushed(String view, long rows, Map<String, Long> nulls) {
    counter("pier.features.pushed.rows", "view", view).increment(rows);
    for (var e : nulls.entrySet()) {
      counter("pier.features.pushed.nulls", "view", view, "feature", e.getKey()).increment(e.getValue());
    }
  }

  @Override
  public void wroteOnline(String view, Instant newestWritten) {
    written.computeIfAbsent(view, v -> gauge("pier.features.online.age", v, "now minus the newest event time"
        + " written online")).accumulateAndGet(newestWritten.toEpochMilli(), Math::max);
  }

  private Counter counter(String name, String... tags) {
    return counters.computeIfAbsent(name + String.join("|", tags), k -> Counter.builder(name).tags(tags)
        .register(registry));
  }

  /** A gauge of now − the epoch millisecond it holds, in seconds. */
  private AtomicLong gauge(String name, String view, String description) {
    AtomicLong at = new AtomicLong(Long.MIN_VALUE);
    Gauge.builder(name, at, a -> a.get() == Long.MIN_VALUE ? Double.NaN
            : (clock.millis() - a.get()) / 1000.0)
        .description(description).baseUnit("seconds").tags("view", view).register(registry);
    return at;
  }
}
