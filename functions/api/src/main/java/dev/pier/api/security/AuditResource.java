package dev.pier.api.security;

import dev.pier.api.Security;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.kernel.PierException;
import dev.pier.security.audit.AuditJson;
import dev.pier.security.audit.AuditLog;
import dev.pier.security.audit.AuditQuery;
import dev.pier.security.audit.AuditJson;
import dev.pier.security.audit.AuditLog;
import dev.pier.security.audit.AuditQuery;
import dev.pier.kernel.security.Authorize;
import dev.pier.kernel.security.Permission;
import dev.pier.kernel.paging.PageSize;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The audit trail, newest first, per model and/or per principal. Admins only. */
@Tag(name = "Security")
@Path("/api/v1/audit")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class AuditResource {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final AuditLog log;

  public AuditResource(Security security) {
    this.log = security.audit();
  }

  @APIResponse(responseCode = "200", description = "The matching audit events",
      content = @Content(mediaType = "application/json",
          schema = @Schema(type = SchemaType.OBJECT, description = "{entries: [{id, at, principal, action, model,"
              + " version, request_id, subject, input_sha256, input, details}]}")))
  @Operation(summary = "Query the audit trail")
  @GET
  @Authorize(Permission.AUDIT)
  public String query(@QueryParam("model") String model, @QueryParam("principal") String principal,
      @QueryParam("samples") @DefaultValue("true") boolean samples,
      @QueryParam(PageSize.PARAM) String maxResults) {
    PageSize size = PageSize.parse(maxResults);
    if (log == null) {
      throw PierException.notImplemented("the audit trail has no queryable store here (set pier.audit.bucket)");
    }
    ObjectNode body = JSON.createObjectNode();
    ArrayNode entries = body.putArray("entries");
    try {
      for (var e : log.query(new AuditQuery(model, principal, samples, size.value()))) {
        entries.add(JSON.readTree(AuditJson.write(e)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return body.toString();
  }
}
