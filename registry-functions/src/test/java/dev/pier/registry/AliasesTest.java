package dev.pier.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.kernel.PierException;
import org.junit.jupiter.api.Test;

/** {@link Aliases}: moves, canaries, history, rollback, deletion, protection under an approval policy. */
class AliasesTest extends StandInRegistry {

  @Test
  void eachMoveAddsOneHistoryEntryNewestFirst() throws Exception {
    String m = model("hist");
    register(m, "alice");
    register(m, "alice");

    registry.aliases().set(m, "production", new Alias.Target(1, null), "bob");
    registry.aliases().set(m, "production", new Alias.Target(1, new Canary(2, 0.2)), "bob");

    assertThat(registry.aliases().history(m, "production", 10)).extracting(AliasChange::revision, AliasChange::reason)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(2L, "set"), org.assertj.core.groups.Tuple.tuple(1L, "set"));
    assertThat(registry.aliases().get(m, "production").canary()).isEqualTo(new Canary(2, 0.2));
  }

  @Test
  void aMoveToAMissingCanaryVersionIsA404NamingTheCanary() throws Exception {
    String m = model("missing");
    register(m, "alice");

    assertThatThrownBy(() -> registry.aliases().set(m, "production", new Alias.Target(1, new Canary(9, 0.1)), "b"))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(404))
        .hasMessageContaining("version 9 (canary)");
  }

  @Test
  void aProtectedAliasTakesOnlyApprovedVersionsCanaryIncluded() throws Exception {
    String m = model("guarded");
    register(m, "alice");
    requireApprovals(m, 1);
    register(m, "alice"); // PENDING_REVIEW under the policy
    registry.reviews().request(m, 1, "alice", null);
    registry.reviews().approve(m, 1, "bob", null);

    assertThatThrownBy(() -> registry.aliases().set(m, "production", new Alias.Target(1, new Canary(2, 0.1)), "b"))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(409))
        .hasMessageContaining("(canary) is PENDING_REVIEW");
    assertThat(registry.aliases().set(m, "staging", new Alias.Target(1, new Canary(2, 0.1)), "b").revision())
        .isEqualTo(1); // unprotected aliases take any version
  }

  @Test
  void deletingAnAliasDropsItsHistoryButTheAuditKeepsTheRecord() throws Exception {
    String m = model("gone");
    register(m, "alice");
    registry.aliases().set(m, "trial", new Alias.Target(1, null), "bob");

    registry.aliases().delete(m, "trial", "bob");

    assertThatThrownBy(() -> registry.aliases().history(m, "trial", 10))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(404));
    assertThat(registry.audit(m, null, 10).items()).extracting(AuditEntry::action)
        .contains("alias.deleted", "alias.set");
    assertThat(registry.search(SearchFilter.parse("alias = 'trial'"), java.util.List.of(), null, 10).items())
        .isEmpty();
  }

  @Test
  void anInvalidAliasNameIsA400() {
    assertThatThrownBy(() -> registry.aliases().get(model("m"), "Production"))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(400));
  }
}
