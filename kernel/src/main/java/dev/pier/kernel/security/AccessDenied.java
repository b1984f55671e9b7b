package dev.pier.kernel.security;

/**
 * Why a request may not go on: 401 (no or bad credentials), 403 (authenticated but not allowed) or 429 (over the
 * principal's rate limit, with the seconds to wait). REST maps the status as is; gRPC maps 401 to UNAUTHENTICATED,
 * 403 to PERMISSION_DENIED and 429 to RESOURCE_EXHAUSTED.
 */
public final class AccessDenied extends RuntimeException {
  private final int status;
  private final long retryAfterSeconds;

  private AccessDenied(int status, String message, long retryAfterSeconds) {
    super(message, null, false, false);
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public static AccessDenied unauthenticated(String message) {
    return new AccessDenied(401, message, 0);
  }

  public static AccessDenied forbidden(String message) {
    return new AccessDenied(403, message, 0);
  }

  public static AccessDenied rateLimited(String message, long retryAfterSeconds) {
    return new AccessDenied(429, message, retryAfterSeconds);
  }

  public int status() {
    return status;
  }

  /** Seconds to wait before retrying (429 only; 0 otherwise). */
  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
