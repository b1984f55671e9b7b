package dev.pier.api;

import dev.pier.kernel.security.Principal;
import jakarta.enterprise.context.RequestScoped;

/** The current request's principal and ids, set by {@link AuthFilter}; read by routes and the audit trail. */
@RequestScoped
public class Caller {
  /** Names the data subject a prediction is about (for erasure); the canary unit is used when it is absent. */
  static final String SUBJECT_HEADER = "X-Pier-Subject";
  static final String REQUEST_ID_HEADER = "X-Request-Id";
  private Principal principal;
  private String requestId;
  private String operation;
  private String subject;

  void set(Principal principal, String requestId, String operation, String subject) {
    this.principal = principal;
    this.requestId = requestId;
    this.operation = operation;
    this.subject = subject;
  }

  /** The caller; {@code system} outside a request (start-up seeding). */
  public String principalId() {
    return principal == null ? "system" : principal.id();
  }

  public Principal principal() {
    return principal;
  }

  /**
   * Whether this caller holds {@code permission} on {@code model}: what listings and searches filter their items by,
   * so a key scoped to some models sees only those. Outside a request (no principal) everything is visible.
   */
  public boolean allows(dev.pier.kernel.security.Permission permission, String model) {
    return principal == null || principal.allows(permission, model);
  }

  public String requestId() {
    if (requestId == null) {
      requestId = RequestIds.newId();
    }
    return requestId;
  }

  /** The resource method serving this request (e.g. {@code rollback}). */
  public String operation() {
    return operation;
  }

  public String subject() {
    return subject;
  }
}
