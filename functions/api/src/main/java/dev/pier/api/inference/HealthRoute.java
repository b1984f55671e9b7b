package dev.pier.api.inference;

import dev.pier.api.RequestIds;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

/**
 * {@code GET}/{@code HEAD /v2/health/live} and {@code /v2/health/ready} answered by a Vert.x route on the HTTP I/O
 * thread, ahead of JAX-RS: the answer is a constant, so it never blocks, never waits for a worker thread and never
 * goes through JAX-RS' filter chain. A probe therefore answers while every worker thread is busy scoring and every
 * model's permits are held (overload is answered with 429s, not with a failed probe that would restart a busy
 * server). Same answers as {@link InferenceResource#live()} and {@link InferenceResource#ready()}, which stay the
 * routes' OpenAPI description: OIP's {@code {"live":true}} / {@code {"ready":true}}, {@code X-Request-Id}, open with
 * or without authentication (credentials sent are ignored, as on every open route).
 *
 * <p>Readiness means the server took its configuration and is serving HTTP; a model's own readiness is
 * {@code GET /v2/models/{m}/ready}.
 */
@Singleton
public class HealthRoute {
  /** Before everything else the server routes, {@link InferRoute} included. */
  private static final int ORDER = -300;
  private static final CharSequence REQUEST_ID = HttpHeaders.createOptimized(RequestIds.HEADER);
  private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");
  private static final Buffer LIVE = Buffer.buffer("{\"live\":true}");
  private static final Buffer READY = Buffer.buffer("{\"ready\":true}");

  void register(@Observes Router router) {
    router.route("/v2/health/live").method(HttpMethod.GET).method(HttpMethod.HEAD).order(ORDER)
        .handler(ctx -> answer(ctx, LIVE));
    router.route("/v2/health/ready").method(HttpMethod.GET).method(HttpMethod.HEAD).order(ORDER)
        .handler(ctx -> answer(ctx, READY));
  }

  private static void answer(RoutingContext ctx, Buffer body) {
    ctx.response()
        .putHeader(REQUEST_ID, RequestIds.of(ctx.request().getHeader(REQUEST_ID)))
        .putHeader(HttpHeaders.CONTENT_TYPE, JSON)
        .end(body.copy());
  }
}
