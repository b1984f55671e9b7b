package dev.pier.api.privacy;

import dev.pier.api.AuditTrail;
import dev.pier.api.Security;
import dev.pier.api.async.AsyncPlatform;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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

/**
 * Erasure of a data subject (GDPR art. 17): removes the records Pier holds about {@code subject} — the
 * prediction samples of the audit trail and async predictions — and reports what it removed. The erasure itself is audited, by the
 * subject's keyed hash, never its id.
 */
@Path("/api/v1/privacy/erasure")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class PrivacyResource {
  private static final ObjectMapper JSON = RequestJson.mapper();
  private final Security security;
  private final AuditTrail audit;
  private final AsyncPlatform async;

  public PrivacyResource(Security security, AuditTrail audit, AsyncPlatform async) {
    this.security = security;
    this.audit = audit;
    this.async = async;
  }

  /** {@code {"subject": "user-42"}}: the id sent as {@code X-Pier-Subject} (or as the canary unit) with predictions. */
  @POST
  @Authorize(Permission.PRIVACY)
  public String erase(byte[] body) {
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
    int asyncResults = async.predictions().eraseSubject(hash);
    audit.record("privacy.erasure", null, null, Map.of("subject_hash", hash, "audit_samples", Integer.toString(samples),
        "async_results", Integer.toString(asyncResults)));
    ObjectNode result = JSON.createObjectNode();
    result.put("subject_hash", hash);
    result.putObject("removed").put("audit_samples", samples).put("async_results", asyncResults);
    return result.toString();
  }
}
