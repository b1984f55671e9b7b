package dev.pier.security.audit;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.Map;

/**
 * One entry of the audit trail: a state change (a version registered, an alias moved, a key created…) or a sampled
 * prediction. Free text is masked for personal data before it gets here; a prediction's input appears only as its
 * SHA-256 unless raw-input capture is enabled, and then masked.
 *
 * @param action dotted name: {@code version.register}, {@code alias.set}, {@code alias.rollback},
 *     {@code key.create}, {@code key.revoke}, {@code privacy.erasure}, {@code predict}
 * @param subject the data subject as a keyed hash ({@link dev.pier.security.privacy.SubjectHash}), or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AuditEvent(
    String id,
    Instant at,
    String principal,
    String action,
    String model,
    Integer version,
    @JsonProperty("request_id") String requestId,
    String subject,
    @JsonProperty("input_sha256") String inputSha256,
    String input,
    Map<String, String> details) {

  public static final String PREDICT = "predict";

  /** Predictions are samples: erasable and expiring; everything else is a state change, kept append-only. */
  public boolean sample() {
    return PREDICT.equals(action);
  }
}
