package dev.pier.api;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

/**
 * Bounds every JSON request body by its route's limit while it is read, before any of it is parsed: a
 * {@code Content-Length} over the limit is answered 413 at once, without reading the body; a body without one
 * (chunked) is counted as it streams in and refused the moment it passes the limit. Either way the connection is
 * closed after the 413, so the rest of the body is never read. A chunked body within the limit is handed to JAX-RS
 * already read, as the routing context's body.
 *
 * <p>Limits: {@code pier.limits.infer-body-bytes} for inference ({@code /v2/…}, {@code /predict}),
 * {@code pier.limits.control-body-bytes} for everything else. Not bounded here: multipart registrations (their files
 * stream to disk; Quarkus' {@code max-body-size} and {@code max-form-attribute-size} apply) and
 * {@code predict-stream}, whose body is a stream read a block at a time with a bound per line, and MLflow artifact
 * uploads ({@code /api/2.0/mlflow-artifacts/…}), which stream to disk.
 */
@Singleton
public class BodyLimits {
  /**
   * After Quarkus' own {@code max-body-size} check (order -2), which would otherwise overwrite the limit for chunked
   * bodies; before JAX-RS (positive orders). {@link dev.pier.api.inference.InferRoute} (order -100) only takes bodies
   * whose Content-Length is within the inference limit.
   */
  private static final int ORDER = -1;

  private final long inferBodyBytes;
  private final long controlBodyBytes;

  public BodyLimits(PierConfig config) {
    this.inferBodyBytes = config.limits().inferBodyBytes();
    this.controlBodyBytes = config.limits().controlBodyBytes();
  }

  void register(@Observes Router router) {
    router.route().order(ORDER).handler(this::bound);
  }

  /** The route's limit in bytes, or -1 where this class does not bound the body. */
  long limitOf(String path, String contentType) {
    if (contentType != null && contentType.regionMatches(true, 0, "multipart/", 0, 10)) {
      return -1;
    }
    if (path.endsWith("/predict-stream")) {
      return -1;
    }
    if (path.startsWith("/api/2.0/mlflow-artifacts/")) {
      return -1; // MLflow artifact uploads (model files) stream to disk; Quarkus' max-body-size bounds them
    }
    return path.startsWith("/v2/") || path.endsWith("/predict") ? inferBodyBytes : controlBodyBytes;
  }

  private void bound(RoutingContext ctx) {
    HttpServerRequest http = ctx.request();
    if (http.method() == HttpMethod.GET || http.method() == HttpMethod.HEAD) {
      ctx.next();
      return;
    }
    long limit = limitOf(ctx.normalizedPath(), http.getHeader(HttpHeaders.CONTENT_TYPE));
    if (limit < 0) {
      ctx.next();
      return;
    }
    String length = http.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null) {
      long bytes;
      try {
        bytes = Long.parseLong(length.trim());
      } catch (NumberFormatException e) {
        refuse(ctx, 400, "invalid Content-Length: " + length);
        return;
      }
      if (bytes > limit) {
        refuse(ctx, 413, "request body of " + bytes + " bytes exceeds the limit of " + limit + " bytes for "
            + http.path());
      } else {
        ctx.next(); // HTTP framing ends the body at Content-Length: it cannot grow past the limit
      }
      return;
    }
    if (!"chunked".equalsIgnoreCase(http.getHeader(HttpHeaders.TRANSFER_ENCODING))) {
      ctx.next(); // no body
      return;
    }
    read(ctx, http, limit);
  }

  /** Reads a chunked body up to {@code limit} bytes, then hands it on; past the limit, answers 413. */
  private void read(RoutingContext ctx, HttpServerRequest http, long limit) {
    Buffer body = Buffer.buffer();
    http.handler(chunk -> {
      if (ctx.response().ended()) {
        return; // refused: the connection closes once the 413 is out
      }
      if (body.length() + (long) chunk.length() > limit) {
        refuse(ctx, 413, "request body exceeds the limit of " + limit + " bytes for " + http.path()
            + " (counted as it streamed in, without a Content-Length)");
        return;
      }
      body.appendBuffer(chunk);
    });
    http.endHandler(v -> {
      if (!ctx.response().ended()) {
        ctx.setBody(body);
        ctx.next();
      }
    });
    http.exceptionHandler(e -> {
      if (!ctx.response().ended()) { // after a 413 the connection closes under the client: nothing to report
        ctx.fail(400, e);
      }
    });
    if ("100-continue".equalsIgnoreCase(http.getHeader(HttpHeaders.EXPECT))) {
      http.response().writeContinue();
    }
    http.resume(); // Quarkus holds request bodies back until a handler asks for them
  }

  /** Answers as the route's API answers errors, then closes the connection instead of reading the rest. */
  private static void refuse(RoutingContext ctx, int status, String message) {
    ApiErrors.Body body = ApiErrors.body(ctx.normalizedPath(), status, message);
    HttpServerResponse response = ctx.response();
    response.setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, body.type().toString())
        .putHeader(HttpHeaders.CONNECTION, "close")
        .putHeader(RequestIds.HEADER, RequestIds.of(ctx.request().getHeader(RequestIds.HEADER)));
    response.endHandler(v -> ctx.request().connection().close());
    response.end(body.text());
  }
}
