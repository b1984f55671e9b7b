package dev.pier.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pier's health and metadata answers against the Open Inference Protocol's response schemas (the spec's own
 * definitions, committed as {@code oip/oip-rest-schemas.json}; see the README next to it): every required field, of
 * its type, in the status the spec gives; tensor datatypes from the spec's list; variable dimensions as -1.
 */
@QuarkusTest
class OipSpecTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static JsonNode spec;

  @BeforeAll
  static void readTheSpec() throws Exception {
    try (InputStream in = OipSpecTest.class.getResourceAsStream("/oip/oip-rest-schemas.json")) {
      spec = JSON.readTree(in);
    }
  }

  @Test
  void serverLiveAndReadyAnswer200WithTheSpecsObjects() throws Exception {
    assertConforms(given().get("/v2/health/live"), 200, "live_server_response");
    assertConforms(given().get("/v2/health/ready"), 200, "ready_server_response");
    assertThat(body(given().get("/v2/health/live")).get("live").asBoolean()).isTrue();
    assertThat(body(given().get("/v2/health/ready")).get("ready").asBoolean()).isTrue();
  }

  @Test
  void serverMetadataHasNameVersionAndExtensions() throws Exception {
    assertConforms(given().get("/v2"), 200, "metadata_server_response");
  }

  @Test
  void modelMetadataByNameAndByVersionHasTheSpecsFieldsAndTensors() throws Exception {
    for (String path : List.of("/v2/models/demo", "/v2/models/demo/versions/1", "/v2/models/demo/versions/production")) {
      JsonNode body = assertConforms(given().get(path), 200, "metadata_model_response");
      assertThat(body.get("name").asText()).as(path).isEqualTo("demo");
      assertThat(body.get("versions")).as(path).extracting(JsonNode::asText).containsExactly("1");
      List<JsonNode> tensors = new ArrayList<>();
      body.get("inputs").forEach(tensors::add);
      body.get("outputs").forEach(tensors::add);
      assertThat(tensors).as(path).isNotEmpty().allSatisfy(t -> {
        assertThat(spec.get("datatypes")).extracting(JsonNode::asText).contains(t.get("datatype").asText());
        t.get("shape").forEach(d -> assertThat(d.asLong()).as("dimension of %s", t.get("name")).isGreaterThanOrEqualTo(-1));
      });
    }
  }

  @Test
  void modelReadyNamesTheModel() throws Exception {
    for (String path : List.of("/v2/models/demo/ready", "/v2/models/demo/versions/1/ready")) {
      JsonNode body = assertConforms(given().get(path), 200, "ready_model_response");
      assertThat(body.get("name").asText()).isEqualTo("demo");
      assertThat(body.get("ready").asBoolean()).isTrue();
    }
  }

  @Test
  void metadataOfAModelOrVersionThatDoesNotExistIsAnErrorObject() throws Exception {
    assertConforms(given().get("/v2/models/no-such-model"), 404, "metadata_model_error_response");
    assertConforms(given().get("/v2/models/demo/versions/999"), 404, "metadata_model_error_response");
    assertConforms(given().get("/v2/models/demo/versions/999/ready"), 404, "metadata_model_error_response");
  }

  /** The answer's status, Content-Type and body against {@code schema}; returns the body. */
  private static JsonNode assertConforms(Response r, int status, String schema) throws Exception {
    assertThat(r.statusCode()).as("%s: %s", schema, r.asString()).isEqualTo(status);
    assertThat(r.contentType()).as(schema).startsWith("application/json");
    JsonNode body = JSON.readTree(r.asString());
    assertThat(violations(body, spec.get(schema), "$")).as("%s: %s", schema, body).isEmpty();
    return body;
  }

  private static JsonNode body(Response r) throws Exception {
    return JSON.readTree(r.asString());
  }

  /** The JSON-schema subset the spec uses: type, required, properties, items, $ref (by name). */
  static List<String> violations(JsonNode value, JsonNode schema, String at) {
    List<String> out = new ArrayList<>();
    if (schema.has("$ref")) {
      return violations(value, spec.get(schema.get("$ref").asText()), at);
    }
    String type = schema.path("type").asText();
    boolean typed = switch (type) {
      case "object" -> value.isObject();
      case "array" -> value.isArray();
      case "string" -> value.isTextual();
      case "integer" -> value.isIntegralNumber();
      case "boolean" -> value.isBoolean();
      default -> true;
    };
    if (!typed) {
      out.add(at + " is not a " + type + ": " + value);
      return out;
    }
    schema.path("required").forEach(f -> {
      if (!value.has(f.asText())) {
        out.add(at + " lacks required '" + f.asText() + "'");
      }
    });
    schema.path("properties").fields().forEachRemaining(p -> {
      if (value.has(p.getKey())) {
        out.addAll(violations(value.get(p.getKey()), p.getValue(), at + "." + p.getKey()));
      }
    });
    if (schema.has("items")) {
      for (int i = 0; i < value.size(); i++) {
        out.addAll(violations(value.get(i), schema.get("items"), at + "[" + i + "]"));
      }
    }
    return out;
  }
}
