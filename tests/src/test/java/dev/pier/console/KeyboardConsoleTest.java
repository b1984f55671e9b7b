package dev.pier.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;

/**
 * The console used with the keyboard alone (Tab, Shift+Tab, Enter, Escape — no mouse): the skip link, sorting and
 * paging a table without losing the focus, opening a version page that puts the focus on its heading, and a rollback
 * whose confirmation Escape cancels and Enter confirms.
 */
class KeyboardConsoleTest extends ConsoleBrowserTest {
  private List<String> versionCells() {
    return browser.findElements(By.cssSelector("[data-testid='versions-table'] tbody tr td:nth-child(2)")).stream()
        .map(WebElement::getText).toList();
  }

  private WebElement focused() {
    return browser.switchTo().activeElement();
  }

  private String focusedTestid() {
    String id = focused().getDomAttribute("data-testid");
    return id == null ? "" : id;
  }

  private void press(CharSequence... keys) {
    new Actions(browser).sendKeys(keys).perform();
  }

  /** Presses Tab (or Shift+Tab) until the focused element is the one sought; fails after 80 presses. */
  private WebElement tabTo(String what, Predicate<WebElement> sought, boolean backwards) {
    for (int i = 0; i < 80; i++) {
      if (sought.test(focused())) {
        return focused();
      }
      if (backwards) {
        new Actions(browser).keyDown(Keys.SHIFT).sendKeys(Keys.TAB).keyUp(Keys.SHIFT).perform();
      } else {
        press(Keys.TAB);
      }
    }
    throw new AssertionError("Tab never reached " + what + "; the focus is on " + focused().getTagName() + " "
        + focused().getText());
  }

  private WebElement tabTo(String testid) {
    return tabTo("[data-testid=" + testid + "]", e -> testid.equals(e.getDomAttribute("data-testid")), false);
  }

  /** Presses Enter on the focused element and waits for the console to draw the page it leads to. */
  private void enterAndWait() {
    int before = renders();
    press(Keys.ENTER);
    waitRendered(before);
  }

  @Test
  void skipsToTheContentSortsPagesAndOpensAVersionWithTheKeyboardAlone() throws Exception {
    String model = unique("keys");
    for (double accuracy : new double[] {0.91, 0.97, 0.93}) {
      register(model, "iris-mlp.onnx", "{\"framework\":\"onnx\",\"metrics\":{\"accuracy\":" + accuracy + "}}");
    }
    open("/console/models?max_results=2&filter="
        + URLEncoder.encode("name = '" + model + "'", StandardCharsets.UTF_8));
    assertThat(versionCells()).hasSize(2);

    // the first Tab of the page is the skip link; Enter moves the focus past the navigation to the content
    ((org.openqa.selenium.JavascriptExecutor) browser).executeScript("document.activeElement.blur()");
    press(Keys.TAB);
    assertThat(focused().getText()).isEqualTo("Skip to content");
    press(Keys.ENTER);
    waiting().until(d -> "main".equals(focused().getDomAttribute("id")));
    assertThat(browser.getCurrentUrl()).contains("/console/models?"); // the same page, not another one drawn

    // a sort header: Enter sorts by the server, and the focus stays on the header for the next Enter
    tabTo("sort-metrics.accuracy");
    press(Keys.ENTER);
    waiting().until(d -> versionCells().equals(List.of("v1", "v3")));
    assertThat(focusedTestid()).isEqualTo("sort-metrics.accuracy");
    press(Keys.ENTER);
    waiting().until(d -> versionCells().equals(List.of("v2", "v3")));
    assertThat(focusedTestid()).isEqualTo("sort-metrics.accuracy");

    // the pager: Next, then (Next now disabled) the focus on Previous, whose Enter goes back
    tabTo("next");
    press(Keys.ENTER);
    waiting().until(d -> versionCells().equals(List.of("v1")));
    assertThat(focusedTestid()).isEqualTo("prev");
    press(Keys.ENTER);
    waiting().until(d -> versionCells().equals(List.of("v2", "v3")));
    assertThat(focusedTestid()).isEqualTo("next");

    // a version's link: Enter opens its page, whose heading takes the focus
    tabTo("the link to v3", e -> "a".equals(e.getTagName()) && String.valueOf(e.getDomAttribute("href"))
        .endsWith("/console/models/" + model + "/versions/3"), true);
    enterAndWait();
    assertThat(browser.getCurrentUrl()).endsWith("/console/models/" + model + "/versions/3");
    assertThat(focused().getTagName()).isEqualTo("h1");
    assertThat(focused().getText()).isEqualTo(model + " v3");
  }

  @Test
  void rollsBackWithTheKeyboardAndEscapeCancelsTheConfirmation() throws Exception {
    String model = unique("keys-deploy");
    register(model, "iris-mlp.onnx", "{\"framework\":\"onnx\"}");
    register(model, "iris-mlp-v2.onnx", "{\"framework\":\"onnx\"}");
    api("PUT", "/api/v1/models/" + model + "/aliases/production", "{\"version\":1}");
    api("PUT", "/api/v1/models/" + model + "/aliases/production", "{\"version\":2}");
    open("/console/deployments/" + model);

    tabTo("rollback-production");
    press(Keys.ENTER);
    find("confirm");
    assertThat(focusedTestid()).as("the safe choice has the focus").isEqualTo("confirm-no");
    press(Keys.ESCAPE);
    waiting().until(d -> all("confirm").isEmpty());
    assertThat(alias(model).get("version").asInt()).as("Escape changed nothing").isEqualTo(2);

    tabTo("rollback-production");
    press(Keys.ENTER);
    find("confirm");
    tabTo("[data-testid=confirm-yes]", e -> "confirm-yes".equals(e.getDomAttribute("data-testid")), true);
    enterAndWait();
    assertThat(alias(model).get("version").asInt()).isEqualTo(1);
    assertThat(find("alias-production").getText()).contains("v1 (100 %)");
  }

  private JsonNode alias(String model) throws Exception {
    return api("GET", "/api/v1/models/" + model + "/aliases/production", null);
  }
}
