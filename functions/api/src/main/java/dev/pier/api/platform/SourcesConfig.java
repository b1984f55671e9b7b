package dev.pier.api.platform;

import io.smallrye.config.ConfigMapping;
import java.util.List;
import java.util.Optional;

/** {@code pier.sources.*}: where callers may have Pier read and write in S3 (see {@link S3Sources}). */
@ConfigMapping(prefix = "pier.sources")
public interface SourcesConfig {
  /**
   * {@code s3://bucket/prefix} locations MLflow sources and batch inputs and outputs may name, or {@code *} for any
   * bucket. Unset: {@code *} in local mode; in AWS the batch bucket and the MLflow artifact root
   * ({@code s3://<artifacts bucket>/mlflow/}). Pier's own prefixes are refused either way.
   */
  Optional<List<String>> allowedS3Prefixes();
}
