package dev.pier.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Property: whatever body arrives at the inference endpoint, through parsing, validation and the engine, the
 * answer is a 200 or a 4xx with an error message — never a 5xx. Mutations of valid bodies, seeded.
 */
@QuarkusTest
class InferFuzzTest {
  private static final String[] SEEDS = {
      "{\"id\":\"a\",\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[5.1,3.5,1.4,0.2]}],"
          + "\"outputs\":[{\"name\":\"label\"}],\"parameters\":{\"unit\":\"u\"}}",
      "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[2,4],\"data\":[[1,2,3,4],[5,6,7,8]]}]}",
  };
  private static final String ALPHABET = "{}[]\":,-0123456789.eE truefalsenulNaN\\u\u00e9";

  @Test
  void mutatedInferenceBodiesNeverGetA5xx() {
    Random random = new Random(20261127);
    for (int i = 0; i < 200; i++) {
      StringBuilder s = new StringBuilder(SEEDS[i % SEEDS.length]);
      int edits = 1 + random.nextInt(5);
      for (int e = 0; e < edits && s.length() > 0; e++) {
        int at = random.nextInt(s.length());
        switch (random.nextInt(4)) {
          case 0 -> s.deleteCharAt(at);
          case 1 -> s.insert(at, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
          case 2 -> s.setCharAt(at, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
          default -> s.insert(at, String.valueOf(random.nextInt(100000)));
        }
      }
      Response r = given().contentType(ContentType.JSON).body(s.toString()).post("/v2/models/demo/infer");
      assertThat(r.statusCode()).as("status for %s: %s", s, r.asString()).isLessThan(500);
      if (r.statusCode() >= 400) {
        assertThat(r.jsonPath().getString("error")).as("error message for %s", s).isNotBlank();
      }
    }
  }
}
