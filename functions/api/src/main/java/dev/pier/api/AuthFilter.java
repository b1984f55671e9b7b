package dev.pier.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.kernel.security.AccessDenied;
import dev.pier.kernel.security.Credentials;
import dev.pier.kernel.security.Gatekeeper;
import dev.pier.kernel.security.Principal;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.quarkus.vertx.http.runtime.QuarkusHttpHeaders;
import io.vertx.core.MultiMap;
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
 * Every REST route's one policy check: reads the credentials, asks the {@link Gatekeeper} to admit the caller for
 * the route's {@link Authorize} permission on its {@code {model}}, and records the principal in {@link Caller}.
 * Denials are {@link AccessDenied}, mapped by {@link ApiErrors} to 401/403/429 in the route's error format.
 */
public class AuthFilter {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The Lambda handler's request context object (only in the -Plambda build, so found by name). */
  private static final String GATEWAY_CONTEXT =
      "com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent$RequestContext";

  @Inject Security security;
  @Inject Caller caller;
  @Inject CurrentVertxRequest vertx;

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
    Gatekeeper gatekeeper = security.gatekeeper();
    Credentials credentials = Credentials.from(request::getHeaderString);
    var current = vertx.getCurrent();
    Map<String, Object> claims = security.gatewayClaimsTrusted() && current != null
        ? gatewayClaims(current.request().headers()) : null;
    Principal principal;
    if (rule == null) {
      principal = gatekeeper.authenticate(credentials, claims);
      if (principal.kind() != Principal.Kind.OPEN) {
        throw AccessDenied.forbidden(request.getMethod() + " " + request.getUriInfo().getPath()
            + " declares no permission, so it is closed while authentication is on");
      }
    } else if (rule.anyModel()) {
      principal = gatekeeper.admitForSomeModel(credentials, claims, rule.value());
    } else {
      String model = request.getUriInfo().getPathParameters().getFirst("model");
      principal = gatekeeper.admit(credentials, claims, rule.value(), model);
    }
    String subject = subject(request::getHeaderString);
    // the id RequestIds answered in X-Request-Id (the caller's, when sane), so audit entries quote the same one
    Object requestId = request.getProperty(RequestIds.HEADER);
    caller.set(principal, requestId instanceof String id ? id : request.getHeaderString(Caller.REQUEST_ID_HEADER),
        method.getName(), subject);
  }

  /**
   * The claims API Gateway's JWT authorizer verified, from the Lambda event's request context
   * ({@code requestContext.authorizer.jwt.claims}); null outside Lambda or on routes without the authorizer.
   * Only the Lambda handler can put the context object there, so a client cannot forge it.
   */
  static Map<String, Object> gatewayClaims(MultiMap requestHeaders) {
    if (!(requestHeaders instanceof QuarkusHttpHeaders headers)) {
      return null;
    }
    for (var entry : headers.getContextObjects().entrySet()) {
      if (entry.getKey().getName().equals(GATEWAY_CONTEXT)) {
        JsonNode jwt = JSON.valueToTree(entry.getValue()).path("authorizer").path("jwt").path("claims");
        if (!jwt.isObject() || jwt.isEmpty()) {
          return null;
        }
        Map<String, Object> claims = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = jwt.fields(); it.hasNext(); ) {
          var claim = it.next();
          claims.put(claim.getKey(), claim.getValue().isTextual() ? claim.getValue().asText() : claim.getValue().toString());
        }
        return claims;
      }
    }
    return null;
  }

  /** The data subject a request names: {@code X-Pier-Subject}, else its canary unit header; null for neither. */
  static String subject(Function<String, String> header) {
    String subject = header.apply(Caller.SUBJECT_HEADER);
    return subject != null ? subject : header.apply(InferenceResource.UNIT_HEADER);
  }
}
