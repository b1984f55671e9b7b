package dev.pier.monitoring;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Where a monitor's reference comes from, as {@code POST /api/v1/monitors} names it in {@code reference}. The rows are
 * read once, when the monitor is created, and stored with it: a later change of the source does not move the
 * baseline.
 */
public sealed interface ReferenceSpec {

  /** {@code {"rows": [{column: value, …}, …]}}: given inline. */
  record Rows(List<Map<String, Object>> rows) implements ReferenceSpec {
  }

  /** {@code {"uri": "s3://bucket/key", "format": "parquet|csv|jsonl"}}: a dataset in S3 (format from the extension). */
  record Dataset(String uri, String format) implements ReferenceSpec {
  }

  /**
   * {@code {"captures": {"from": "…", "to": "…", "version": 1}}}: the captured predictions of {@code [from, to)} of
   * the monitored model (of {@code version}, by default the monitored one), inputs and outputs.
   */
  record Captures(Instant from, Instant to, Integer version) implements ReferenceSpec {
  }

  /** {@code {"training_data": true}}: the first dataset of the version's lineage ({@code lineage.datasets[0].uri}). */
  record TrainingData(String format) implements ReferenceSpec {
  }

  /** What the monitor records of its reference's source, for its JSON. */
  default Map<String, Object> describe() {
    return switch (this) {
      case Rows r -> Map.of("source", "rows");
      case Dataset d -> Map.of("source", "uri", "uri", d.uri());
      case Captures c -> c.version() == null ? Map.of("source", "captures", "from", c.from(), "to", c.to())
          : Map.of("source", "captures", "from", c.from(), "to", c.to(), "version", c.version());
      case TrainingData t -> Map.of("source", "training_data");
    };
  }
}
