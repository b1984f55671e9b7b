package dev.pier.console;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.JavascriptExecutor;

/**
 * Signing in to a server started with {@code ./pier up --auth}: the API's 401 brings the sign-in page, a wrong key
 * shows the API's own message, a right key is kept in the tab's sessionStorage and sent as {@code X-Api-Key} but never
 * shown, and signing out forgets it.
 */
class SignInConsoleTest extends ConsoleBrowserTest {
  @AfterEach
  void signedInAgain() throws Exception {
    open("/console/models"); // leaves the browser signed in for the other tests
  }

  @Test
  void signsInWithAnApiKeyShowsAWrongKeysErrorAndSignsOut() throws Exception {
    String key = keyOf("console");
    browser.get(base + "/console/models");
    ((JavascriptExecutor) browser).executeScript("sessionStorage.clear()");
    reload();
    assertThat(find("view-signin").getText()).contains("Sign in", "API key");
    assertThat(all("error")).isEmpty();

    String wrong = "pier_0000000000000000_nottherightsecret";
    signIn(wrong);
    assertThat(find("error").getText()).isEqualTo(call("GET", "/api/v1/models", null, wrong).body().get("detail").asText());

    signIn(key);
    assertThat(find("view-models").getText()).contains("Models");
    assertThat(find("who").getText()).contains("Signed in with an API key");
    assertThat(browser.getPageSource()).doesNotContain(key.substring(key.lastIndexOf('_') + 1));
    assertThat(((JavascriptExecutor) browser).executeScript("return document.querySelector('input[type=password]')"))
        .isNull();

    clickAndWait(find("sign-out"));
    assertThat(find("view-signin").getText()).contains("Sign in");
    assertThat(((JavascriptExecutor) browser).executeScript("return sessionStorage.length")).isEqualTo(0L);
  }
}
