package dev.pier.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.kernel.PierException;
import io.quarkus.logging.Log;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The one place where failures become HTTP answers. The inference API (/v2) answers the Open Inference
 * Protocol's {@code {"error": "..."}}; the control plane (/api/v1) answers RFC 9457
 * {@code application/problem+json}, which also carries the message as {@code error}. Every 4xx names the problem.
 */
public class ApiErrors {
  static final MediaType PROBLEM_JSON = new MediaType("application", "problem+json");
  /** MLflow-compatible endpoints answer MLflow's {@code {"error_code", "message"}}. */
  static final String MLFLOW = "/api/2.0/mlflow";

  static Response mlflowResponse(int status, String code, String message) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("error_code", code);
    body.put("message", message);
    return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(body.toString()).build();
  }

  @ServerExceptionMapper
  public Response pier(PierException e, UriInfo uri) {
    if (e.status() >= 500) {
      Log.errorf(e, "request %s failed: %s", uri.getPath(), e.getMessage());
    }
    Response r = response(uri.getPath(), e.status(), e.getMessage());
    if (e.status() == 429 || e.status() == 503) {
      return Response.fromResponse(r).header("Retry-After", "1").build();
    }
    return r;
  }

  @ServerExceptionMapper
  public Response mlflow(MlflowError e) {
    return mlflowResponse(e.status, e.code, e.getMessage());
  }

  @ServerExceptionMapper
  public Response web(WebApplicationException e, UriInfo uri) {
    int status = e.getResponse().getStatus();
    String message = switch (status) {
      case 404 -> "no such resource: " + uri.getPath();
      case 405 -> "method not allowed on " + uri.getPath();
      case 406 -> "cannot produce a representation the Accept header allows";
      case 413 -> "request body too large";
      case 415 -> "unsupported Content-Type for " + uri.getPath();
      default -> e.getMessage();
    };
    if (status >= 500) {
      Log.errorf(e, "request %s failed", uri.getPath());
    }
    return response(uri.getPath(), status, message);
  }

  /** 401 (with a Bearer challenge), 403 or 429 (with Retry-After) from the shared policy check. */
  @ServerExceptionMapper
  public Response denied(dev.pier.kernel.security.AccessDenied e, UriInfo uri) {
    Response r = response(uri.getPath(), e.status(), e.getMessage());
    return switch (e.status()) {
      case 401 -> Response.fromResponse(r).header("WWW-Authenticate", "Bearer realm=\"pier\"").build();
      case 429 -> Response.fromResponse(r).header("Retry-After", Long.toString(e.retryAfterSeconds())).build();
      default -> r;
    };
  }

  @ServerExceptionMapper
  public Response json(JsonProcessingException e, UriInfo uri) {
    return response(uri.getPath(), 400, "malformed JSON: " + e.getOriginalMessage());
  }

  @ServerExceptionMapper
  public Response unexpected(RuntimeException e, UriInfo uri) {
    Log.errorf(e, "request %s failed unexpectedly", uri.getPath());
    return response(uri.getPath(), 500, "internal error (" + e.getClass().getSimpleName() + "); see the server log");
  }

  static Response response(String path, int status, String message) {
    if (path.startsWith(MLFLOW)) {
      String code = switch (status) {
        case 400, 413, 415, 422 -> "INVALID_PARAMETER_VALUE";
        case 401 -> "UNAUTHENTICATED";
        case 403 -> "PERMISSION_DENIED";
        case 429 -> "REQUEST_LIMIT_EXCEEDED";
        case 404 -> message.startsWith("no such resource") ? "ENDPOINT_NOT_FOUND" : "RESOURCE_DOES_NOT_EXIST";
        case 405 -> "ENDPOINT_NOT_FOUND";
        case 409, 412 -> "INVALID_STATE";
        case 503 -> "TEMPORARILY_UNAVAILABLE";
        default -> status >= 500 ? "INTERNAL_ERROR" : "BAD_REQUEST";
      };
      return mlflowResponse(status, code, message);
    }
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    if (path.startsWith("/v2")) {
      body.put("error", message);
      return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(body.toString()).build();
    }
    body.put("type", "about:blank");
    body.put("title", Response.Status.fromStatusCode(status) != null
        ? Response.Status.fromStatusCode(status).getReasonPhrase() : "Error");
    body.put("status", status);
    body.put("detail", message);
    body.put("error", message);
    return Response.status(status).type(PROBLEM_JSON).entity(body.toString()).build();
  }
}
