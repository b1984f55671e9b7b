package dev.pier.api;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.kernel.PierException;
import dev.pier.kernel.json.RequestJson;
import io.quarkus.logging.Log;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.FileSystemException;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The one place where failures become HTTP answers. The inference API (/v2) answers the Open Inference
 * Protocol's {@code {"error": "..."}}; the control plane (/api/v1) answers RFC 9457
 * {@code application/problem+json}, which also carries the message as {@code error}. Every 4xx names the problem.
 */
public class ApiErrors {
  public static final MediaType PROBLEM_JSON = new MediaType("application", "problem+json");
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
    return response(uri.getPath(), Failure.of(uri.getPath(), e));
  }

  @ServerExceptionMapper
  public Response web(WebApplicationException e, UriInfo uri) {
    int status = e.getResponse().getStatus();
    String message = switch (status) {
      case 404 -> "no such resource: " + uri.getPath();
      case 405 -> "method not allowed on " + uri.getPath();
      case 406 -> "cannot produce a representation the Accept header allows";
      case 400 -> e.getCause() instanceof JacksonException j ? "malformed JSON: " + RequestJson.describe(j)
          : e.getMessage();
      case 413 -> "request body too large: a multipart form field is over quarkus.http.limits.max-form-attribute-size,"
          + " or the whole body over quarkus.http.limits.max-body-size";
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
    return response(uri.getPath(), Failure.of(uri.getPath(), e));
  }

  @ServerExceptionMapper
  public Response json(JsonProcessingException e, UriInfo uri) {
    return response(uri.getPath(), 400, "malformed JSON: " + RequestJson.describe(e));
  }

  /**
   * A checked I/O failure reaching here comes from reading the request — a multipart body no parser can read, a
   * connection cut mid-body — since resource methods wrap their own I/O: the caller's 400. Failures of the server's
   * own disk while staging an upload (a file it cannot create) stay a 500, logged, the path kept out of the body.
   */
  @ServerExceptionMapper
  public Response unreadableBody(IOException e, UriInfo uri) {
    if (e instanceof FileSystemException || e instanceof FileNotFoundException) {
      Log.errorf(e, "request %s failed staging its body", uri.getPath());
      return response(uri.getPath(), 500, "the server could not stage the request body; see the server log");
    }
    return response(uri.getPath(), 400, "the request body could not be read: " + e.getMessage());
  }

  @ServerExceptionMapper
  public Response unexpected(RuntimeException e, UriInfo uri) {
    return response(uri.getPath(), Failure.of(uri.getPath(), e));
  }

  /**
   * How a failure is answered: status, message and the one header some statuses add ({@code Retry-After} on
   * 429/503, a Bearer challenge on 401). Shared by the exception mappers and the inference route, which answers
   * outside JAX-RS; server errors are logged here, once.
   */
  public record Failure(int status, String message, String header, String headerValue) {
    public static Failure of(String path, Throwable e) {
      return switch (e) {
        case PierException p -> {
          if (p.status() >= 500) {
            Log.errorf(p, "request %s failed: %s", path, p.getMessage());
          }
          yield p.status() == 429 || p.status() == 503
              ? new Failure(p.status(), p.getMessage(), "Retry-After",
                  p.retryAfterSeconds() > 0 ? Long.toString(p.retryAfterSeconds()) : "1")
              : new Failure(p.status(), p.getMessage(), null, null);
        }
        case dev.pier.kernel.security.AccessDenied d -> switch (d.status()) {
          case 401 -> new Failure(401, d.getMessage(), "WWW-Authenticate", "Bearer realm=\"pier\"");
          case 429 -> new Failure(429, d.getMessage(), "Retry-After", Long.toString(d.retryAfterSeconds()));
          default -> new Failure(d.status(), d.getMessage(), null, null);
        };
        default -> {
          Log.errorf(e, "request %s failed unexpectedly", path);
          yield new Failure(500, "internal error (" + e.getClass().getSimpleName() + "); see the server log", null,
              null);
        }
      };
    }
  }

  static Response response(String path, Failure f) {
    Response r = response(path, f.status(), f.message());
    return f.header() == null ? r : Response.fromResponse(r).header(f.header(), f.headerValue()).build();
  }

  /** The Open Inference Protocol's error body. */
  public static String oipError(String message) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("error", message);
    return body.toString();
  }

  static Response response(String path, int status, String message) {
    Body body = body(path, status, message);
    return Response.status(status).type(body.type()).entity(body.text()).build();
  }

  /** An error body and its media type, as each API spells errors; also written outside JAX-RS ({@link BodyLimits}). */
  record Body(MediaType type, String text) {}

  static Body body(String path, int status, String message) {
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
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      body.put("error_code", code);
      body.put("message", message);
      return new Body(MediaType.APPLICATION_JSON_TYPE, body.toString());
    }
    if (path.startsWith("/v2")) {
      return new Body(MediaType.APPLICATION_JSON_TYPE, oipError(message));
    }
    return new Body(PROBLEM_JSON, problem(status, message));
  }

  /** The control plane's RFC 9457 body, which also carries the message as {@code error}. */
  public static String problem(int status, String message) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("type", "about:blank");
    body.put("title", Response.Status.fromStatusCode(status) != null
        ? Response.Status.fromStatusCode(status).getReasonPhrase() : "Error");
    body.put("status", status);
    body.put("detail", message);
    body.put("error", message);
    return body.toString();
  }
}
