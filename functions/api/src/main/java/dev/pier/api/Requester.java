package dev.pier.api;

/**
 * Who asked for a prediction, as the audit trail and probe detection name them: the principal's id, the request id
 * answered in {@code X-Request-Id} (null outside a request) and the data subject ({@code X-Pier-Subject}, else the
 * canary unit; null when neither was sent).
 */
record Requester(String principal, String requestId, String subject) {
  static final Requester SYSTEM = new Requester("system", null, null);
}
