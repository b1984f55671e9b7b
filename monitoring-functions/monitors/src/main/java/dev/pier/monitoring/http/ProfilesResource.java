package dev.pier.monitoring.http;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.pier.kernel.PierException;
import dev.pier.kernel.security.Authorize;
import dev.pier.kernel.security.Permission;
import dev.pier.monitoring.profile.ProfileStore;
import dev.pier.monitoring.profile.ProfileSummary;
import dev.pier.registry.ModelRegistry;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /api/v1/profiles/{model}/{version}?from=…&to=…}: the hourly profiles of a version's captured predictions
 * (default: the last 24 hours), one summary per hour that has any. {@code version} is a number or an alias.
 */
@Tag(name = "Monitoring")
@Path("/api/v1/profiles/{model}/{version}")
@Produces(MediaType.APPLICATION_JSON)
public class ProfilesResource {
  /** Hours listed at most per request: each is one S3 listing and its objects. */
  static final Duration MAX_SPAN = Duration.ofDays(7);

  @Inject ProfileStore profiles;
  @Inject ModelRegistry registry;

  @APIResponse(responseCode = "200", description = "One profile summary per hour",
      content = @Content(mediaType = "application/json",
          schema = @Schema(type = SchemaType.OBJECT,
              description = "{model, version, hours: [one profile summary per hour: its rows and per-column"
                  + " statistics]}")))
  @Operation(summary = "Hourly profiles of a version's captured predictions")
  @GET
  @Authorize(Permission.READ)
  public com.fasterxml.jackson.databind.JsonNode hourly(@PathParam("model") String model, @PathParam("version") String version,
      @QueryParam("from") String from, @QueryParam("to") String to) {
    int v = registry.resolve(model, version).version();
    Instant end = to == null ? Instant.now() : time("to", to);
    Instant start = from == null ? end.minus(Duration.ofHours(24)) : time("from", from);
    if (!start.isBefore(end)) {
      throw PierException.badRequest("from must be before to");
    }
    if (Duration.between(start, end).compareTo(MAX_SPAN) > 0) {
      throw PierException.badRequest("from and to may be at most 7 days apart");
    }
    List<ProfileSummary> hours = profiles.hourly(model, v, start, end).entrySet().stream()
        .map(e -> ProfileSummary.of(e.getKey(), e.getValue())).toList();
    return dev.pier.monitoring.MonitoringJson.MAPPER.valueToTree(Map.of("model", model, "version", v, "hours", hours));
  }

  private static Instant time(String field, String text) {
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw PierException.badRequest(field + " must be an ISO-8601 time such as 2026-12-06T10:00:00Z; got '" + text
          + "'");
    }
  }
}
