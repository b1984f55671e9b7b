package dev.pier.api.security;

import dev.pier.api.ApiErrors;
import dev.pier.api.AuthFilter;
import dev.pier.api.Security;

import dev.pier.kernel.security.Credentials;
import dev.pier.kernel.security.Permission;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.Map;

/**
 * Puts {@code /q/metrics} behind the same check as the API while authentication is on: its series name every model
 * and its traffic. The caller needs the platform permission {@code metrics} (admins hold it; give a Prometheus
 * scraper a key with only {@code metrics}). Left open with authentication off, where only the local user can reach
 * the server. Lambda serves no {@code /q/metrics} (it reports through EMF), so this guards the plain server.
 */
@Singleton
public class MetricsAccess {
  /** Ahead of the metrics handler Quarkus registers on the same path. */
  private static final int ORDER = -200;
  static final String PATH = "/q/metrics";

  private final Security security;

  public MetricsAccess(Security security) {
    this.security = security;
  }

  void register(@Observes Router router) {
    if (!security.gatekeeper().authRequired()) {
      return;
    }
    router.route(PATH).order(ORDER).handler(this::admit);
    router.route(PATH + "/*").order(ORDER).handler(this::admit);
  }

  private void admit(RoutingContext ctx) {
    Credentials credentials = Credentials.from(ctx.request().headers()::get);
    Map<String, Object> claims = security.gatewayClaimsTrusted() ? AuthFilter.gatewayClaims(ctx.request().headers())
        : null;
    String source = AuthFilter.source(ctx.request());
    // an API key is a DynamoDB read, a JWT may need the issuer's keys: verified off the I/O thread
    ctx.vertx().executeBlocking(() -> security.gatekeeper().admit(credentials, claims, source, Permission.METRICS, null))
        .onSuccess(principal -> ctx.next())
        .onFailure(e -> deny(ctx, e));
  }

  private static void deny(RoutingContext ctx, Throwable e) {
    ApiErrors.Failure f = ApiErrors.Failure.of(ctx.normalizedPath(), e);
    var response = ctx.response().setStatusCode(f.status())
        .putHeader(HttpHeaders.CONTENT_TYPE, ApiErrors.PROBLEM_JSON.toString());
    if (f.header() != null) {
      response.putHeader(f.header(), f.headerValue());
    }
    response.end(ApiErrors.problem(f.status(), f.message()));
  }
}
