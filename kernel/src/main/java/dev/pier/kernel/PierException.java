package dev.pier.kernel;

/**
 * A failure the caller can act on, carrying the HTTP status that describes it and a message that names
 * what was wrong ("input 'x': shape [2,3] has 6 elements but data has 5"). The REST, gRPC and Lambda
 * front ends map it to their own error formats; everything else in Pier throws it and nothing more specific.
 */
public final class PierException extends RuntimeException {
  private final int status;
  private final long retryAfterSeconds;

  public PierException(int status, String message) {
    super(message, null, false, false); // stack traces are noise for client errors and cost time on the hot path
    this.status = status;
    this.retryAfterSeconds = 0;
  }

  public PierException(int status, String message, Throwable cause) {
    super(message, cause);
    this.status = status;
    this.retryAfterSeconds = 0;
  }

  /**
   * A 429 or 503 that knows when to try again (a paused circuit, a model scaling out from zero): the REST front end
   * sends it as {@code Retry-After}.
   */
  public PierException(int status, String message, long retryAfterSeconds) {
    super(message, null, false, false);
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** The HTTP status: 4xx for problems the caller can fix, 5xx for ours. */
  public int status() {
    return status;
  }

  /** Seconds after which the caller may try again; 0 when the failure does not say. */
  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }

  public static PierException badRequest(String message) {
    return new PierException(400, message);
  }

  public static PierException notFound(String message) {
    return new PierException(404, message);
  }

  public static PierException conflict(String message) {
    return new PierException(409, message);
  }

  public static PierException unprocessable(String message) {
    return new PierException(422, message);
  }

  public static PierException notImplemented(String message) {
    return new PierException(501, message);
  }

  public static PierException unavailable(String message, Throwable cause) {
    return new PierException(503, message, cause);
  }
}
