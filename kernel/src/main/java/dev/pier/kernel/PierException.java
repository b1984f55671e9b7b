package dev.pier.kernel;

/**
 * A failure the caller can act on, carrying the HTTP status that describes it and a message that names
 * what was wrong ("input 'x': shape [2,3] has 6 elements but data has 5"). The REST, gRPC and Lambda
 * front ends map it to their own error formats; everything else in Pier throws it and nothing more specific.
 */
public final class PierException extends RuntimeException {
  private final int status;

  public PierException(int status, String message) {
    super(message, null, false, false); // stack traces are noise for client errors and cost time on the hot path
    this.status = status;
  }

  public PierException(int status, String message, Throwable cause) {
    super(message, cause);
    this.status = status;
  }

  /** The HTTP status: 4xx for problems the caller can fix, 5xx for ours. */
  public int status() {
    return status;
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
