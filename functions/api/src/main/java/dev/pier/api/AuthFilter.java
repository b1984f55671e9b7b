package dev.pier.api;

import dev.pier.api.security.OpenRoutes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.kernel.security.AccessDenied;
import dev.pier.kernel.security.Authorize;
import dev.pier.kernel.security.Credentials;
import dev.pier.security.Gatekeeper;
import dev.pier.kernel.security.Principal;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.quarkus.vertx.http.runtime.QuarkusHttpHeaders;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import jakarta.ws.rs.Priorities;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import java.lang.reflect.Method;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.Function;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Every REST route's one policy check, in two steps. Before a request is matched to a route — so before its method,
 * media types or body are looked at — {@link #identify} asks the {@link Gatekeeper} who is calling: without valid
 * credentials the answer is 401 (429 for a source that failed too often, or a caller over its rate) whatever the
 * request is, unless it is one of the {@link OpenRoutes}. Once matched, {@link #authorize} checks the route's {@link
 * Authorize} permission on its {@code {model}} and records the principal in {@link Caller}. Denials are {@link
 * AccessDenied}, mapped by {@link ApiErrors} to 401/403/429 in the route's error format.
 */
public class AuthFilter {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The Lambda handlers' request context objects (only in the -Plambda build, so found by name): HTTP, REST APIs. */
  private static final java.util.Set<String> GATEWAY_CONTEXTS = java.util.Set.of(
      "com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent$RequestContext",
      "com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent$ProxyRequestContext");
  /** Request property carrying the principal from {@link #identify} to {@link #authorize}. */
  private static final String PRINCIPAL = "pier.principal";

  @Inject Security security;
  @Inject Caller caller;
  @Inject CurrentVertxRequest vertx;
  @Inject OpenRoutes open;

  /**
   * Authenticates before matching. Runs on the I/O thread, so credentials that need a store or the issuer's keys (an
   * API key's DynamoDB read, a JWKS fetch) are verified on a worker thread, where the request then goes on; a
   * request without credentials costs nothing extra.
   */
  @ServerRequestFilter(preMatching = true, priority = Priorities.AUTHENTICATION)
  public Uni<Void> identify(ContainerRequestContext request) {
    if (open.contains(request.getMethod(), request.getUriInfo().getPath())) {
      return null;
    }
    Gatekeeper gatekeeper = security.gatekeeper();
    Credentials credentials = Credentials.from(request::getHeaderString);
    var current = vertx.getCurrent();
    Map<String, Object> claims = security.gatewayClaimsTrusted() && current != null
        ? gatewayClaims(current.request().headers()) : null;
    if (credentials instanceof Credentials.None || claims != null) {
      request.setProperty(PRINCIPAL, gatekeeper.identify(credentials, claims, null)); // nothing presented can fail
      return null;
    }
    String source = current == null ? null : source(current.request());
    return Uni.createFrom().item(() -> gatekeeper.identify(credentials, null, source))
        .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
        .onItem().invoke(principal -> request.setProperty(PRINCIPAL, principal))
        .replaceWithVoid();
  }

  /** The route's permission, for the caller {@link #identify} found. */
  @ServerRequestFilter
  public void authorize(ContainerRequestContext request, ResourceInfo resource) {
    Method method = resource.getResourceMethod();
    if (method == null) {
      return;
    }
    Authorize rule = method.getAnnotation(Authorize.class);
    if (rule != null && rule.open()) {
      return;
    }
    if (!(request.getProperty(PRINCIPAL) instanceof Principal principal)) {
      // OpenRoutes is built from the same annotations, so only a route it missed gets here
      throw new IllegalStateException(request.getMethod() + " " + request.getUriInfo().getPath()
          + " reached authorization without authentication");
    }
    if (rule == null) {
      if (principal.kind() != Principal.Kind.OPEN) {
        throw AccessDenied.forbidden(request.getMethod() + " " + request.getUriInfo().getPath()
            + " declares no permission, so it is closed while authentication is on");
      }
    } else if (rule.anyModel()) {
      Gatekeeper.authorizeSomeModel(principal, rule.value());
    } else {
      Gatekeeper.authorize(principal, rule.value(), request.getUriInfo().getPathParameters().getFirst("model"));
    }
    String subject = subject(request::getHeaderString);
    // the id RequestIds answered in X-Request-Id (the caller's, when sane), so audit entries quote the same one
    Object requestId = request.getProperty(RequestIds.HEADER);
    caller.set(principal, requestId instanceof String id ? id : request.getHeaderString(Caller.REQUEST_ID_HEADER),
        method.getName(), subject);
  }

  /**
   * The client's address as the failed-authentication limit counts it: the connection's peer, or in Lambda the source
   * IP API Gateway saw ({@code requestContext.http.sourceIp}; {@code identity.sourceIp} in a REST API's event); null
   * when neither is known, which the limit counts in one bucket shared by all such requests (never unlimited).
   */
  public static String source(HttpServerRequest request) {
    SocketAddress address = request.remoteAddress();
    if (address != null && address.hostAddress() != null && !address.hostAddress().isEmpty()) {
      return address.hostAddress();
    }
    JsonNode context = gatewayContext(request.headers());
    if (context == null) {
      return null;
    }
    String ip = context.path("http").path("sourceIp").asText("");
    ip = ip.isEmpty() ? context.path("identity").path("sourceIp").asText("") : ip;
    return ip.isEmpty() ? null : ip;
  }

  /**
   * The claims API Gateway's JWT authorizer verified, from the Lambda event's request context
   * ({@code requestContext.authorizer.jwt.claims}); null outside Lambda or on routes without the authorizer.
   * Only the Lambda handler can put the context object there, so a client cannot forge it.
   */
  public static Map<String, Object> gatewayClaims(MultiMap requestHeaders) {
    JsonNode context = gatewayContext(requestHeaders);
    JsonNode jwt = context == null ? null : context.path("authorizer").path("jwt").path("claims");
    if (jwt == null || !jwt.isObject() || jwt.isEmpty()) {
      return null;
    }
    Map<String, Object> claims = new HashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = jwt.fields(); it.hasNext(); ) {
      var claim = it.next();
      claims.put(claim.getKey(), claim.getValue().isTextual() ? claim.getValue().asText() : claim.getValue().toString());
    }
    return claims;
  }

  /** The Lambda event's request context as JSON (put there by the Lambda handler only); null outside Lambda. */
  private static JsonNode gatewayContext(MultiMap requestHeaders) {
    if (!(requestHeaders instanceof QuarkusHttpHeaders headers)) {
      return null;
    }
    for (var entry : headers.getContextObjects().entrySet()) {
      if (GATEWAY_CONTEXTS.contains(entry.getKey().getName())) {
        return JSON.valueToTree(entry.getValue());
      }
    }
    return null;
  }

  /** The data subject a request names: {@code X-Pier-Subject}, else its canary unit header; null for neither. */
  public static String subject(Function<String, String> header) {
    String subject = header.apply(Caller.SUBJECT_HEADER);
    return subject != null ? subject : header.apply(dev.pier.api.inference.InferenceResource.UNIT_HEADER);
  }
}
