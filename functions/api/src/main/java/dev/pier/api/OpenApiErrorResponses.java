package dev.pier.api;

import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.Components;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Content;
import org.eclipse.microprofile.openapi.models.media.MediaType;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;
import org.eclipse.microprofile.openapi.models.responses.APIResponses;

/**
 * Adds to the OpenAPI document the error answers every operation can give, in the shape {@link ApiErrors} writes for
 * its path: RFC 9457 {@code application/problem+json} ({@code #/components/schemas/Error}) on the control plane, the
 * Open Inference Protocol's {@code {"error"}} ({@code InferenceError}) under {@code /v2}, MLflow's
 * {@code {"error_code", "message"}} ({@code MlflowError}) on the MLflow-compatible routes. Which statuses an
 * operation lists follows what the shared layers answer for it: 400, 401, 403, 429 and 500 everywhere (input checks,
 * {@link AuthFilter}, the policy and rate limits, an unexpected failure), 404 where the path names a resource, 409 on
 * a state change (not on a POST that only reads: predict, retrieve, evaluate, search), 413 where a body is read
 * ({@link BodyLimits}), 503 on a model's inference routes (not ready; the readiness routes declare their own body).
 * An answer an operation declares itself is kept. Each answer is a reference to a shared response, one per API and
 * status. Also states that the MLflow routes answer MLflow's own response objects. Registered as {@code mp.openapi.filter}, so it runs at build time and the stored document has it too.
 */
public class OpenApiErrorResponses implements OASFilter {
  static final String ERROR = "Error";
  static final String INFERENCE_ERROR = "InferenceError";
  static final String MLFLOW_ERROR = "MlflowError";
  /** POST routes that read rather than change state: no 409. */
  private static final List<String> READING_POSTS = List.of("/infer", "/predict", "/predict-stream", "/online",
      "/get-online-features", "/historical", "/evaluate", "/search", "/get-latest-versions", "/repository/index");

  @Override
  public void filterOpenAPI(OpenAPI openApi) {
    if (openApi.getComponents() == null) {
      openApi.setComponents(OASFactory.createComponents());
    }
    Components components = openApi.getComponents();
    InferDocumentation.apply(openApi, components);
    components.addSchema(ERROR, problemSchema());
    components.addSchema(INFERENCE_ERROR, object("The Open Inference Protocol's error body (/v2)",
        Map.of("error", string("What went wrong"))).required(List.of("error")));
    components.addSchema(MLFLOW_ERROR, object("MLflow's REST error body (/api/2.0/mlflow…)",
        Map.of("error_code", string("MLflow's error code, e.g. RESOURCE_DOES_NOT_EXIST, INVALID_PARAMETER_VALUE"),
            "message", string("What went wrong"))).required(List.of("error_code", "message")));
    if (openApi.getPaths() == null || openApi.getPaths().getPathItems() == null) {
      return;
    }
    openApi.getPaths().getPathItems().forEach((path, item) -> item.getOperations()
        .forEach((method, operation) -> addErrors(components, path, method, operation)));
  }

  private static void addErrors(Components components, String path, PathItem.HttpMethod method,
      Operation operation) {
    boolean mlflow = path.startsWith(ApiErrors.MLFLOW);
    if (mlflow) {
      mlflowSuccess(operation);
    }
    boolean change = method != PathItem.HttpMethod.GET && method != PathItem.HttpMethod.HEAD
        && READING_POSTS.stream().noneMatch(path::endsWith);
    boolean body = method == PathItem.HttpMethod.POST || method == PathItem.HttpMethod.PUT
        || method == PathItem.HttpMethod.PATCH;
    if (operation.getResponses() == null) {
      operation.setResponses(OASFactory.createAPIResponses());
    }
    APIResponses responses = operation.getResponses();
    add(components, responses, path, 400, "Bad request: a parameter or the body is invalid (the message says which)",
        "malformed JSON: Unexpected end-of-input at line 1, column 12");
    add(components, responses, path, 401, "No or an unknown API key (with a Bearer challenge)",
        "unknown or wrong API key (id k-3f9a)");
    add(components, responses, path, 403, "The API key lacks the permission for this model or route",
        "the key 'team-a' may not do this on model 'churn'");
    if (path.contains("{") || mlflow) {
      add(components, responses, path, 404, "No such resource", "model 'churn' has no version 7");
    }
    if (change) {
      add(components, responses, path, 409, "The change conflicts with the resource's current state",
          "version 3 of 'churn' is archived");
    }
    if (body) {
      add(components, responses, path, 413, "Request body too large (pier.limits.*-body-bytes)",
          "request body of 2097152 bytes exceeds the limit of 1048576 bytes for {path}");
    }
    add(components, responses, path, 429, "Rate limit of the API key exceeded (with Retry-After)",
        "rate limit exceeded: retry after 1 s");
    add(components, responses, path, 500, "Unexpected server failure (logged)",
        "internal error (IllegalStateException); see the server log");
    if (path.startsWith("/v2/models/")) {
      add(components, responses, path, 503, "The model is not ready or the server is overloaded (with Retry-After)",
          "model 'churn' version 2 is not ready");
    }
  }

  /**
   * Lists the answer as a reference to a shared response ({@code #/components/responses/Error404} and so on, one per
   * API and status), whose example is written by {@link ApiErrors} as it writes the real answer.
   */
  private static void add(Components components, APIResponses responses, String path, int status,
      String description, String message) {
    String code = Integer.toString(status);
    if (responses.hasAPIResponse(code)) {
      return;
    }
    String component = path.startsWith(ApiErrors.MLFLOW) ? MLFLOW_ERROR
        : path.startsWith("/v2") ? INFERENCE_ERROR : ERROR;
    String name = component + code;
    if (components.getResponses() == null || !components.getResponses().containsKey(name)) {
      String example = component.equals(MLFLOW_ERROR) ? ApiErrors.MLFLOW + "/runs/log-batch"
          : component.equals(INFERENCE_ERROR) ? "/v2/models/churn/infer" : "/api/v1/models/churn/versions";
      ApiErrors.Body body = ApiErrors.body(example, status, message.replace("{path}", example));
      MediaType media = OASFactory.createMediaType()
          .schema(OASFactory.createSchema().ref("#/components/schemas/" + component))
          .example(parse(body.text()));
      Content content = OASFactory.createContent().addMediaType(body.type().toString(), media);
      components.addResponse(name, OASFactory.createAPIResponse().description(description).content(content));
    }
    responses.addAPIResponse(code, OASFactory.createAPIResponse().ref("#/components/responses/" + name));
  }

  /**
   * The MLflow-compatible routes answer the response object MLflow's REST API documents for the same endpoint
   * (written by hand as JSON text, hence {@code String} in Java): say so instead of "a string".
   */
  private static void mlflowSuccess(Operation operation) {
    if (operation.getResponses() == null || operation.getResponses().getAPIResponses() == null) {
      return;
    }
    operation.getResponses().getAPIResponses().forEach((code, response) -> {
      if (!code.startsWith("2") || response.getContent() == null) {
        return;
      }
      MediaType json = response.getContent().getMediaType(jakarta.ws.rs.core.MediaType.APPLICATION_JSON);
      if (json != null && json.getSchema() != null && json.getSchema().getType() != null
          && json.getSchema().getType().equals(List.of(Schema.SchemaType.STRING))) {
        json.setSchema(OASFactory.createSchema().type(List.of(Schema.SchemaType.OBJECT))
            .description("The response object of the MLflow REST API 2.0 endpoint of the same path"
                + " (https://mlflow.org/docs/latest/rest-api.html)"));
      }
    });
  }

  private static Schema problemSchema() {
    return object("RFC 9457 problem details (application/problem+json), which also carry the message as error",
        Map.of("type", string("Always about:blank"),
            "title", string("The status's reason phrase"),
            "status", OASFactory.createSchema().type(List.of(Schema.SchemaType.INTEGER)).description("HTTP status"),
            "detail", string("What went wrong, naming the parameter or resource"),
            "error", string("The same message as detail"))).required(List.of("status", "detail", "error"));
  }

  private static Schema object(String description, Map<String, Schema> properties) {
    Schema schema = OASFactory.createSchema().type(List.of(Schema.SchemaType.OBJECT)).description(description);
    new java.util.TreeMap<>(properties).forEach(schema::addProperty);
    return schema;
  }

  private static Schema string(String description) {
    return OASFactory.createSchema().type(List.of(Schema.SchemaType.STRING)).description(description);
  }

  static Object parse(String json) {
    try {
      return new com.fasterxml.jackson.databind.ObjectMapper().readValue(json, Map.class);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
