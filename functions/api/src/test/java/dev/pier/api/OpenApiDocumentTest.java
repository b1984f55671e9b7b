package dev.pier.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HEAD;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Issue 21.1: the OpenAPI document the server generates ({@code /q/openapi}, also written to
 * {@code functions/api/openapi/}) describes every JAX-RS route of every domain, each with a summary of its own and a
 * domain tag. Summaries and tags are never derived from method or class names here, so a route added without them is
 * named by {@link #everyOperationHasASummaryAndADomainTag}.
 */
@QuarkusTest
class OpenApiDocumentTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<Class<? extends Annotation>, String> METHODS = Map.of(GET.class, "get", POST.class, "post",
      PUT.class, "put", DELETE.class, "delete", PATCH.class, "patch", HEAD.class, "head");

  @Inject BeanManager beans;

  private static JsonNode document() throws Exception {
    return JSON.readTree(given().queryParam("format", "json").get("/q/openapi").then().statusCode(200).extract()
        .asString());
  }

  @Test
  void everyOperationHasASummaryAndADomainTag() throws Exception {
    JsonNode doc = document();
    Set<String> domains = new TreeSet<>();
    doc.path("tags").forEach(t -> domains.add(t.path("name").asText()));
    List<String> missing = new ArrayList<>();
    doc.path("paths").properties().forEach(path -> path.getValue().properties().forEach(op -> {
      if (!METHODS.containsValue(op.getKey())) {
        return; // path-level parameters, not an operation
      }
      String name = op.getKey().toUpperCase() + " " + path.getKey();
      if (op.getValue().path("summary").asText("").isBlank()) {
        missing.add(name + " has no summary (@Operation(summary = …))");
      }
      JsonNode tags = op.getValue().path("tags");
      if (tags.size() != 1 || !domains.contains(tags.get(0).asText())) {
        missing.add(name + " is tagged " + tags + ", not with one of the domains " + domains
            + " (@Tag on its resource class; domains in ApiDocumentation)");
      }
    }));
    assertThat(missing).as("operations of /q/openapi without a summary or a domain tag").isEmpty();
  }

  /**
   * Every operation says what it answers: a 2xx with a schema that describes something (not {@code {}}, not a bare
   * JSON string, not Jackson's {@code JsonNode}), or a 204 without a body; and the errors every route can answer
   * (400, 401, 403 at least), each referencing the error component of its API, as {@link ApiErrors} writes it.
   */
  @Test
  void everyOperationHasASuccessSchemaAndItsErrorShapes() throws Exception {
    JsonNode doc = document();
    JsonNode schemas = doc.path("components").path("schemas");
    for (String component : List.of(OpenApiErrorResponses.ERROR, OpenApiErrorResponses.INFERENCE_ERROR,
        OpenApiErrorResponses.MLFLOW_ERROR)) {
      assertThat(schemas.path(component).path("properties").size()).as(component + " component").isPositive();
    }
    List<String> missing = new ArrayList<>();
    doc.path("paths").properties().forEach(path -> path.getValue().properties().forEach(op -> {
      if (!METHODS.containsValue(op.getKey())) {
        return;
      }
      String name = op.getKey().toUpperCase() + " " + path.getKey();
      JsonNode responses = op.getValue().path("responses");
      List<String> success = new ArrayList<>();
      responses.fieldNames().forEachRemaining(code -> {
        if (code.startsWith("2")) {
          success.add(code);
        }
      });
      if (success.isEmpty()) {
        missing.add(name + " has no 2xx response (@APIResponse)");
      }
      for (String code : success) {
        JsonNode content = resolve(doc, responses.path(code)).path("content");
        if (code.equals("204")) {
          if (!content.isEmpty()) {
            missing.add(name + " answers 204 with a body");
          }
          continue;
        }
        if (content.isEmpty()) {
          missing.add(name + " " + code + " has no content schema (@APIResponse(content = …))");
        }
        content.properties().forEach(media -> {
          if (!describes(media.getKey(), media.getValue().path("schema"))) {
            missing.add(name + " " + code + " " + media.getKey() + " has no schema that describes its body: "
                + media.getValue().path("schema"));
          }
        });
      }
      String component = path.getKey().startsWith("/api/2.0/mlflow") ? OpenApiErrorResponses.MLFLOW_ERROR
          : path.getKey().startsWith("/v2") ? OpenApiErrorResponses.INFERENCE_ERROR : OpenApiErrorResponses.ERROR;
      for (String code : List.of("400", "401", "403")) {
        if (!responses.has(code)) {
          missing.add(name + " does not list its " + code + " answer");
        }
      }
      responses.properties().forEach(r -> {
        if (r.getKey().equals("503") && path.getKey().endsWith("/ready")) {
          return; // OIP's readiness answer: {name, ready: false} is the 503's body
        }
        if (r.getKey().startsWith("4") || r.getKey().startsWith("5")) {
          JsonNode content = resolve(doc, r.getValue()).path("content");
          if (content.isEmpty()) {
            missing.add(name + " " + r.getKey() + " has no error body");
          }
          content.properties().forEach(media -> {
            if (!media.getValue().path("schema").path("$ref").asText().equals("#/components/schemas/" + component)) {
              missing.add(name + " " + r.getKey() + " does not reference " + component);
            }
            if (media.getValue().path("example").isMissingNode()) {
              missing.add(name + " " + r.getKey() + " has no example");
            }
          });
        }
      });
    }));
    assertThat(missing).as("operations of /q/openapi without a success schema or their error shapes").isEmpty();
  }

  /** A response, or the shared response its {@code $ref} names. */
  private static JsonNode resolve(JsonNode doc, JsonNode response) {
    String ref = response.path("$ref").asText("");
    return ref.startsWith("#/components/responses/")
        ? doc.path("components").path("responses").path(ref.substring("#/components/responses/".length()))
        : response;
  }

  /** Whether a schema says what a body holds; a JSON body typed as a bare string or as Jackson's tree does not. */
  private static boolean describes(String mediaType, JsonNode schema) {
    String ref = schema.path("$ref").asText("");
    if (!ref.isEmpty()) {
      return !ref.endsWith("/JsonNode") && !ref.endsWith("/ObjectNode");
    }
    String type = schema.path("type").asText("");
    return switch (type) {
      case "object" -> schema.has("properties") || schema.has("additionalProperties")
          || !schema.path("description").asText("").isBlank();
      case "array" -> describes(mediaType, schema.path("items"));
      case "string" -> !mediaType.contains("json");
      case "" -> false;
      default -> true;
    };
  }

  /** The document cannot lose a route: its operations are exactly the JAX-RS resource methods this app serves. */
  @Test
  void theDocumentHasExactlyTheRoutesTheResourcesServe() throws Exception {
    Set<String> served = new TreeSet<>();
    for (var bean : beans.getBeans(Object.class, Any.Literal.INSTANCE)) {
      Class<?> type = bean.getBeanClass();
      Path base = type.getAnnotation(Path.class);
      if (base == null) {
        continue;
      }
      for (Method m : type.getDeclaredMethods()) {
        Path sub = m.getAnnotation(Path.class);
        METHODS.forEach((annotation, verb) -> {
          if (m.isAnnotationPresent(annotation)) {
            served.add(verb.toUpperCase() + " " + template(base.value(), sub == null ? "" : sub.value()));
          }
        });
      }
    }
    Set<String> documented = new TreeSet<>();
    document().path("paths").properties().forEach(path -> path.getValue().properties().forEach(op -> {
      if (METHODS.containsValue(op.getKey())) {
        documented.add(op.getKey().toUpperCase() + " " + path.getKey());
      }
    }));
    assertThat(documented).as("operations in /q/openapi").isEqualTo(served);
    assertThat(documented).as("every domain's routes (125 when this test was written)").hasSizeGreaterThan(100);
  }

  /** A route's path as OpenAPI writes it: segments joined by one slash, no trailing slash, no template regexes. */
  private static String template(String base, String sub) {
    String path = ("/" + base + "/" + sub).replaceAll("/{2,}", "/").replaceAll("\\{\\s*(\\w+)\\s*:[^}]*}", "{$1}");
    return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }
}
