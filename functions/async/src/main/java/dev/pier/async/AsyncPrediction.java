package dev.pier.async;

import java.time.Instant;

/**
 * One async prediction as stored. The request itself is not part of the value (it is read only by the worker and
 * deleted once the prediction is done); the result is either {@link #result()} inline or under {@link #resultKey()}
 * in S3.
 *
 * @param version the version resolved at submission, so an alias moved afterwards does not change the answer
 * @param subjectHash the keyed hash of the data subject (never the id), for erasure; null when none was named
 * @param result the OIP response JSON, PII-masked, when small enough to keep in the record; else null
 * @param resultKey the S3 key of a large result; else null
 * @param expiresAt when DynamoDB's TTL removes the record (and, by lifecycle rule, S3 its objects)
 */
public record AsyncPrediction(
    String id,
    String model,
    int version,
    AsyncState state,
    Instant createdAt,
    Instant updatedAt,
    int attempts,
    String requestHash,
    String subjectHash,
    String callbackUrl,
    String result,
    String resultKey,
    String error,
    Instant expiresAt) {}
