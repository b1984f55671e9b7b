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
