package dev.pier.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The Playground: a form built from an XGBoost version's signature (one field per feature), the model's answer, and
 * its exact TreeSHAP values drawn as a bar chart — the same numbers the OIP API answers for the same row; a version
 * with a feature pipeline gets a form of named raw features and its KernelSHAP values per pipeline feature, the
 * numbers {@code /predict} answers.
 */
class PlaygroundConsoleTest extends ConsoleBrowserTest {
  private static final double[] ROW = {6.3, 2.9, 5.6, 1.8};

  @Test
  void predictsFromASignatureBuiltFormAndDrawsTheShapValues() throws Exception {
    String model = unique("play");
    register(model, "iris-xgboost.json", "{\"framework\":\"xgboost\"}");
    JsonNode expected = api("POST", "/v2/models/" + model + "/versions/1/infer", "{\"inputs\":[{\"name\":\"input\","
        + "\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[6.3,2.9,5.6,1.8]}],\"parameters\":{\"explain\":\"shap\"}}");

    open("/console/playground/" + model + "/1");
    for (int i = 0; i < ROW.length; i++) {
      WebElement cell = find("input-input-" + i);
      cell.clear();
      cell.sendKeys(Double.toString(ROW[i]));
    }
    find("predict").click();
    WebElement chart = find("shap-chart");
    waiting().until(d -> "drawn".equals(chart.getAttribute("data-chart")));

    JsonNode probabilities = output(expected, "probabilities");
    String shown = find("output-probabilities").getText();
    for (JsonNode p : probabilities.get("data")) {
      assertThat(shown).contains(trim(p.asDouble()));
    }
    // the column explained is the predicted class; its SHAP values are the API's, one bar per feature
    int columns = output(expected, "shap_values").get("shape").get(1).asInt();
    int predicted = 0;
    for (int c = 1; c < columns; c++) {
      if (probabilities.get("data").get(c).asDouble() > probabilities.get("data").get(predicted).asDouble()) {
        predicted = c;
      }
    }
    List<String> expectedShap = new ArrayList<>();
    for (int f = 0; f < 4; f++) {
      expectedShap.add(trim(output(expected, "shap_values").get("data").get(predicted * 4 + f).asDouble()));
    }
    List<String> shownShap = find("shap-table").findElements(By.cssSelector("tbody td.num")).stream()
        .map(WebElement::getText).toList();
    assertThat(shownShap).containsExactlyElementsOf(expectedShap);
    assertThat(chart.findElements(By.cssSelector("svg path")).size()).isGreaterThanOrEqualTo(4);
    assertThat(chart.findElement(By.tagName("svg")).getText()).contains("feature 0", "feature 3");
    screenshot("playground");
  }

  @Test
  void anInputTheModelRefusesShowsTheApisMessage() throws Exception {
    String model = unique("play-bad");
    register(model, "iris-mlp.onnx", "{\"framework\":\"onnx\"}");
    open("/console/playground/" + model + "/1");
    find("input-input-0").clear(); // a required field left empty: the browser refuses before any call
    find("predict").click();
    assertThat(all("outputs")).isEmpty();
    find("input-input-0").sendKeys("1");
    find("explain").click(); // KernelSHAP needs background rows this version was not registered with: no explain
    find("predict").click();
    assertThat(find("outputs").getText()).contains("probabilities");
  }

  @Test
  void aVersionWithAFeaturePipelineGetsAFormOfItsNamedRawFeatures() throws Exception {
    String model = unique("play-named");
    register(model, "iris-mlp.onnx", "{\"framework\":\"onnx\",\"pipeline\":{\"input\":\"input\",\"features\":["
        + "{\"name\":\"sepal_length\",\"steps\":[{\"impute\":5.8},{\"clip\":[4,8]}]},"
        + "{\"name\":\"sepal_width\",\"steps\":[{\"impute\":3.0}]},"
        + "{\"name\":\"petal_length\",\"expression\":\"petal_length_mm / 10\"},{\"name\":\"petal_width\"}]},"
        + "\"explain\":{\"background\":[[5.1,3.5,1.4,0.2],[7.0,3.2,4.7,1.4],[6.3,3.3,6.0,2.5],[5.8,2.7,5.1,1.9]]}}");
    JsonNode expected = api("POST", "/api/v1/models/" + model + "/predict?version=1",
        "{\"instances\":[{\"sepal_length\":5.1,\"petal_length_mm\":14,\"petal_width\":0.2}],"
            + "\"parameters\":{\"explain\":\"shap\"}}");

    open("/console/playground/" + model + "/1");
    // the raw names the pipeline reads: the expression's petal_length_mm, not the feature it makes
    assertThat(find("playground-form").findElements(By.cssSelector("input:not([type=checkbox])")).stream()
        .map(e -> e.getDomAttribute("name")).toList())
        .containsExactly("sepal_length", "sepal_width", "petal_length_mm", "petal_width");
    find("feature-sepal_length").sendKeys("5.1");
    find("feature-petal_length_mm").sendKeys("14");
    find("feature-petal_width").sendKeys("0.2"); // sepal_width left empty: imputed by the pipeline
    find("predict").click();
    String shown = find("output-probabilities").getText();
    for (JsonNode p : expected.get("predictions").get(0).get("probabilities")) {
      assertThat(shown).contains(trim(p.asDouble()));
    }
    assertThat(find("output-label").getText()).endsWith(expected.get("predictions").get(0).get("label").asText());
    assertThat(all("output-shap_values")).isEmpty();

    // "Explain with SHAP" (on by default): the API's SHAP values of the predicted class, one bar per pipeline feature
    WebElement chart = find("shap-chart");
    waiting().until(d -> "drawn".equals(chart.getAttribute("data-chart")));
    JsonNode prediction = expected.get("predictions").get(0);
    int predicted = prediction.get("label").asInt();
    assertThat(prediction.get("shap_output").asText()).isEqualTo("probabilities");
    List<String> expectedShap = new ArrayList<>();
    for (JsonNode s : prediction.get("shap_values").get(predicted)) {
      expectedShap.add(trim(s.asDouble()));
    }
    assertThat(expectedShap).hasSize(4);
    List<String> shownShap = find("shap-table").findElements(By.cssSelector("tbody td.num")).stream()
        .map(WebElement::getText).toList();
    assertThat(shownShap).containsExactlyElementsOf(expectedShap);
    assertThat(find("shap-table").findElements(By.cssSelector("tbody tr")).stream()
        .map(r -> r.findElement(By.tagName("td")).getText()).toList())
        .containsExactly("sepal_length", "sepal_width", "petal_length", "petal_width");
    assertThat(chart.findElements(By.cssSelector("svg path")).size()).isGreaterThanOrEqualTo(4);
    assertThat(chart.findElement(By.tagName("svg")).getText())
        .contains("sepal_length", "sepal_width", "petal_length", "petal_width");
    screenshot("playground-named");

    // petal_width has no impute step: left empty, the API's 400 naming it is shown
    find("feature-petal_width").clear();
    find("predict").click();
    String refused = call("POST", "/api/v1/models/" + model + "/predict?version=1",
        "{\"instances\":[{\"sepal_length\":5.1,\"petal_length_mm\":14}]}").body().get("detail").asText();
    assertThat(find("error").getText()).isEqualTo(refused).contains("petal_width");
  }

  @Test
  void aVersionWithAFeatureServiceAsksForItsJoinKeysAndPredictsFromTheOnlineStore() throws Exception {
    String view = "con7_fv_" + java.util.UUID.randomUUID().toString().substring(0, 8);
    String service = view + "_svc";
    api("POST", "/api/v1/features/apply", """
        {"entities": [{"name": "%1$s_rider", "join_keys": ["rider_id"], "value_type": "INT64"}],
         "sources": [{"name": "%1$s_stats", "kind": "parquet", "path": "s3://pier-batch/%1$s/",
                      "timestamp_field": "event_timestamp"},
                     {"name": "%1$s_push", "kind": "push", "batch_source": "%1$s_stats"}],
         "feature_views": [{"name": "%1$s", "entities": ["%1$s_rider"], "ttl": "1d", "source": "%1$s_push",
                            "online": true,
                            "schema": [{"name": "sepal_length", "dtype": "FLOAT64"},
                                       {"name": "sepal_width", "dtype": "FLOAT64"},
                                       {"name": "petal_length", "dtype": "FLOAT64"},
                                       {"name": "petal_width", "dtype": "FLOAT64"}]}],
         "feature_services": [{"name": "%2$s", "features": ["%1$s"]}]}
        """.formatted(view, service));
    String now = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    api("POST", "/api/v1/features/push", """
        {"push_source_name": "%s_push", "to": "online",
         "df": {"rider_id": [7001, 7002], "sepal_length": [5.1, 6.3], "sepal_width": [3.5, 2.9],
                "petal_length": [1.4, 5.6], "petal_width": [0.2, 1.8], "event_timestamp": ["%s", "%s"]}}
        """.formatted(view, now, now));
    String model = unique("play-store");
    register(model, "iris-mlp.onnx", "{\"framework\":\"onnx\",\"feature_service\":\"" + service + "\","
        + "\"pipeline\":{\"input\":\"input\",\"features\":[{\"name\":\"sepal_length\"},{\"name\":\"sepal_width\"},"
        + "{\"name\":\"petal_length\"},{\"name\":\"petal_width\"}]}}");
    JsonNode expected = api("POST", "/api/v1/models/" + model + "/predict?version=1",
        "{\"instances\":[{\"rider_id\":7002}]}").get("predictions").get(0);

    open("/console/playground/" + model + "/1");
    // the join key first (typed by the entity's value_type), then the pipeline's features as optional overrides
    assertThat(find("playground-form").findElements(By.cssSelector("input:not([type=checkbox])")).stream()
        .map(e -> e.getDomAttribute("name")).toList())
        .containsExactly("rider_id", "sepal_length", "sepal_width", "petal_length", "petal_width");
    assertThat(find("key-rider_id").getDomAttribute("type")).isEqualTo("number");
    assertThat(find("join-keys").getText()).contains("rider_id (INT64, required)");
    assertThat(find("online-store-note").getText()).contains("online store", service, "unless overridden");
    find("explain").click(); // this version has no explain background
    find("key-rider_id").sendKeys("7002");
    find("predict").click();
    String shown = find("output-probabilities").getText();
    for (JsonNode p : expected.get("probabilities")) {
      assertThat(shown).contains(trim(p.asDouble()));
    }
    assertThat(find("output-label").getText()).endsWith(expected.get("label").asText());
    screenshot("playground-feature-service");

    // an entity the online store does not know: the API's 400 (the feature NOT_FOUND, no impute step) is shown
    find("key-rider_id").clear();
    find("key-rider_id").sendKeys("9999");
    find("predict").click();
    Answer refused = call("POST", "/api/v1/models/" + model + "/predict?version=1",
        "{\"instances\":[{\"rider_id\":9999}]}");
    assertThat(refused.status()).isEqualTo(400);
    assertThat(find("error").getText()).isEqualTo(refused.body().get("detail").asText())
        .contains("NOT_FOUND", "rider_id=9999");
  }

  private static JsonNode output(JsonNode answer, String name) {
    for (JsonNode o : answer.get("outputs")) {
      if (o.get("name").asText().equals(name)) {
        return o;
      }
    }
    throw new AssertionError("no output " + name + " in " + answer);
  }

  /** As the console's ui.num(x, 5) shows a number. */
  private static String trim(double v) {
    double a = Math.abs(v);
    if (a != 0 && (a < 1e-3 || a >= 1e6)) {
      return String.format(java.util.Locale.ROOT, "%.2e", v).replace("e-0", "e-").replace("e+0", "e+");
    }
    return new java.math.BigDecimal(v).round(new java.math.MathContext(5)).stripTrailingZeros().toPlainString();
  }
}
