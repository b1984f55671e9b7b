package dev.pier.features;

import java.time.Instant;
import java.util.Map;

/**
 * What the feature store tells monitoring (the api app turns it into Prometheus/EMF metrics): each lookup's latency
 * and statuses per view, the event times of the values served (their staleness), each materialized or pushed chunk's rows and
 * nulls per feature, the newest event time written online, and each watermark advanced. Called on the lookup's thread: implementations only count.
 */
public interface FeatureObserver {
  FeatureObserver NONE = new FeatureObserver() {};

  /**
   * One view read for one request.
   *
   * @param store {@code online} or {@code offline} (a point-in-time lookup)
   * @param statuses how many values (keys × features) came back with each status
   * @param newest the newest event time among the values found, or null
   * @param oldest the oldest event time among the values found, or null
   */
  default void lookedUp(String view, String store, long nanos, Map<FeatureStatus, Integer> statuses, Instant newest,
      Instant oldest) {}

  /** One chunk written to the online store: its rows, and per feature how many of their values were null. */
  default void materialized(String view, long rows, Map<String, Long> nulls) {}

  /** A view's watermark advanced to {@code end}. */
  default void watermark(String view, Instant end) {}

  /** Rows pushed online to a view: how many, and per feature how many of their values were null. */
  default void pushed(String view, long rows, Map<String, Long> nulls) {}

  /** Values written online to a view (pushed or materialized), the newest of them at {@code newest}. */
  default void wroteOnline(String view, Instant newest) {}
}
