package dev.pier.sdk;

/**
 * An answer that was not 2xx: {@link #status()} is the HTTP status, {@link #detail()} the server's explanation (the
 * problem document's {@code detail}, or the body itself when it is not one), {@link #body()} the raw body.
 */
public final class PierApiException extends RuntimeException {
  private final int status;
  private final String detail;
  private final String body;

  public PierApiException(int status, String detail, String body) {
    super(status + ": " + detail);
    this.status = status;
    this.detail = detail;
    this.body = body;
  }

  public int status() {
    return status;
  }

  public String detail() {
    return detail;
  }

  public String body() {
    return body;
  }
}
