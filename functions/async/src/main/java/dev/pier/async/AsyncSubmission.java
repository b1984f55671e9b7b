package dev.pier.async;

/**
 * A validated prediction request to run later.
 *
 * @param version the resolved version number (never an alias)
 * @param request the OIP request body as sent
 * @param requestHash identifies the request for {@code Idempotency-Key} (model, reference and body)
 * @param idempotencyKey the caller's key, already scoped to the caller; null without one
 * @param subjectHash keyed hash of the data subject; null without one
 * @param callbackUrl where to POST the result once done; null without one
 */
public record AsyncSubmission(
    String model,
    int version,
    byte[] request,
    String requestHash,
    String idempotencyKey,
    String subjectHash,
    String callbackUrl) {}
