package dev.pier.api.security;

import dev.pier.security.Gatekeeper;
import dev.pier.api.Caller;

import dev.pier.kernel.security.CallerIdentity;
import dev.pier.kernel.security.Permission;
import io.quarkus.arc.DefaultBean;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;

/**
 * The principal registry changes, reviews and audit entries name. With authentication on it is the authenticated
 * caller and nothing the client says can change it; in open local mode it is the {@code X-Pier-User} header, or
 * {@code local} without one.
 */
@RequestScoped
@DefaultBean
public class OpenModeCaller implements CallerIdentity {
  static final String HEADER = "X-Pier-User";
  private static final int MAX_LENGTH = 128;

  @Inject RoutingContext request;
  @Inject Caller caller;
  @Inject Gatekeeper gatekeeper;

  @Override
  public String principal() {
    if (gatekeeper.authRequired()) {
      return caller.principalId();
    }
    String user = request == null ? null : request.request().getHeader(HEADER);
    if (user == null || user.isBlank()) {
      return "local";
    }
    String trimmed = user.strip();
    return trimmed.length() > MAX_LENGTH ? trimmed.substring(0, MAX_LENGTH) : trimmed;
  }

  @Override
  public boolean allows(Permission permission, String model) {
    return caller.allows(permission, model);
  }
}
