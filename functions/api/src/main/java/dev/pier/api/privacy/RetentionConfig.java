package dev.pier.api.privacy;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/**
 * {@code pier.retention.*}: how long each kind of data Pier keeps lives. Local mode enforces the kinds it stores
 * with {@link RetentionSweeper}; in AWS the same periods are the CDK app's S3 lifecycle rules ({@code retention.*}
 * in its config), since a Lambda has no process to sweep with.
 */
@ConfigMapping(prefix = "pier.retention")
public interface RetentionConfig {
  /** Prediction samples of the audit trail; defaults to the older {@code pier.audit.sample-retention}. */
  @WithDefault("${pier.audit.sample-retention:30d}")
  Duration auditSamples();

  /** Batch job outputs ({@code outputs/<job>/} in the batch bucket), counted from the job's last write. */
  @WithDefault("30d")
  Duration batchOutputs();

  /** Prediction captures for monitoring (S3 lifecycle in AWS; no local capture store yet). */
  @WithDefault("90d")
  Duration captures();

  /** Results of asynchronous predictions. */
  @WithDefault("7d")
  Duration asyncResults();

  /** How often local mode sweeps. */
  @WithDefault("1h")
  Duration sweepInterval();
}
