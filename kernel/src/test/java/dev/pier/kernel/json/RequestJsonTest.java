package dev.pier.kernel.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.kernel.PierException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RequestJsonTest {
  static byte[] nested(int levels) {
    return ("{\"inputs\":" + "[".repeat(levels) + "1" + "]".repeat(levels) + "}").getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aDocumentNestedFiveThousandLevelsDeepIsA400NamingTheBound() {
    assertThatThrownBy(() -> RequestJson.readTree(nested(5000)))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(400))
        .hasMessage("malformed JSON: nested deeper than 64 levels of arrays and objects");
  }

  @Test
  void nestingUpToTheBoundIsRead() {
    assertThat(RequestJson.readTree(nested(RequestJson.MAX_DEPTH - 1)).get("inputs").isArray()).isTrue();
  }

  @Test
  void aDuplicateKeyIsA400NamingTheKey() {
    assertThatThrownBy(() -> RequestJson.readTree("{\"version\":1,\"version\":2}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(400))
        .hasMessageStartingWith("malformed JSON: duplicate key 'version'");
  }

  @Test
  void aDuplicateKeyDeepInsideATreeIsFoundTooWithItsPlace() {
    String body = "{\"inputs\":[{\"name\":\"a\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1],"
        + "\"shape\":[2]}]}";
    assertThatThrownBy(() -> RequestJson.readTree(body.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(400))
        .hasMessageStartingWith("malformed JSON: duplicate key 'shape'")
        .hasMessageContaining("(line 1, column");
  }

  @Test
  void aBodyThatMustBeAnObjectIsA400WhenEmptyAnotherValueOrMalformed() {
    assertThat(RequestJson.readObject("{\"size_bytes\":5}".getBytes(StandardCharsets.UTF_8)).path("size_bytes")
        .asLong()).isEqualTo(5);
    for (String body : new String[] {"", "[1]", "\"a\"", "null"}) {
      assertThatThrownBy(() -> RequestJson.readObject(body.getBytes(StandardCharsets.UTF_8))).as(body)
          .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(400))
          .hasMessage("the body must be a JSON object");
    }
    assertThatThrownBy(() -> RequestJson.readObject(null)).hasMessage("the body must be a JSON object");
    assertThatThrownBy(() -> RequestJson.readObject("{\"a\":1,\"a\":2}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(400))
        .hasMessageStartingWith("malformed JSON: duplicate key 'a'");
  }

  @Test
  void aMapperConfiguredElsewhereGetsTheSameRules() {
    ObjectMapper quarkus = RequestJson.configure(new ObjectMapper());
    assertThatThrownBy(() -> quarkus.readTree("{\"a\":1,\"a\":2}")).isInstanceOf(JacksonException.class)
        .hasMessageContaining("Duplicate field 'a'");
    assertThatThrownBy(() -> quarkus.readTree(nested(5000))).isInstanceOf(JacksonException.class)
        .hasMessageContaining("nesting depth");
  }

  @Test
  void theStreamingFactoryRefusesDuplicateKeysAsItReads() throws Exception {
    try (JsonParser p = RequestJson.factory().createParser("{\"x\":1,\"x\":2}")) {
      assertThatThrownBy(() -> {
        while (p.nextToken() != null) {
          // read to the end
        }
      }).isInstanceOfSatisfying(JacksonException.class,
          e -> assertThat(RequestJson.describe(e)).startsWith("duplicate key 'x'"));
    }
  }
}
