package dev.pier.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.kernel.PierException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link AuditHistory}: every change recorded with its change, paged newest first, kept past deletion. */
class AuditHistoryTest extends StandInRegistry {

  @Test
  void pagesThroughTheHistoryNewestFirst() throws Exception {
    String m = model("audit");
    register(m, "alice");
    register(m, "alice");
    registry.setAlias(m, "production", new Alias.Target(2, null), "bob");

    List<AuditEntry> all = new ArrayList<>();
    String token = null;
    do {
      Page<AuditEntry> page = registry.audit().page(m, token, 1);
      all.addAll(page.items());
      token = page.nextPageToken();
    } while (token != null);

    assertThat(all).extracting(AuditEntry::action).containsExactly("alias.set", "version.created",
        "version.created");
    assertThat(all.get(0).actor()).isEqualTo("bob");
    assertThat(all.get(0).to()).isEqualTo("v2");
  }

  @Test
  void theHistoryOfADeletedModelIsKept() throws Exception {
    String m = model("audit");
    register(m, "alice");

    registry.models().delete(m, "admin");

    assertThat(registry.audit().page(m, null, 10).items()).extracting(AuditEntry::action)
        .containsExactly("model.deleted", "version.created");
  }

  @Test
  void aModelThatNeverExistedHasNoHistory() {
    assertThatThrownBy(() -> registry.audit().page(model("never"), null, 10))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(404));
  }

  @Test
  void aPageTokenThatIsNotOneIsA400() throws Exception {
    String m = model("audit");
    register(m, "alice");

    assertThatThrownBy(() -> registry.audit().page(m, "%%%", 10))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(400));
  }
}
