package dev.pier.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import org.junit.jupiter.api.Test;

/** Every malformed inference request gets a 4xx whose {"error": ...} names the problem; none gets a 5xx. */
@QuarkusTest
class InferenceErrorsTest {
  private static final String ROW = "[5.1,3.5,1.4,0.2]";

  private static ValidatableResponse infer(String body) {
    return given().contentType(ContentType.JSON).body(body).post("/v2/models/demo/infer").then();
  }

  private static String input(String datatype, String shape, String data) {
    return "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"" + datatype + "\",\"shape\":" + shape
        + ",\"data\":" + data + "}]}";
  }

  @Test
  void rejectsMalformedJson() {
    infer("{\"inputs\": [").statusCode(400).body("error", containsString("malformed JSON"));
  }

  @Test
  void rejectsNonJsonLiteralsSuchAsNaN() {
    infer(input("FP32", "[1,4]", "[NaN,1,2,3]")).statusCode(400).body("error", containsString("malformed JSON"));
  }

  @Test
  void rejectsAnEmptyBody() {
    infer("").statusCode(400).body("error", containsString("empty"));
  }

  @Test
  void rejectsABodyWithoutInputs() {
    infer("{\"id\":\"x\"}").statusCode(400).body("error", containsString("'inputs' is required"));
  }

  @Test
  void rejectsEmptyInputs() {
    infer("{\"inputs\":[]}").statusCode(400).body("error", containsString("'inputs' must not be empty"));
  }

  @Test
  void rejectsAnUnknownInput() {
    infer("{\"inputs\":[{\"name\":\"features\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":" + ROW + "}]}")
        .statusCode(400).body("error", containsString("unknown input 'features'"));
  }

  @Test
  void rejectsTheWrongDatatype() {
    infer(input("FP64", "[1,4]", ROW)).statusCode(400)
        .body("error", containsString("input 'input': datatype FP64 does not match the model's FP32"));
  }

  @Test
  void rejectsAnUnknownDatatype() {
    infer(input("FLOAT", "[1,4]", ROW)).statusCode(400).body("error", containsString("datatype \"FLOAT\""));
  }

  @Test
  void rejectsTheWrongShape() {
    infer(input("FP32", "[2,2]", ROW)).statusCode(400)
        .body("error", containsString("shape [2,2] does not match the model's [-1,4]"));
  }

  @Test
  void rejectsDataWhoseLengthIsNotTheProductOfTheShape() {
    infer(input("FP32", "[2,4]", ROW)).statusCode(400)
        .body("error", containsString("shape [2,4] has 8 elements but data has 4"));
  }

  @Test
  void rejectsMinusOneInARequestShape() {
    infer(input("FP32", "[-1,4]", ROW)).statusCode(400).body("error", containsString("shape[0]"));
  }

  @Test
  void rejectsBooleansWhereNumbersAreDue() {
    infer(input("FP32", "[1,4]", "[true,1,2,3]")).statusCode(400)
        .body("error", containsString("data[0] must be a number for FP32, got boolean true"));
  }

  @Test
  void rejectsStringsWhereNumbersAreDue() {
    infer(input("FP32", "[1,4]", "[\"5.1\",1,2,3]")).statusCode(400)
        .body("error", containsString("data[0] must be a number"));
  }

  @Test
  void rejectsDuplicateInputNames() {
    String t = "{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":" + ROW + "}";
    infer("{\"inputs\":[" + t + "," + t + "]}").statusCode(400).body("error", containsString("duplicate input"));
  }

  @Test
  void rejectsAnUnknownRequestedOutput() {
    infer("{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":" + ROW + "}],"
        + "\"outputs\":[{\"name\":\"logits\"}]}").statusCode(400).body("error", containsString("unknown output 'logits'"));
  }

  @Test
  void answers404ForAnUnknownModel() {
    given().contentType(ContentType.JSON).body(input("FP32", "[1,4]", ROW)).post("/v2/models/nope/infer")
        .then().statusCode(404).body("error", containsString("model 'nope' not found"));
  }

  @Test
  void answers404ForAnUnknownVersion() {
    given().contentType(ContentType.JSON).body(input("FP32", "[1,4]", ROW)).post("/v2/models/demo/versions/99/infer")
        .then().statusCode(404).body("error", containsString("model 'demo' has no version 99"));
  }

  @Test
  void answers404ForAnUnknownAlias() {
    given().contentType(ContentType.JSON).body(input("FP32", "[1,4]", ROW))
        .post("/v2/models/demo/versions/canary/infer")
        .then().statusCode(404).body("error", containsString("model 'demo' has no alias 'canary'"));
    given().get("/v2/models/demo/versions/canary").then().statusCode(404).body("error", containsString("canary"));
  }

  @Test
  void answers415ForAWrongContentType() {
    given().contentType("application/x-www-form-urlencoded").body(input("FP32", "[1,4]", ROW))
        .post("/v2/models/demo/infer")
        .then().statusCode(415).body("error", containsString("Content-Type must be application/json"));
  }

  @Test
  void answers413ForABodyOverTheLimit() {
    byte[] big = new byte[33 * 1024 * 1024];
    java.util.Arrays.fill(big, (byte) ' ');
    // The server answers from the Content-Length and closes without reading the body, so the client must listen
    // before sending it all: Expect: 100-continue, as curl sends for large bodies.
    given().contentType(ContentType.JSON).header("Expect", "100-continue").body(big).post("/v2/models/demo/infer")
        .then().statusCode(413).body("error", containsString("exceeds the limit of 33554432 bytes"));
  }

  @Test
  void answers404WithAnErrorBodyForAnUnknownRoute() {
    given().get("/v2/nothing/here").then().statusCode(404).body("error", containsString("no such resource"));
  }
}
