package dev.pier.registry;

import dev.pier.kernel.PierException;

/**
 * A version's adaptive micro-batching policy: concurrent requests are combined into one model call of at most
 * {@code maxBatchSize} rows, waiting at most {@code maxDelayMicros} for company.
 */
public record Batching(int maxBatchSize, long maxDelayMicros) {
  public static final int LIMIT = 4096;

  public Batching {
    if (maxBatchSize < 1 || maxBatchSize > LIMIT) {
      throw PierException.badRequest("batching.max_batch_size must be between 1 and " + LIMIT + ", got " + maxBatchSize);
    }
    if (maxDelayMicros < 0 || maxDelayMicros > 1_000_000) {
      throw PierException.badRequest("batching.max_delay_ms must be between 0 and 1000, got " + maxDelayMicros / 1000.0);
    }
  }
}
