package dev.pier.api.privacy;

import dev.pier.async.AsyncPredictions;
import dev.pier.api.AuditTrail;
import dev.pier.api.Security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.pier.kernel.PierException;
import dev.pier.kernel.json.RequestJson;
import dev.pier.security.audit.AuditLog;
import dev.pier.security.audit.AuditLog;
import dev.pier.kernel.security.Authorize;
import dev.pier.kernel.security.Permission;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Erasure of a data subject (GDPR art. 17): removes the records Pier holds about {@code subject} — the
 * prediction samples of the audit trail and async predictions — and reports what it removed. The erasure itself is audited, by the
 * subject's keyed hash, never its id.
 */
@Tag(name = "Privacy")
@Path("/api/v1/privacy/erasure")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class PrivacyResource {
  private static final ObjectMapper JSON = RequestJson.mapper();
  private final Security security;
  private final AuditTrail audit;
  private final AsyncPredictions asyncPredictions;

  public PrivacyResource(Security security, AuditTrail audit, AsyncPredictions asyncPredictions) {
    this.security = security;
    this.audit = audit;
    this.asyncPredictions = asyncPredictions;
  }

  /** {@code {"subject": "user-42"}}: the id sent as {@code X-Pier-Subject} (or as the canary unit) with predictions. */
  @Operation(summary = "Erase a data subject's records")
  @POST
  @Authorize(Permission.PRIVACY)
  public Erasure erase(byte[] body) {
    String subject;
    try {
      JsonNode request = JSON.readTree(body == null ? new byte[0] : body);
      subject = request == null ? null : request.path("subject").asText(null);
    } catch (IOException e) {
      throw RequestJson.malformed(e);
    }
    if (subject == null || subject.isBlank()) {
      throw PierException.badRequest("'subject' (the data subject's id) is required");
    }
    String hash = security.subjects().of(subject);
    AuditLog log = security.audit();
    int samples = log == null ? 0 : log.eraseSubject(hash);
    int asyncResults = asyncPredictions.eraseSubject(hash);
    audit.record("privacy.erasure", null, null, Map.of("subject_hash", hash, "audit_samples", Integer.toString(samples),
        "async_results", Integer.toString(asyncResults)));
    return new Erasure(hash, new Erasure.Removed(samples, asyncResults));
  }

  /** What an erasure removed, for the subject's keyed hash (the id itself is never kept). */
  public record Erasure(@JsonProperty("subject_hash") String subjectHash, Removed removed) {
    public record Removed(@JsonProperty("audit_samples") int auditSamples,
        @JsonProperty("async_results") int asyncResults) {}
  }
}
