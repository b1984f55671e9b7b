package dev.pier.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.JavascriptExecutor;

/**
 * The console offers only what the caller may do, as {@code GET /api/v1/me?model=…} says: signed in with a viewer key
 * the version page has no Approve/Reject and the deployments page neither moves nor rolls back; with an approver key
 * the same pages offer them. The answers of {@code /api/v1/me} are the API's own decisions (a viewer's approve is a
 * 403).
 */
class PermissionsConsoleTest extends ConsoleBrowserTest {
  @AfterEach
  void signedInAgain() throws Exception {
    ((JavascriptExecutor) browser).executeScript("sessionStorage.clear()");
    open("/console/models"); // signs the browser in with the console's own key again for the other tests
  }

  private String keyWith(String... roles) throws Exception {
    JsonNode created = api("POST", "/api/v1/keys", "{\"name\":\"" + unique("perm") + "\",\"roles\":"
        + JSON.writeValueAsString(List.of(roles)) + "}");
    return created.get("key").asText();
  }

  private void signInWith(String key, String path) throws Exception {
    browser.get(base + path);
    ((JavascriptExecutor) browser).executeScript("sessionStorage.clear()");
    reload();
    signIn(key);
  }

  private static List<String> permissions(JsonNode me) {
    List<String> out = new ArrayList<>();
    me.get("permissions").forEach(p -> out.add(p.asText()));
    return out;
  }

  @Test
  void aViewerSeesNoApproveRejectMoveOrRollbackAndAnApproverDoes() throws Exception {
    String model = unique("perm");
    register(model, "iris-mlp.onnx", "{\"framework\":\"onnx\"}", "alice");
    api("PUT", "/api/v1/models/" + model + "/aliases/production", "{\"version\":1}");
    api("PATCH", "/api/v1/models/" + model, "{\"approval_policy\":{\"required\":true,\"approvals\":1}}");
    int pending = register(model, "iris-mlp.onnx", "{\"framework\":\"onnx\"}", "alice");
    String viewer = keyWith("viewer");
    String approver = keyWith("approver:" + model);

    JsonNode me = call("GET", "/api/v1/me?model=" + model, null, viewer).body();
    assertThat(permissions(me)).containsExactly("read");
    assertThat(call("POST", "/api/v1/models/" + model + "/versions/" + pending + "/approve", "{}", viewer).status())
        .isEqualTo(403);
    assertThat(permissions(call("GET", "/api/v1/me?model=" + model, null, approver).body()))
        .containsExactlyInAnyOrder("read", "predict", "alias", "approve");

    signInWith(viewer, "/console/models/" + model + "/versions/" + pending);
    assertThat(find("review").getText()).contains("PENDING_REVIEW");
    assertThat(all("approve")).isEmpty();
    assertThat(all("reject")).isEmpty();
    assertThat(find("review-not-allowed").getText()).contains("may not approve");
    open("/console/deployments/" + model);
    assertThat(find("alias-production").getText()).contains("v1");
    assertThat(all("rollback-production")).isEmpty();
    assertThat(all("move-form")).isEmpty();
    assertThat(find("move-not-allowed").getText()).contains("may not move");
    screenshot("permissions-viewer");

    signInWith(approver, "/console/models/" + model + "/versions/" + pending);
    assertThat(find("approve").isDisplayed()).isTrue();
    assertThat(find("reject").isDisplayed()).isTrue();
    open("/console/deployments/" + model);
    assertThat(find("rollback-production").isDisplayed()).isTrue();
    assertThat(find("move-form").isDisplayed()).isTrue();
  }
}
