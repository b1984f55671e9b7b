package dev.pier.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.JavascriptExecutor;

/**
 * Signing in as in AWS (Cognito hosted UI → JWT), against {@link IdentityStandIn}: the shared server's
 * {@code /console/config.json} ({@code pier.console.config-file}) names the stand-in as the hosted UI, and the API's
 * JWT check ({@code pier.auth.jwt.issuer}, {@code pier.auth.jwt.jwks}) trusts its issuer and keys. The console's button
 * goes through authorize → code → token (PKCE), shows who signed in and calls the API with the bearer token; the
 * API refuses a tampered or expired token, and the stand-in a code exchanged without the right PKCE verifier.
 */
class CognitoSignInConsoleTest extends ConsoleBrowserTest {
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void signedInWithTheKeyAgain() throws Exception {
    ((JavascriptExecutor) browser).executeScript("sessionStorage.clear()");
    open("/console/models"); // leaves the browser signed in with the console's API key for the other tests
  }

  @Test
  void signsInThroughTheHostedUiAndCallsTheApiWithTheToken() throws Exception {
    identity().signInAs("alice");
    browser.get(base + "/console/models");
    ((JavascriptExecutor) browser).executeScript("sessionStorage.clear()");
    reload();
    assertThat(find("view-signin").getText()).contains("Sign in with your organisation");

    find("hosted-ui").click(); // to the stand-in's /oauth2/authorize, back to /console/?code=…, token exchanged
    waiting().until(d -> d.getCurrentUrl().endsWith("/console/models"));
    waitRendered(0);
    assertThat(find("view-models").getText()).contains("Models");
    assertThat(find("who").getText()).contains("Signed in as alice");
    Object token = ((JavascriptExecutor) browser).executeScript("return sessionStorage.getItem('pier.console.token')");
    assertThat(token).isInstanceOf(String.class);
    assertThat(((JavascriptExecutor) browser).executeScript("return sessionStorage.getItem('pier.console.api-key')"))
        .isNull();
    assertThat(browser.getCurrentUrl()).doesNotContain("code=");

    HttpResponse<String> me = bearer((String) token);
    assertThat(me.statusCode()).as(me.body()).isEqualTo(200);
    assertThat(JSON.readTree(me.body()).get("principal").asText()).isEqualTo("jwt:alice-sub");
    assertThat(JSON.readTree(me.body()).get("kind").asText()).isEqualTo("jwt");
  }

  @Test
  void theApiRefusesATamperedOrExpiredTokenAndTheIssuerAWrongVerifier() throws Exception {
    String good = identity().token("bob", Instant.now().plusSeconds(600));
    assertThat(bearer(good).statusCode()).isEqualTo(200);

    String[] parts = good.split("\\.");
    String claims = new String(java.util.Base64.getUrlDecoder().decode(parts[1]), java.nio.charset.StandardCharsets.UTF_8);
    String tampered = parts[0] + "." + IdentityStandIn.b64(claims.replace("bob-sub", "root-sub")
        .getBytes(java.nio.charset.StandardCharsets.UTF_8)) + "." + parts[2];
    HttpResponse<String> refused = bearer(tampered);
    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(refused.body()).contains("bearer token");

    HttpResponse<String> expired = bearer(identity().token("bob", Instant.now().minusSeconds(600)));
    assertThat(expired.statusCode()).isEqualTo(401);
    assertThat(expired.body()).containsIgnoringCase("expired");

    // a code is only exchanged with the verifier whose hash the authorize request carried
    String redirect = base + "/console/";
    HttpResponse<String> authorize = http.send(HttpRequest.newBuilder(URI.create(identity().issuer()
        + "/oauth2/authorize?response_type=code&client_id=" + IdentityStandIn.CLIENT_ID + "&redirect_uri="
        + java.net.URLEncoder.encode(redirect, java.nio.charset.StandardCharsets.UTF_8)
        + "&code_challenge_method=S256&code_challenge=" + IdentityStandIn.b64(java.security.MessageDigest
            .getInstance("SHA-256").digest("the-right-verifier".getBytes(java.nio.charset.StandardCharsets.US_ASCII)))))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(authorize.statusCode()).isEqualTo(302);
    String code = authorize.headers().firstValue("Location").orElseThrow().replaceFirst(".*code=", "");
    HttpResponse<String> wrong = http.send(HttpRequest.newBuilder(URI.create(identity().issuer() + "/oauth2/token"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("grant_type=authorization_code&client_id=" + IdentityStandIn.CLIENT_ID
            + "&code=" + code + "&redirect_uri=" + java.net.URLEncoder.encode(redirect, java.nio.charset.StandardCharsets.UTF_8)
            + "&code_verifier=not-the-verifier")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(wrong.statusCode()).isEqualTo(400);
    assertThat(wrong.body()).contains("PKCE");
  }

  private HttpResponse<String> bearer(String token) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/me")).header("Authorization", "Bearer " + token)
        .build(), HttpResponse.BodyHandlers.ofString());
  }
}
