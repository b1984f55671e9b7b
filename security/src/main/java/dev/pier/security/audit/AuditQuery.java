package dev.pier.security.audit;

/**
 * Which entries to return, newest first. Null fields match everything.
 *
 * @param samples whether sampled predictions are included
 */
public record AuditQuery(String model, String principal, boolean samples, int limit) {

  public boolean matches(AuditEvent e) {
    return (model == null || model.equals(e.model())) && (principal == null || principal.equals(e.principal()))
        && (samples || !e.sample());
  }
}
