package dev.pier.batch;

import dev.pier.kernel.PierException;
import java.util.Locale;

/**
 * What runs a batch job: {@code lambda} (the batch-scoring state machine's worker Lambdas; the default) or
 * {@code spark} (the Spark connector: EMR Serverless in AWS, a local Spark session in local mode).
 */
public enum Engine {
  LAMBDA,
  SPARK;

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The engine a request names; null or blank is {@link #LAMBDA}. */
  public static Engine parse(String s) {
    if (s == null || s.isBlank()) {
      return LAMBDA;
    }
    try {
      return valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw PierException.badRequest("engine must be lambda or spark, not '" + s + "'");
    }
  }
}
