package dev.pier.console;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The console's shell against {@code ./pier up}: served at /console/ with no separate step, a navigation bar of real
 * links, deep links that survive a reload, and a not-found page (never a blank one) for unknown paths and for a model
 * or version the API says does not exist.
 */
class ConsoleShellTest extends ConsoleBrowserTest {
  @Test
  void servesTheModelsPageWithNavigationAndDeepLinksThatSurviveAReload() throws Exception {
    String model = unique("shell");
    register(model, "iris-mlp.onnx", "{\"framework\":\"onnx\"}");
    api("PUT", "/api/v1/models/" + model + "/aliases/production", "{\"version\":1}");

    open("/console/");
    assertThat(browser.getTitle()).isEqualTo("Models · Pier");
    assertThat(find("nav").findElements(By.tagName("a"))).extracting(WebElement::getText)
        .contains("Models", "Deployments", "Batch", "Features", "Monitoring", "Experiments", "Training", "Latency");
    WebElement row = find("model-" + model);
    assertThat(row.getText()).contains(model, "v1", "production → v1");

    // a real link, followed by the router (no page load), then the same URL reloaded from the server
    clickAndWait(row.findElement(By.linkText(model)));
    assertThat(browser.getCurrentUrl()).isEqualTo(base + "/console/models/" + model);
    assertThat(find("view-models").findElement(By.tagName("h1")).getText()).isEqualTo(model);
    reload();
    assertThat(find("view-models").findElement(By.tagName("h1")).getText()).isEqualTo(model);
    open("/console/models/" + model + "/versions/1");
    assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo(model + " v1");
    browser.navigate().back();
    waiting().until(d -> d.getCurrentUrl().endsWith("/console/models/" + model));
  }

  @Test
  void unknownPathsAndMissingModelsShowTheNotFoundPage() throws Exception {
    open("/console/no/such/page");
    assertThat(find("notfound").getText()).isEqualTo("Not found");
    assertThat(find("view-notfound").getText()).contains("There is no console page at /console/no/such/page");

    open("/console/models/no-such-model-" + System.nanoTime());
    assertThat(find("notfound").getText()).isEqualTo("Not found");
    assertThat(find("view-notfound").getText()).containsIgnoringCase("no-such-model");

    String model = unique("shell-nf");
    register(model, "iris-mlp.onnx", "{\"framework\":\"onnx\"}");
    open("/console/models/" + model + "/versions/7");
    assertThat(find("notfound").getText()).isEqualTo("Not found");
    screenshot("not-found");
  }

  @Test
  void theConsoleFilesAndDeepLinksAreServedByThePlainServer() throws Exception {
    java.net.http.HttpClient c = java.net.http.HttpClient.newHttpClient();
    for (String path : new String[] {"/console/", "/console/models/x/versions/3", "/console/experiments/exp-1"}) {
      var r = c.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + path)).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(path).isEqualTo(200);
      assertThat(r.body()).as(path).contains("<script type=\"module\" src=\"/console/app.js\">");
    }
    var js = c.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/console/vendor/echarts.esm.min.js"))
        .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(js.statusCode()).isEqualTo(200);
    assertThat(js.headers().firstValue("content-type").orElse("")).contains("javascript");
    var missing = c.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/console/views/nope.js"))
        .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(missing.statusCode()).isEqualTo(404);
  }
}
