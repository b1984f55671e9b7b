package dev.pier.api.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.api.Caller;
import dev.pier.kernel.PierException;
import dev.pier.kernel.security.CallerIdentity;
import dev.pier.kernel.security.Grant;
import dev.pier.kernel.security.Principal;
import jakarta.inject.Inject;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.net.URI;
import java.util.List;

/**
 * Training's routes in the Lambda zip ({@link TrainingJobsForwarder}, {@link DatasetsForwarder},
 * {@link CostsForwarder}). The zip does not carry training (its trainer, dataset readers and DuckDB: the training
 * worker Lambda does), so each request is checked here as the plain server's resources check it — the same
 * {@code @Authorize} rule per route — and forwarded with the caller's principal and grants to the training worker,
 * which answers it with those resources' code ({@code dev.pier.training.http.TrainingRoutes}): a job is validated
 * (400s before anything is recorded), recorded and started as an execution of the training state machine. The
 * worker's status, {@code Location} and JSON are answered as they are; its refusals as Pier's errors.
 */
@ApplicationScoped
public class TrainingForwarding {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Inject TrainingWorkerFunction worker;
  @Inject Caller caller;
  @Inject CallerIdentity identity;

  Response forward(UriInfo uri, String method, String body) {
    ObjectNode event = JSON.createObjectNode();
    ObjectNode route = event.putObject("route").put("method", method).put("path",
        "/" + uri.getPath().replaceFirst("^/+", ""));
    if (body != null) {
      route.put("body", body);
    }
    ObjectNode query = route.putObject("query");
    uri.getQueryParameters().forEach((name, values) -> {
      if (!values.isEmpty()) {
        query.put(name, values.getFirst());
      }
    });
    event.set("caller", caller(caller.principal() == null ? Principal.open() : caller.principal(),
        identity.principal()));
    JsonNode answer = worker.invoke(event);
    int status = answer.path("status").asInt(502);
    if (answer.has("error")) {
      throw new PierException(status, answer.path("error").asText());
    }
    Response.ResponseBuilder out = Response.status(status).type(MediaType.APPLICATION_JSON)
        .entity(answer.path("body").toString());
    if (answer.hasNonNull("location")) {
      out.location(URI.create(answer.path("location").asText()));
    }
    return out.build();
  }

  /** The caller as the worker rebuilds it: the name routes record, and each grant as {@code permission:pattern}. */
  static ObjectNode caller(Principal principal, String name) {
    ObjectNode out = JSON.createObjectNode().put("principal", name);
    var grants = out.putArray("grants");
    for (Grant g : principal.grants()) {
      List<String> each = g.permissions().stream().map(p -> p.id() + ":" + g.modelPattern()).sorted().toList();
      each.forEach(grants::add);
    }
    return out;
  }
}
