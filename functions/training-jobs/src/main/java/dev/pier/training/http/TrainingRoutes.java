package dev.pier.training.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.pier.kernel.PierException;
import dev.pier.kernel.security.AccessDenied;
import dev.pier.kernel.security.CallerIdentity;
import dev.pier.kernel.security.Grant;
import dev.pier.kernel.security.Principal;
import dev.pier.training.datasets.Datasets;
import dev.pier.training.jobs.TrainingJobs;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Training's REST routes served outside the HTTP server: the API Lambda, which does not carry training (its trainer
 * and DuckDB), forwards {@code /api/v1/training-jobs|datasets|costs} requests to the training worker Lambda, which
 * answers them here with the same resources the plain server serves ({@link TrainingJobResource},
 * {@link DatasetResource}, {@link CostResource}): the same validation (400s before anything is recorded or started),
 * the same per-job grants, the same JSON. The route-level {@code @Authorize} check stays with the API Lambda, which
 * authenticated the caller; the caller's principal and grants travel with the request.
 *
 * <p>Request: {@code {"route": {"method", "path", "query": {name: value}, "body": "<text>"}, "caller":
 * {"principal", "grants": ["permission:pattern", …]}}}. Answer: {@code {"status", "location"?, "body": <JSON>}}, or
 * {@code {"status", "error"}} for a refusal (the status and message the server would answer).
 */
public final class TrainingRoutes {
  private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
  private static final Pattern JOB = Pattern.compile("/api/v1/training-jobs/([^/]+)");
  private static final Pattern CANCEL = Pattern.compile("/api/v1/training-jobs/([^/]+)/cancel");
  private static final Pattern VERSIONS = Pattern.compile("/api/v1/datasets/([^/]+)/versions");
  private static final Pattern VERSION = Pattern.compile("/api/v1/datasets/([^/]+)/versions/([^/]+)");

  private final TrainingJobs jobs;
  private final Datasets datasets;
  private final Map<String, Double> budgets;

  public TrainingRoutes(TrainingJobs jobs, Datasets datasets, Map<String, Double> budgets) {
    this.jobs = jobs;
    this.datasets = datasets;
    this.budgets = Map.copyOf(budgets);
  }

  /** Whether {@code event} is a forwarded request rather than a workflow task. */
  public static boolean isRoute(JsonNode event) {
    return event.has("route");
  }

  public ObjectNode handle(JsonNode event) {
    try {
      return serve(event.path("route"), identity(event.path("caller")));
    } catch (PierException e) {
      return error(e.status(), e.getMessage());
    } catch (AccessDenied e) {
      return error(e.status(), e.getMessage());
    }
  }

  private ObjectNode serve(JsonNode route, CallerIdentity caller) {
    String method = route.path("method").asText();
    String path = route.path("path").asText().replaceAll("/+$", "");
    JsonNode query = route.path("query");
    String body = route.path("body").isTextual() ? route.path("body").asText() : null;
    Matcher m;
    if (path.equals("/api/v1/training-jobs")) {
      TrainingJobResource r = jobResource(caller);
      if (method.equals("POST")) {
        ObjectNode job = r.submitted(body);
        return answer(201, job).put("location", "/api/v1/training-jobs/" + job.path("id").asText());
      }
      if (method.equals("GET")) {
        return answer(200, r.list(q(query, "project"), q(query, "state"), q(query, "name"),
            q(query, dev.pier.kernel.paging.PageSize.PARAM), q(query, "page_token")));
      }
    } else if ((m = CANCEL.matcher(path)).matches()) {
      if (method.equals("POST")) {
        return answer(200, jobResource(caller).cancel(m.group(1)));
      }
    } else if ((m = JOB.matcher(path)).matches()) {
      if (method.equals("GET")) {
        return answer(200, jobResource(caller).get(m.group(1)));
      }
    } else if (path.equals("/api/v1/datasets")) {
      if (method.equals("POST")) {
        var v = datasetResource().recorded(parse(body));
        return answer(201, v).put("location", DatasetResource.location(v));
      }
      if (method.equals("GET")) {
        return answer(200, datasetResource().list());
      }
    } else if ((m = VERSIONS.matcher(path)).matches()) {
      if (method.equals("GET")) {
        return answer(200, datasetResource().versions(m.group(1)));
      }
    } else if ((m = VERSION.matcher(path)).matches()) {
      if (method.equals("GET")) {
        return answer(200, datasetResource().version(m.group(1), m.group(2)));
      }
    } else if (path.equals("/api/v1/costs")) {
      if (method.equals("GET")) {
        CostResource r = new CostResource();
        r.jobs = jobs;
        r.caller = caller;
        r.budgets = budgets;
        return answer(200, r.costs(q(query, "project"), q(query, "since")));
      }
    } else {
      throw PierException.notFound("no training route " + path);
    }
    throw new PierException(405, method + " is not served on " + path);
  }

  private TrainingJobResource jobResource(CallerIdentity caller) {
    TrainingJobResource r = new TrainingJobResource();
    r.jobs = jobs;
    r.caller = caller;
    return r;
  }

  private DatasetResource datasetResource() {
    DatasetResource r = new DatasetResource();
    r.datasets = datasets;
    return r;
  }

  private static CallerIdentity identity(JsonNode caller) {
    String principal = caller.path("principal").asText("");
    if (principal.isBlank()) {
      throw new PierException(400, "a forwarded training request names no caller");
    }
    List<Grant> grants = new ArrayList<>();
    caller.path("grants").forEach(g -> grants.add(Grant.parse(g.asText())));
    Principal p = new Principal(principal, Principal.Kind.GATEWAY, grants);
    return new CallerIdentity() {
      @Override
      public String principal() {
        return p.id();
      }

      @Override
      public boolean allows(dev.pier.kernel.security.Permission permission, String model) {
        return p.allows(permission, model);
      }
    };
  }

  private static JsonNode parse(String body) {
    try {
      return body == null || body.isBlank() ? null : JSON.readTree(body);
    } catch (java.io.IOException e) {
      throw PierException.badRequest("the request body is not JSON: " + e.getMessage().lines().findFirst().orElse(""));
    }
  }

  private static String q(JsonNode query, String name) {
    JsonNode v = query.get(name);
    return v == null || v.isNull() ? null : v.asText();
  }

  private static ObjectNode answer(int status, Object entity) {
    ObjectNode out = JSON.createObjectNode().put("status", status);
    out.set("body", JSON.valueToTree(entity));
    return out;
  }

  private static ObjectNode error(int status, String message) {
    return JSON.createObjectNode().put("status", status).put("error", message);
  }
}
