package dev.pier.api;

import io.quarkus.arc.DefaultBean;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;

/**
 * Open (unauthenticated) mode's caller: the {@code X-Pier-User} header, or {@code local} without one. A bean backed
 * by real authentication replaces this one.
 */
@RequestScoped
@DefaultBean
public class OpenModeCaller implements CallerIdentity {
  static final String HEADER = "X-Pier-User";
  private static final int MAX_LENGTH = 128;

  @Inject RoutingContext request;

  @Override
  public String principal() {
    String user = request == null ? null : request.request().getHeader(HEADER);
    if (user == null || user.isBlank()) {
      return "local";
    }
    String trimmed = user.strip();
    return trimmed.length() > MAX_LENGTH ? trimmed.substring(0, MAX_LENGTH) : trimmed;
  }
}
