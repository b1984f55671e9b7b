package dev.pier.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * The Deployments view: an alias with a canary drawn as its traffic split, the serving status of each version, moving
 * an alias and rolling one back (confirmed in a dialog), each checked through the API afterwards; a move the API
 * refuses shows its message and changes nothing.
 */
class DeploymentsConsoleTest extends ConsoleBrowserTest {
  private JsonNode alias(String model, String alias) throws Exception {
    return api("GET", "/api/v1/models/" + model + "/aliases/" + alias, null);
  }

  private void move(String alias, String version) {
    find("move-alias").clear();
    find("move-alias").sendKeys(alias);
    find("move-version").clear();
    find("move-version").sendKeys(version);
  }

  @Test
  void drawsTheTrafficMovesAnAliasAndRollsItBack() throws Exception {
    String model = unique("deploy");
    register(model, "iris-mlp.onnx", "{\"framework\":\"onnx\"}");
    register(model, "iris-mlp-v2.onnx", "{\"framework\":\"onnx\"}");
    api("PUT", "/api/v1/models/" + model + "/aliases/production",
        "{\"version\":1,\"canary\":{\"version\":2,\"weight\":0.25}}");

    open("/console/deployments/" + model);
    assertThat(find("alias-production").getText()).contains("v1 (75 %)", "canary v2 (25 %)");
    var chart = find("traffic-chart");
    waiting().until(d -> "drawn".equals(chart.getAttribute("data-chart")));
    assertThat(chart.findElements(By.cssSelector("svg path")).size()).isGreaterThanOrEqualTo(2);
    assertThat(chart.findElement(By.tagName("svg")).getText()).contains("v1 75 %", "v2 25 %");
    assertThat(find("status-v1").getText()).contains("READY");
    assertThat(find("status-v2").getText()).contains("READY");
    screenshot("deployments");

    // move: staging → v2, through the form
    move("staging", "2");
    clickAndWait(find("move-submit"));
    assertThat(alias(model, "staging").get("version").asInt()).isEqualTo(2);
    assertThat(find("alias-staging").getText()).contains("v2 (100 %)");

    // a move the API refuses: its message, and production unchanged
    move("production", "99");
    find("move-submit").click();
    String refused = find("error").getText();
    assertThat(refused).isEqualTo(call("PUT", "/api/v1/models/" + model + "/aliases/production", "{\"version\":99}")
        .body().get("detail").asText());
    assertThat(alias(model, "production").get("version").asInt()).isEqualTo(1);
    assertThat(alias(model, "production").get("canary").get("weight").asDouble()).isEqualTo(0.25);

    // promote, then roll back (cancelled once, then confirmed)
    move("production", "2");
    clickAndWait(find("move-submit"));
    assertThat(alias(model, "production").get("version").asInt()).isEqualTo(2);
    find("rollback-production").click();
    find("confirm-no").click();
    assertThat(alias(model, "production").get("version").asInt()).isEqualTo(2);
    find("rollback-production").click();
    clickAndWait(find("confirm-yes"));
    JsonNode back = alias(model, "production");
    assertThat(back.get("version").asInt()).isEqualTo(1);
    assertThat(back.get("canary").get("version").asInt()).isEqualTo(2);
    assertThat(find("alias-production").getText()).contains("v1 (75 %)");
    assertThat(find("history-table").getText()).contains("production");
  }

  @Test
  void listsEveryModelsAliases() throws Exception {
    String model = unique("deploy-list");
    register(model, "iris-mlp.onnx", "{\"framework\":\"onnx\"}");
    api("PUT", "/api/v1/models/" + model + "/aliases/production", "{\"version\":1}");
    open("/console/deployments");
    assertThat(find("deployment-" + model).getText()).contains("production → v1");
    clickAndWait(find("deployment-" + model).findElement(By.linkText(model)));
    assertThat(browser.getCurrentUrl()).endsWith("/console/deployments/" + model);
  }
}
