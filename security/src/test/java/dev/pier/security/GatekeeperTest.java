package dev.pier.security;

import dev.pier.kernel.security.Principal;
import dev.pier.kernel.security.Permission;
import dev.pier.kernel.security.Credentials;
import dev.pier.kernel.security.AccessDenied;
import dev.pier.kernel.security.Grant;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatekeeperTest {
  private static final List<String> GROUPS = List.of("cognito:groups", "groups");
  private static final TestIssuer ISSUER = new TestIssuer();
  private static Gatekeeper required;
  private static Gatekeeper open;

  @BeforeAll
  static void setUp(@TempDir Path dir) throws Exception {
    JwtVerifier jwt = new JwtVerifier(TestIssuer.ISSUER, ISSUER.writeJwks(dir.resolve("jwks.json")).toString(), List.of(), null, GROUPS);
    required = new Gatekeeper(true, jwt, null, new RateLimiter(0, 0), new FailedAuthentications(0, java.time.Duration.ZERO), GROUPS);
    open = new Gatekeeper(false, jwt, null, new RateLimiter(0, 0), new FailedAuthentications(0, java.time.Duration.ZERO), GROUPS);
  }

  private static Credentials bearer(String token) {
    return Credentials.from(h -> h.equals("Authorization") ? "Bearer " + token : null);
  }

  private static String token(String... groups) {
    return ISSUER.token("alice", List.of(groups), Instant.now().plusSeconds(60));
  }

  @Test
  void aValidJwtWithTheRightRoleIsAdmitted() {
    Principal p = required.admit(bearer(token("predictor")), null, null, Permission.PREDICT, "iris");
    assertThat(p.id()).isEqualTo("jwt:alice");
    assertThat(p.kind()).isEqualTo(Principal.Kind.JWT);
  }

  @Test
  void noCredentialsIsA401WhenAuthIsRequired() {
    assertThatThrownBy(() -> required.admit(new Credentials.None(), null, null, Permission.READ, "iris"))
        .isInstanceOfSatisfying(AccessDenied.class, e -> assertThat(e.status()).isEqualTo(401))
        .hasMessageContaining("authentication required");
  }

  @Test
  void noCredentialsIsTheLocalUserWhenAuthIsOff() {
    assertThat(open.admit(new Credentials.None(), null, null, Permission.KEYS, null).kind()).isEqualTo(Principal.Kind.OPEN);
  }

  @Test
  void theWrongRoleIsA403NamingTheRoleNeeded() {
    assertThatThrownBy(() -> required.admit(bearer(token("viewer")), null, null, Permission.PREDICT, "iris"))
        .isInstanceOfSatisfying(AccessDenied.class, e -> assertThat(e.status()).isEqualTo(403))
        .hasMessageContaining("jwt:alice (viewer) may not predict on model 'iris'")
        .hasMessageContaining("predictor");
  }

  @Test
  void anExpiredTokenIsA401() {
    String expired = ISSUER.token("alice", List.of("admin"), Instant.now().minusSeconds(3600));
    assertThatThrownBy(() -> required.admit(bearer(expired), null, null, Permission.READ, "iris"))
        .isInstanceOfSatisfying(AccessDenied.class, e -> assertThat(e.status()).isEqualTo(401))
        .hasMessageContaining("xpired");
  }

  @Test
  void aTokenFromAnotherIssuerIsA401() {
    String other = ISSUER.token("https://evil.test", "alice", List.of("admin"), Instant.now().plusSeconds(60));
    assertThatThrownBy(() -> required.admit(bearer(other), null, null, Permission.READ, "iris"))
        .isInstanceOfSatisfying(AccessDenied.class, e -> assertThat(e.status()).isEqualTo(401));
  }

  @Test
  void aTokenSignedByAnotherKeyIsA401() {
    String forged = new TestIssuer().token("alice", List.of("admin"), Instant.now().plusSeconds(60));
    assertThatThrownBy(() -> required.admit(bearer(forged), null, null, Permission.READ, "iris"))
        .isInstanceOfSatisfying(AccessDenied.class, e -> assertThat(e.status()).isEqualTo(401));
  }

  @Test
  void credentialsSentWhileAuthIsOffAreStillVerified() {
    assertThatThrownBy(() -> open.admit(bearer("garbage"), null, null, Permission.READ, "iris"))
        .isInstanceOfSatisfying(AccessDenied.class, e -> assertThat(e.status()).isEqualTo(401));
  }

  @Test
  void gatewayClaimsWithFlattenedGroupsAreTrusted() {
    Principal p = required.admit(new Credentials.None(),
        Map.of("sub", "bob", "cognito:groups", "[approver data-scientist:fraud-*]"), null, Permission.ALIAS, "iris");
    assertThat(p.id()).isEqualTo("jwt:bob");
    assertThat(p.grants()).extracting(Grant::toString).containsExactly("approver", "data-scientist:fraud-*");
  }

  @Test
  void groupsThatNameNoRoleAreIgnored() {
    assertThatThrownBy(() -> required.admit(bearer(token("marketing")), null, null, Permission.READ, "iris"))
        .isInstanceOfSatisfying(AccessDenied.class, e -> assertThat(e.status()).isEqualTo(403))
        .hasMessageContaining("no Pier roles");
  }

  @Test
  void aCallerOverItsRateGetsA429WithTheSecondsToWait() {
    RateLimiter limiter = new RateLimiter(0.5, 2);
    limiter.acquire("p", 0);
    limiter.acquire("p", 0);
    assertThatThrownBy(() -> limiter.acquire("p", 0))
        .isInstanceOfSatisfying(AccessDenied.class, e -> {
          assertThat(e.status()).isEqualTo(429);
          assertThat(e.retryAfterSeconds()).isBetween(1L, 2L);
        });
    limiter.acquire("someone-else", 0);
  }
}
