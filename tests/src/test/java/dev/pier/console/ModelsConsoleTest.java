package dev.pier.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The Models view: version search in MLflow's filter syntax with the server's sorting and paging, a version's page
 * (signature, metrics, params, tags, lineage, model card, audit) and its review buttons, whose approve changes the
 * version through the API and whose refused approve shows the API's message and changes nothing.
 */
class ModelsConsoleTest extends ConsoleBrowserTest {
  private List<String> versionCells() {
    return browser.findElements(By.cssSelector("[data-testid='versions-table'] tbody tr td:nth-child(2)")).stream()
        .map(WebElement::getText).toList();
  }

  @Test
  void searchesVersionsWithAnMlflowFilterSortedAndPagedByTheServer() throws Exception {
    String model = unique("search");
    String team = unique("team");
    double[] accuracy = {0.91, 0.97, 0.93};
    for (double a : accuracy) {
      register(model, "iris-mlp.onnx", "{\"framework\":\"onnx\",\"tags\":{\"team\":\"" + team + "\"},"
          + "\"metrics\":{\"accuracy\":" + a + "}}");
    }
    register(unique("other"), "iris-mlp.onnx", "{\"framework\":\"onnx\",\"tags\":{\"team\":\"someone-else\"}}");

    String filter = "tags.team = '" + team + "' AND metrics.accuracy > 0.9";
    open("/console/models?max_results=2&filter=" + URLEncoder.encode(filter, StandardCharsets.UTF_8));
    assertThat(find("search").getAttribute("value")).isEqualTo(filter);
    assertThat(versionCells()).hasSize(2);

    // sorted by the server: ascending, then descending by the metric
    find("sort-metrics.accuracy").click();
    waiting().until(d -> versionCells().equals(List.of("v1", "v3")));
    find("sort-metrics.accuracy").click();
    waiting().until(d -> versionCells().equals(List.of("v2", "v3")));
    assertThat(browser.getCurrentUrl()).contains("order_by=metrics.accuracy+DESC");
    assertThat(find("versions-table").getText()).contains("0.97", "0.93").doesNotContain("someone-else");

    // paged by the server: the third version is on page 2, and Previous returns to page 1
    find("next").click();
    waiting().until(d -> versionCells().equals(List.of("v1")));
    assertThat(find("next").isEnabled()).isFalse();
    find("prev").click();
    waiting().until(d -> versionCells().equals(List.of("v2", "v3")));

    // a filter the API refuses shows its message
    open("/console/models?filter=" + URLEncoder.encode("colour = 'red'", StandardCharsets.UTF_8));
    assertThat(find("error").getText()).contains("cannot search by 'colour'");
  }

  @Test
  void aVersionPageShowsWhatWasRegisteredAndApprovesThroughTheApi() throws Exception {
    String model = unique("review");
    register(model, "iris-mlp.onnx", "{\"framework\":\"onnx\"}", "alice");
    api("PATCH", "/api/v1/models/" + model, "{\"approval_policy\":{\"required\":true,\"approvals\":1}}");
    int v2 = register(model, "iris-mlp-v2.onnx", "{\"framework\":\"onnx\",\"description\":\"16 hidden units\","
        + "\"metrics\":{\"accuracy\":0.98},\"params\":{\"hidden\":\"16\"},\"tags\":{\"team\":\"iris\"},"
        + "\"lineage\":{\"datasets\":[{\"uri\":\"s3://data/iris.csv\",\"version\":\"7\"}],"
        + "\"code\":{\"repository\":\"https://example.com/iris.git\",\"commit\":\"0123456789abcdef\"}}}", "alice");
    api("PUT", "/api/v1/models/" + model + "/versions/" + v2 + "/card",
        "{\"intended_use\":\"classifying irises\",\"limitations\":\"three species only\"}");

    open("/console/models/" + model + "/versions/" + v2);
    assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo(model + " v2");
    assertThat(find("signature-table").getText()).contains("input", "FP32", "[-1, 4]");
    assertThat(find("kv-accuracy").getText()).contains("0.98");
    assertThat(find("kv-hidden").getText()).contains("16");
    assertThat(find("kv-team").getText()).contains("iris");
    assertThat(find("lineage-upstream").getText()).contains("s3://data/iris.csv @ 7", "0123456789");
    WebElement graph = find("lineage-graph");
    waiting().until(d -> "drawn".equals(graph.getAttribute("data-chart")));
    assertThat(graph.findElements(By.cssSelector("svg path")).size()).as("nodes and edges").isGreaterThanOrEqualTo(3);
    assertThat(find("card").getText()).contains("classifying irises", "three species only");
    assertThat(find("review").getText()).contains("PENDING_REVIEW");
    screenshot("models-version");

    find("review-comment").sendKeys("looks good");
    clickAndWait(find("approve"));
    assertThat(api("GET", "/api/v1/models/" + model + "/versions/" + v2, null).get("status").asText())
        .isEqualTo("APPROVED");
    assertThat(find("review").getText()).contains("APPROVED");
    assertThat(find("audit-table").getText()).contains("looks good");
  }

  @Test
  void aRefusedApprovalShowsTheApisMessageAndChangesNothing() throws Exception {
    String model = unique("refused");
    register(model, "iris-mlp.onnx", "{\"framework\":\"onnx\"}");
    api("PATCH", "/api/v1/models/" + model, "{\"approval_policy\":{\"required\":true,\"approvals\":1}}");
    int v2 = register(model, "iris-mlp.onnx", "{\"framework\":\"onnx\"}"); // created by the console's own caller

    open("/console/models/" + model + "/versions/" + v2);
    find("approve").click();
    String message = find("error").getText();
    assertThat(message).isNotBlank();
    var answer = call("POST", "/api/v1/models/" + model + "/versions/" + v2 + "/approve", "{}");
    assertThat(answer.status()).isEqualTo(403);
    assertThat(message).isEqualTo(answer.body().get("detail").asText());
    assertThat(api("GET", "/api/v1/models/" + model + "/versions/" + v2, null).get("status").asText())
        .isEqualTo("PENDING_REVIEW");
  }

  @Test
  void theModelsPagesFitAPhoneWidthScreen() throws Exception {
    String model = unique("phone");
    register(model, "iris-mlp.onnx", "{\"framework\":\"onnx\",\"metrics\":{\"accuracy\":0.9}}");
    phoneWidth();
    open("/console/models/" + model);
    assertThat(find("version-1").getText()).contains("v1");
    assertThat(scrollsSideways()).as("the page scrolls sideways at 390 px").isFalse();
    open("/console/models/" + model + "/versions/1");
    assertThat(scrollsSideways()).as("the version page scrolls sideways at 390 px").isFalse();
    screenshot("models-phone");
  }
}
