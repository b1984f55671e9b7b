package dev.pier.security;

import dev.pier.kernel.security.AccessDenied;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 23.7: a token must be a kind this server takes, issued to this server, with keys fetched over https. */
class JwtRecipientTest {
  private static final List<String> GROUPS = List.of("cognito:groups");
  private static final TestIssuer ISSUER = new TestIssuer();
  private static String jwks;
  private static JwtVerifier ours;
  private static JwtVerifier accessOnly;

  @BeforeAll
  static void setUp(@TempDir Path dir) throws Exception {
    jwks = ISSUER.writeJwks(dir.resolve("jwks.json")).toString();
    ours = new JwtVerifier(TestIssuer.ISSUER, jwks, List.of("pier-client"), null, GROUPS);
    accessOnly = new JwtVerifier(TestIssuer.ISSUER, jwks, List.of("pier-client"), "access", GROUPS);
  }

  private static void refused(JwtVerifier verifier, Map<String, Object> claims, String why) {
    assertThatThrownBy(() -> verifier.verify(ISSUER.tokenWith(claims)))
        .isInstanceOfSatisfying(AccessDenied.class, e -> assertThat(e.status()).isEqualTo(401))
        .hasMessageContaining(why);
  }

  @Test
  void aCognitoAccessTokenForTheConfiguredClientIsAccepted() {
    assertThat(ours.verify(ISSUER.tokenWith(Map.of("token_use", "access", "client_id", "pier-client"))).id())
        .isEqualTo("jwt:alice");
  }

  @Test
  void anIdTokenForTheConfiguredAudienceIsAccepted() {
    assertThat(ours.verify(ISSUER.tokenWith(Map.of("token_use", "id", "aud", "pier-client"))).id())
        .isEqualTo("jwt:alice");
  }

  @Test
  void anAccessTokenForAnotherClientIsRefused() {
    refused(ours, Map.of("token_use", "access", "client_id", "other-app"), "issued for another application");
  }

  @Test
  void anAccessTokenNamingUsOnlyInItsAudienceIsRefused() {
    // Cognito access tokens name their client in client_id; an aud on one is not Cognito's doing
    refused(ours, Map.of("token_use", "access", "aud", "pier-client", "client_id", "other-app"),
        "issued for another application");
  }

  @Test
  void anIdTokenForAnotherAudienceIsRefused() {
    refused(ours, Map.of("token_use", "id", "aud", "other-app"), "issued for another application");
  }

  @Test
  void aTokenNamingNoAudienceAtAllIsRefused() {
    refused(ours, Map.of(), "issued for another application");
  }

  @Test
  void aTokenUseOtherThanAccessOrIdIsRefused() {
    refused(ours, Map.of("token_use", "refresh", "client_id", "pier-client"), "token_use is 'refresh'");
  }

  @Test
  void anIdTokenIsRefusedWhereOnlyAccessTokensAreTaken() {
    refused(accessOnly, Map.of("token_use", "id", "aud", "pier-client"), "takes only access tokens");
  }

  @Test
  void aTokenWithoutTokenUseIsRefusedWhereOnlyAccessTokensAreTaken() {
    refused(accessOnly, Map.of("aud", "pier-client"), "token_use is missing");
  }

  @Test
  void aPlainHttpJwksUrlIsRefused() {
    assertThatThrownBy(() -> new JwtVerifier(TestIssuer.ISSUER, "http://127.0.0.1:9/jwks.json", List.of("a"), null,
        GROUPS)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("plain http: use https");
  }

  @Test
  void aClaimOfTheWrongTypeIsA401NotAServerError() {
    refused(ours, Map.of("exp", "tomorrow"), "");
  }
}
