package dev.pier.async;

import java.time.Duration;

/**
 * @param lease how long a claimed prediction is its worker's; afterwards another worker may take it over. Set it to
 *     the queue's visibility timeout, so a message comes back about when its lease runs out
 * @param maxAttempts claims before a prediction that keeps failing with a server error is marked FAILED
 * @param retention how long records and results are kept (DynamoDB TTL; the S3 lifecycle rule in AWS)
 * @param inlineBytes requests and results up to this size live in the DynamoDB item, larger ones in S3 (an item is
 *     capped at 400 KB, and the record carries more than the body)
 */
public record AsyncSettings(Duration lease, int maxAttempts, Duration retention, int inlineBytes) {
  public static final int DEFAULT_INLINE_BYTES = 64 * 1024;

  public AsyncSettings {
    if (lease.isNegative() || lease.isZero() || maxAttempts < 1 || retention.isNegative() || retention.isZero()) {
      throw new IllegalArgumentException("async settings: lease and retention must be positive, attempts at least 1");
    }
    if (inlineBytes < 0 || inlineBytes > 256 * 1024) {
      throw new IllegalArgumentException("async settings: inline limit must be 0..262144 bytes, got " + inlineBytes);
    }
  }
}
