package dev.pier.api;

import io.smallrye.config.WithDefault;
import java.time.Duration;

/** {@code pier.retention.*}: how long Pier keeps data it holds for callers. */
public interface RetentionConfig {
  /**
   * Async prediction records and results: the record's DynamoDB TTL; in AWS the async bucket's lifecycle rule
   * (infra-cdk {@code DataStack}, {@code pier.retention.async-results-days} context) should match it.
   */
  @WithDefault("7d")
  Duration asyncResults();
}
