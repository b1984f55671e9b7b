package dev.pier.security;

import dev.pier.kernel.security.Principal;
import dev.pier.kernel.security.AccessDenied;
import dev.pier.kernel.security.Grant;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 23.1: a key may carry only what its creator holds. */
class KeyGrantingTest {
  private static Principal holding(String... grants) {
    return new Principal("key:creator", Principal.Kind.API_KEY, Arrays.stream(grants).map(Grant::parse).toList());
  }

  private static void mayNotGrant(Principal creator, String grant) {
    assertThatThrownBy(() -> Gatekeeper.authorizeGranting(creator, List.of(Grant.parse(grant)), 0))
        .as(creator.grants() + " granting " + grant)
        .isInstanceOfSatisfying(AccessDenied.class, e -> assertThat(e.status()).isEqualTo(403))
        .hasMessageContaining("may not grant " + grant);
  }

  private static void mayGrant(Principal creator, String grant) {
    assertThatCode(() -> Gatekeeper.authorizeGranting(creator, List.of(Grant.parse(grant)), 0))
        .as(creator.grants() + " granting " + grant).doesNotThrowAnyException();
  }

  @Test
  void aKeyWithOnlyTheKeysPermissionMayNotGrantAdmin() {
    Principal keysOnly = holding("keys");
    mayNotGrant(keysOnly, "admin");
    mayNotGrant(keysOnly, "viewer");
    mayNotGrant(keysOnly, "audit");
    mayGrant(keysOnly, "keys");
  }

  @Test
  void aScopedRoleGrantsOnlyItsOwnPermissionsOnNarrowerPatterns() {
    Principal fraud = holding("keys", "data-scientist:fraud-*");
    mayGrant(fraud, "predictor:fraud-*");
    mayGrant(fraud, "viewer:fraud-eu-*");
    mayGrant(fraud, "register:fraud-x");
    mayNotGrant(fraud, "predictor");
    mayNotGrant(fraud, "predictor:fraud*");
    mayNotGrant(fraud, "predictor:churn");
    mayNotGrant(fraud, "approver:fraud-*");
    mayNotGrant(fraud, "audit");
  }

  @Test
  void adminOnAllModelsMayGrantAnything() {
    Principal admin = holding("admin");
    for (String g : List.of("admin", "keys", "metrics", "predictor:fraud-*", "approver:x")) {
      mayGrant(admin, g);
    }
    mayNotGrant(holding("admin:fraud-*"), "admin");
  }

  @Test
  void aRateLimitedCreatorMayNotMintAKeyWithALooserLimit() {
    Principal limited = new Principal("key:slow", Principal.Kind.API_KEY, List.of(Grant.parse("admin")), 5);
    assertThatThrownBy(() -> Gatekeeper.authorizeGranting(limited, List.of(Grant.parse("viewer")), 0))
        .isInstanceOfSatisfying(AccessDenied.class, e -> assertThat(e.status()).isEqualTo(403));
    assertThatThrownBy(() -> Gatekeeper.authorizeGranting(limited, List.of(Grant.parse("viewer")), 50))
        .isInstanceOf(AccessDenied.class);
    assertThatCode(() -> Gatekeeper.authorizeGranting(limited, List.of(Grant.parse("viewer")), 5))
        .doesNotThrowAnyException();
  }

  @Test
  void anApiKeyWithAnEmptyIdIsA401WithoutAStoreLookup() {
    ApiKeys keys = new ApiKeys(null, "no-table"); // a lookup would fail with a NullPointerException, not a 401
    for (String key : List.of("pier__x", "pier_", "pier__", "pier_abc_def", "pier_abcdefghijkm_short",
        "pier_ABCDEFGHIJKM_" + "a".repeat(43), "pier_abcdefghijkm_" + "a".repeat(42) + "!", "pier_abcdefghijkl_"
            + "a".repeat(43))) {
      assertThatThrownBy(() -> keys.verify(key)).as(key)
          .isInstanceOfSatisfying(AccessDenied.class, e -> assertThat(e.status()).isEqualTo(401))
          .hasMessageContaining("malformed API key");
    }
  }
}
