package dev.pier.training.http;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import dev.pier.kernel.PierException;
import dev.pier.kernel.security.Authorize;
import dev.pier.kernel.security.Permission;
import dev.pier.training.cost.CostReport;
import dev.pier.training.jobs.TrainingJobs;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Map;

/** {@code GET /api/v1/costs?project=&since=}: training cost totals per project and job (see {@link CostReport}). */
@Tag(name = "Training")
@Path("/api/v1/costs")
@Produces(MediaType.APPLICATION_JSON)
public class CostResource {
  @Inject TrainingJobs jobs;
  @Inject dev.pier.kernel.security.CallerIdentity caller;
  @Inject @Named("pier.training.budgets") Map<String, Double> budgets;

  @Operation(summary = "Training costs per job and project, with the projects over budget")
  @GET
  @Authorize(value = Permission.READ, anyModel = true)
  public CostReport costs(@QueryParam("project") String project, @QueryParam("since") String since) {
    return CostReport.of(jobs.list(null, null, null).stream()
        .filter(j -> JobGrants.visible(caller, j)).toList(), project, since(since), budgets);
  }

  /** An ISO instant or date (UTC midnight); null for all time. */
  private static Instant since(String s) {
    if (s == null || s.isBlank()) {
      return null;
    }
    try {
      return s.length() == 10 ? LocalDate.parse(s).atStartOfDay(ZoneOffset.UTC).toInstant() : Instant.parse(s);
    } catch (DateTimeParseException e) {
      throw PierException.badRequest("since must be an ISO date (2026-12-01) or instant (2026-12-01T00:00:00Z), not '"
          + s + "'");
    }
  }
}
