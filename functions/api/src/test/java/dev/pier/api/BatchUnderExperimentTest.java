package dev.pier.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.kernel.aws.AwsClients;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A batch job scored under an experiment ({@code "unit_column"}): each row is scored by the version of its unit's arm,
 * the arm online assignment gives the same unit (checked against what {@code /v2/…/infer} answers with
 * {@code X-Pier-Unit}, not against the hash), and the rows' exposures reach the experiment's results once per unit.
 * The two arms are different models (iris-mlp and iris-mlp-v2), so a result row's probabilities say which scored it.
 */
@QuarkusTest
class BatchUnderExperimentTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ROW = "[5.1, 3.5, 1.4, 0.2]";
  private static final String BODY = "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],"
      + "\"data\":" + ROW + "}]}";

  @Inject AwsClients aws;

  private record Running(String model, String id) {}

  private static Running startExperiment() throws Exception {
    return startExperiment("{\"framework\":\"onnx\"}");
  }

  /** Versions 1 (iris-mlp) and 2 (iris-mlp-v2, registered with {@code metadata2}) in a running 50/50 experiment. */
  private static Running startExperiment(String metadata2) throws Exception {
    return startExperiment(metadata2, "");
  }

  /** @param extra more fields of the design, e.g. {@code "targeting": {…},} */
  private static Running startExperiment(String metadata2, String extra) throws Exception {
    String model = "bx-" + UUID.randomUUID().toString().substring(0, 8);
    given().multiPart("artifact", Fixtures.model("iris-mlp.onnx").toFile())
        .multiPart("metadata", "{\"framework\":\"onnx\"}")
        .post("/api/v1/models/" + model + "/versions").then().statusCode(201);
    given().multiPart("artifact", Fixtures.model("iris-mlp-v2.onnx").toFile()).multiPart("metadata", metadata2)
        .post("/api/v1/models/" + model + "/versions").then().statusCode(201);
    given().contentType(ContentType.JSON).body("{\"version\": 1}")
        .put("/api/v1/models/" + model + "/aliases/production").then().statusCode(200);
    String design = """
        {EXTRA"name": "v2 vs v1 in batch", "model": "MODEL", "alias": "production",
         "arms": [{"name": "control", "version": 1, "weight": 0.5}, {"name": "treatment", "version": 2, "weight": 0.5}],
         "unit": "user", "metrics": {"primary": {"name": "conversion", "type": "binary"}},
         "design": {"alpha": 0.05, "power": 0.8, "mde": 0.05, "baseline": 0.1}, "analysis": "frequentist"}
        """.replace("MODEL", model).replace("EXTRA", extra);
    String id = JSON.readTree(given().contentType(ContentType.JSON).body(design).post("/api/v1/experiments")
        .then().statusCode(201).extract().asString()).get("id").asText();
    given().contentType(ContentType.JSON).post("/api/v1/experiments/" + id + "/start").then().statusCode(200);
    return new Running(model, id);
  }

  /** The first probability a version answers for {@link #ROW}, asked by version number (never assigned). */
  private static double firstProbability(String model, int version) throws Exception {
    Response r = given().contentType(ContentType.JSON).body(BODY)
        .post("/v2/models/" + model + "/versions/" + version + "/infer");
    assertThat(r.statusCode()).as(r.asString()).isEqualTo(200);
    for (JsonNode out : JSON.readTree(r.asString()).get("outputs")) {
      if (out.get("name").asText().equals("probabilities")) {
        return out.get("data").get(0).asDouble();
      }
    }
    throw new AssertionError("no probabilities output: " + r.asString());
  }

  /** What online assignment answers the unit with its attributes: {@code <version> <arm or "-">}. */
  private static String online(String model, String unit, String attributes) {
    Response r = given().contentType(ContentType.JSON).header("X-Pier-Unit", unit)
        .header("X-Pier-Attributes", attributes).body(BODY).post("/v2/models/" + model + "/infer");
    assertThat(r.statusCode()).as(r.asString()).isEqualTo(200);
    String header = r.header("X-Pier-Experiment");
    return r.path("model_version") + " " + (header == null ? "-" : header.substring(header.indexOf('=') + 1));
  }

  @Test
  void targetingAttributesFromTheRowsColumnsDecideAsOnlineWhichUnitsTheExperimentTakes() throws Exception {
    Running x = startExperiment("{\"framework\":\"onnx\"}",
        "\"targeting\": {\"conditions\": [{\"attribute\": \"country\", \"operator\": \"in\", \"values\": [\"NL\"]},"
            + " {\"attribute\": \"age\", \"operator\": \"gte\", \"values\": [18]}]},");
    double v1 = firstProbability(x.model(), 1);
    double v2 = firstProbability(x.model(), 2);
    int n = 24;
    StringBuilder jsonl = new StringBuilder();
    StringBuilder csv = new StringBuilder("id,user,land,age,a,b,c,d\n"); // attributes are not features
    Map<Integer, String> expected = new HashMap<>();
    long taken = 0;
    for (int i = 0; i < n; i++) {
      String country = i % 3 == 0 ? "BE" : "NL";
      int age = i % 4 == 0 ? 16 : 30;
      jsonl.append("{\"id\": ").append(i).append(", \"user\": \"unit-").append(i).append("\", \"land\": \"")
          .append(country).append("\", \"age\": ").append(age).append(", \"input\": ").append(ROW).append("}\n");
      csv.append(i).append(",unit-").append(i).append(',').append(country).append(',').append(age)
          .append(",5.1,3.5,1.4,0.2\n");
      String answer = online(x.model(), "unit-" + i, "{\"country\": \"" + country + "\", \"age\": " + age + "}");
      expected.put(i, answer);
      assertThat(answer.endsWith(" -")).as("unit-%d (%s, %d) is targeted out online", i, country, age)
          .isEqualTo(!(country.equals("NL") && age >= 18));
      taken += answer.endsWith(" -") ? 0 : 1;
    }
    assertThat(expected.values()).as("both arms and untargeted units").anyMatch(a -> a.endsWith("control"))
        .anyMatch(a -> a.endsWith("treatment")).anyMatch(a -> a.endsWith("-"));

    for (String format : List.of("jsonl", "csv")) {
      String key = "in/" + x.model() + "-targeted." + format;
      BatchTestClient.put(aws.s3(), key, format.equals("jsonl") ? jsonl.toString() : csv.toString());
      JsonPath done = BatchTestClient.awaitFinished(BatchTestClient.submit("{\"model\": \"" + x.model()
          + "\", \"input\": \"s3://pier-batch/" + key + "\", \"unit_column\": \"user\","
          + " \"attribute_columns\": {\"country\": \"land\", \"age\": \"age\"}}"));
      assertThat(done.getString("state")).as(done.prettify()).isEqualTo("SUCCEEDED");
      assertThat(done.getMap("attribute_columns")).isEqualTo(Map.of("country", "land", "age", "age"));
      assertThat(done.getLong("records.succeeded")).as(format).isEqualTo(n);
      for (JsonNode file : JSON.readTree(read(done.getString("manifest"))).get("results")) {
        for (String line : read(file.asText()).split("\n")) {
          if (format.equals("csv") && line.startsWith("id,")) {
            continue;
          }
          int id;
          int version;
          String arm;
          double p;
          if (format.equals("jsonl")) {
            JsonNode row = JSON.readTree(line);
            id = row.get("id").asInt();
            version = row.get("model_version").asInt();
            arm = row.path("experiment_arm").isTextual() ? row.get("experiment_arm").asText() : "";
            p = row.get("probabilities").get(0).asDouble();
          } else {
            String[] cells = line.split(",", -1);
            id = Integer.parseInt(cells[0]);
            version = Integer.parseInt(cells[1]);
            arm = cells[2];
            p = Double.parseDouble(cells[3].replace("\"", "").replace("[", ""));
          }
          String answer = expected.get(id);
          assertThat(version + " " + (arm.isEmpty() ? "-" : arm)).as("%s row %d: %s", format, id, line)
              .isEqualTo(answer);
          assertThat(p).as("%s row %d scored by version %d", format, id, version)
              .isCloseTo(version == 1 ? v1 : v2, org.assertj.core.data.Offset.offset(1e-5));
        }
      }
    }
    // only the targeted-in units are exposed, each once (online and by two jobs)
    JsonNode arms = JSON.readTree(given().get("/api/v1/experiments/" + x.id() + "/results").then().statusCode(200)
        .extract().asString()).get("arms");
    assertThat(arms.get(0).get("units").asLong() + arms.get(1).get("units").asLong()).isEqualTo(taken);

    // attribute columns need a unit column and must be in the input
    given().contentType(ContentType.JSON).body("{\"model\": \"" + x.model() + "\", \"input\": \"s3://pier-batch/in/"
        + x.model() + "-targeted.csv\", \"attribute_columns\": {\"country\": \"land\"}}").post("/api/v1/batch-jobs")
        .then().statusCode(400).body("error", containsString("they need unit_column"));
    given().contentType(ContentType.JSON).body("{\"model\": \"" + x.model() + "\", \"input\": \"s3://pier-batch/in/"
        + x.model() + "-targeted.csv\", \"unit_column\": \"user\", \"attribute_columns\": {\"country\": \"nation\"}}")
        .post("/api/v1/batch-jobs").then().statusCode(400)
        .body("error", containsString("attribute_columns.country 'nation' is not in the input"));
    given().contentType(ContentType.JSON).body("{\"model\": \"" + x.model() + "\", \"input\": \"s3://pier-batch/in/"
        + x.model() + "-targeted.csv\", \"unit_column\": \"user\", \"attribute_columns\": [\"land\"]}")
        .post("/api/v1/batch-jobs").then().statusCode(400).body("error", containsString("attribute_columns must be"));
  }

  /** The version online assignment answers the unit with. */
  private static int onlineVersion(String model, String unit) {
    Response r = given().contentType(ContentType.JSON).header("X-Pier-Unit", unit).body(BODY)
        .post("/v2/models/" + model + "/infer");
    assertThat(r.statusCode()).as(r.asString()).isEqualTo(200);
    return Integer.parseInt(r.path("model_version").toString());
  }

  private String read(String uri) {
    return BatchTestClient.read(aws.s3(), uri);
  }

  @Test
  void eachRowIsScoredByItsUnitsArmTheSameArmAsOnlineAndItsExposureIsRecordedOnce() throws Exception {
    Running x = startExperiment();
    double v1 = firstProbability(x.model(), 1);
    double v2 = firstProbability(x.model(), 2);
    assertThat(Math.abs(v1 - v2)).as("the two arms' models answer differently").isGreaterThan(1e-4);

    int n = 40;
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < n; i++) {
      // two rows per unit for the first ten units: a unit is one exposure however many rows it has
      rows.append("{\"id\": ").append(i).append(", \"user\": \"unit-").append(i % 30).append("\", \"input\": ")
          .append(ROW).append("}\n");
    }
    String key = "in/" + x.model() + ".jsonl";
    BatchTestClient.put(aws.s3(), key, rows.toString());
    String job = BatchTestClient.submit("{\"model\": \"" + x.model() + "\", \"input\": \"s3://pier-batch/" + key
        + "\", \"unit_column\": \"user\"}");
    JsonPath done = BatchTestClient.awaitFinished(job);
    assertThat(done.getString("state")).as(done.prettify()).isEqualTo("SUCCEEDED");
    assertThat(done.getString("unit_column")).isEqualTo("user");
    assertThat(done.getLong("records.succeeded")).isEqualTo(n);

    Map<Integer, Integer> batchVersion = new HashMap<>();
    JsonNode manifest = JSON.readTree(read(done.getString("manifest")));
    for (JsonNode file : manifest.get("results")) {
      for (String line : read(file.asText()).split("\n")) {
        JsonNode row = JSON.readTree(line);
        double p = row.get("probabilities").get(0).asDouble();
        int version = Math.abs(p - v1) < 1e-6 ? 1 : Math.abs(p - v2) < 1e-6 ? 2 : -1;
        assertThat(version).as("row %s scored by one of the arms: %s", row.get("id"), line).isPositive();
        batchVersion.put(row.get("id").asInt(), version);
        assertThat(row.get("model_version").asInt()).as("the row says which version scored it: %s", line)
            .isEqualTo(version);
        assertThat(row.get("experiment_arm").asText()).as(line).isEqualTo(version == 1 ? "control" : "treatment");
      }
    }
    assertThat(batchVersion).hasSize(n);
    assertThat(batchVersion.values()).as("both arms score rows").contains(1, 2);
    int treated = 0;
    for (int u = 0; u < 30; u++) {
      int online = onlineVersion(x.model(), "unit-" + u);
      assertThat(batchVersion.get(u)).as("unit-%d: batch and online arm", u).isEqualTo(online);
      if (u < 10) {
        assertThat(batchVersion.get(u + 30)).as("unit-%d's second row", u).isEqualTo(online);
      }
      treated += online == 2 ? 1 : 0;
    }

    // written with the chunk (before the job finished): 30 units, each in its arm
    JsonNode arms = JSON.readTree(given().get("/api/v1/experiments/" + x.id() + "/results").then().statusCode(200)
        .extract().asString()).get("arms");
    assertThat(arms.get(0).get("units").asLong()).as("control units").isEqualTo(30 - treated);
    assertThat(arms.get(1).get("units").asLong()).as("treatment units").isEqualTo(treated);
  }

  @Test
  void aUnitColumnMissingFromTheFileOrWithoutARunningExperimentIsA400NamingIt() throws Exception {
    Running x = startExperiment();
    BatchTestClient.put(aws.s3(), "in/" + x.model() + "-nouser.jsonl", "{\"id\": 1, \"input\": " + ROW + "}\n");
    BatchTestClient.put(aws.s3(), "in/" + x.model() + "-user.csv", "id,user,a,b,c,d\n1,u1,5.1,3.5,1.4,0.2\n");
    given().contentType(ContentType.JSON).body("{\"model\": \"" + x.model() + "\", \"input\": \"s3://pier-batch/in/"
        + x.model() + "-nouser.jsonl\", \"unit_column\": \"user\"}").post("/api/v1/batch-jobs").then()
        .statusCode(400).body("error", containsString("unit_column 'user' is not in the input"));
    given().contentType(ContentType.JSON).body("{\"model\": \"" + x.model() + "\", \"input\": \"s3://pier-batch/in/"
        + x.model() + "-user.csv\", \"unit_column\": \"customer\"}").post("/api/v1/batch-jobs").then()
        .statusCode(400).body("error", containsString("unit_column 'customer' is not in the input"));
    given().contentType(ContentType.JSON).body("{\"model\": \"" + x.model() + "\", \"version\": \"2\", \"input\":"
        + " \"s3://pier-batch/in/" + x.model() + "-user.csv\", \"unit_column\": \"user\"}")
        .post("/api/v1/batch-jobs").then().statusCode(400).body("error", containsString("version 2 names no alias"));
    given().contentType(ContentType.JSON).body("{\"model\": \"demo\", \"input\": \"s3://pier-batch/in/"
        + x.model() + "-user.csv\", \"unit_column\": \"user\"}").post("/api/v1/batch-jobs").then()
        .statusCode(400).body("error", containsString("no experiment is running on model 'demo' alias 'production'"));
    given().contentType(ContentType.JSON).body("{\"model\": \"" + x.model() + "\", \"input\": \"s3://pier-batch/in/"
        + x.model() + "-user.csv\", \"unit_column\": \" \"}").post("/api/v1/batch-jobs").then()
        .statusCode(400).body("error", containsString("unit_column must name"));

    // the CSV's unit column is not a feature: the other four columns feed the model's one input
    JsonPath done = BatchTestClient.awaitFinished(BatchTestClient.submit("{\"model\": \"" + x.model()
        + "\", \"input\": \"s3://pier-batch/in/" + x.model() + "-user.csv\", \"unit_column\": \"user\"}"));
    assertThat(done.getString("state")).as(done.prettify()).isEqualTo("SUCCEEDED");
    assertThat(done.getLong("records.succeeded")).isEqualTo(1);
  }

  @Test
  void armsWhoseVersionsTakeDifferentInputsAreScoredInOneJobEachRowByItsArmsOwnReading() throws Exception {
    // control (v1) takes the tensor 'input'; treatment (v2) takes named raw features through its feature pipeline
    Running x = startExperiment("{\"framework\":\"onnx\",\"pipeline\":" + PredictApiTest.PIPELINE + "}");
    String features = "\"sepal_length\": 5.1, \"sepal_width\": 3.5, \"petal_length_mm\": 14, \"petal_width\": 0.2";
    double v1 = firstProbability(x.model(), 1);
    double v2 = JSON.readTree(given().contentType(ContentType.JSON).body("{\"instances\": [{" + features + "}]}")
        .post("/api/v1/models/" + x.model() + "/predict?version=2").then().statusCode(200).extract().asString())
        .get("predictions").get(0).get("probabilities").get(0).asDouble();
    assertThat(Math.abs(v1 - v2)).as("the two arms' models answer differently").isGreaterThan(1e-4);

    int n = 24;
    Map<Integer, Integer> online = new HashMap<>();
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < n; i++) {
      int version = onlineVersion(x.model(), "unit-" + i);
      online.put(i, version);
      // each row carries only what its unit's arm reads: the other arm's reading could not score it
      rows.append("{\"id\": ").append(i).append(", \"user\": \"unit-").append(i).append("\", ")
          .append(version == 1 ? "\"input\": " + ROW : features).append("}\n");
    }
    rows.append("{\"id\": 99, \"input\": ").append(ROW).append("}\n"); // no unit: one error row, not two
    assertThat(online.values()).as("both arms have units").contains(1, 2);
    String key = "in/" + x.model() + "-mixed.jsonl";
    BatchTestClient.put(aws.s3(), key, rows.toString());
    JsonPath done = BatchTestClient.awaitFinished(BatchTestClient.submit("{\"model\": \"" + x.model()
        + "\", \"input\": \"s3://pier-batch/" + key + "\", \"unit_column\": \"user\"}"));
    assertThat(done.getString("state")).as(done.prettify()).isEqualTo("SUCCEEDED");
    assertThat(done.getLong("records.succeeded")).isEqualTo(n);
    assertThat(done.getLong("records.failed")).isEqualTo(1);
    assertThat(read(done.getString("errors"))).isEqualTo("{\"id\":99,\"error\":\"missing unit column 'user'\"}\n");

    JsonNode manifest = JSON.readTree(read(done.getString("manifest")));
    List<String> files = new java.util.ArrayList<>();
    Map<Integer, JsonNode> scored = new HashMap<>();
    for (JsonNode file : manifest.get("results")) {
      files.add(file.asText().substring(file.asText().lastIndexOf('/') + 1));
      for (String line : read(file.asText()).split("\n")) {
        JsonNode row = JSON.readTree(line);
        assertThat(scored.put(row.get("id").asInt(), row)).as("row %s scored once", row.get("id")).isNull();
      }
    }
    assertThat(files).as("one result file per input layout").containsExactlyInAnyOrder("part-00000.jsonl",
        "part-00000-v2.jsonl");
    assertThat(scored).hasSize(n);
    for (int i = 0; i < n; i++) {
      JsonNode row = scored.get(i);
      int version = online.get(i);
      assertThat(row.get("model_version").asInt()).as("row %d: %s", i, row).isEqualTo(version);
      assertThat(row.get("experiment_arm").asText()).as("row %d", i).isEqualTo(version == 1 ? "control" : "treatment");
      assertThat(row.get("probabilities").get(0).asDouble()).as("row %d scored as its version answers online", i)
          .isCloseTo(version == 1 ? v1 : v2, org.assertj.core.data.Offset.offset(1e-6));
    }
    JsonNode arms = JSON.readTree(given().get("/api/v1/experiments/" + x.id() + "/results").then().statusCode(200)
        .extract().asString()).get("arms");
    long treated = online.values().stream().filter(v -> v == 2).count();
    assertThat(arms.get(0).get("units").asLong()).as("control units").isEqualTo(n - treated);
    assertThat(arms.get(1).get("units").asLong()).as("treatment units").isEqualTo(treated);
  }

  @Test
  void aVersionsLineageListsTheExperimentsItWasAnArmOfWithTheArmStateAndDates() throws Exception {
    Running x = startExperiment();
    String lineage2 = "/api/v1/models/" + x.model() + "/versions/2/lineage";
    JsonNode running = JSON.readTree(given().get(lineage2).then().statusCode(200).extract().asString())
        .get("downstream").get("experiments");
    assertThat(running).hasSize(1);
    assertThat(running.get(0).get("id").asText()).isEqualTo(x.id());
    assertThat(running.get(0).get("name").asText()).isEqualTo("v2 vs v1 in batch");
    assertThat(running.get(0).get("arm").asText()).isEqualTo("treatment");
    assertThat(running.get(0).get("state").asText()).isEqualTo("running");
    assertThat(running.get(0).get("started_at").asText()).isNotEmpty();
    assertThat(running.get(0).get("stopped_at").isNull()).isTrue();

    given().contentType(ContentType.JSON).header("X-Pier-User", "alice").post("/api/v1/experiments/" + x.id() + "/stop")
        .then().statusCode(200).body("stopped_by", org.hamcrest.Matchers.equalTo("alice"));
    given().get("/api/v1/experiments/" + x.id()).then().statusCode(200)
        .body("stopped_by", org.hamcrest.Matchers.equalTo("alice")); // the history says who stopped it
    JsonNode control = JSON.readTree(given().get("/api/v1/models/" + x.model() + "/versions/1/lineage").then()
        .statusCode(200).extract().asString()).get("downstream").get("experiments");
    assertThat(control).hasSize(1);
    assertThat(control.get(0).get("arm").asText()).isEqualTo("control");
    assertThat(control.get(0).get("state").asText()).isEqualTo("stopped");
    assertThat(control.get(0).get("stopped_at").asText()).isNotEmpty();
  }
}
