package dev.pier.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.kernel.PierException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link ModelCards}: one card per version, written conditionally on its revision. */
class ModelCardsTest extends StandInRegistry {
  private static ModelCard card(String markdown) {
    return new ModelCard(markdown, null, null, null, Map.of(), null, null, null, 0);
  }

  @Test
  void aCardIsStoredWithItsAuthorAndFirstRevision() throws Exception {
    String m = model("card");
    register(m, "alice");

    registry.cards().put(m, 1, card("# one"), null, "carol");

    ModelCard stored = registry.cards().get(m, 1);
    assertThat(stored.markdown()).isEqualTo("# one");
    assertThat(stored.updatedBy()).isEqualTo("carol");
    assertThat(stored.revision()).isEqualTo(1);
  }

  @Test
  void aWriteAgainstAStaleRevisionIsRefusedWith412() throws Exception {
    String m = model("card");
    register(m, "alice");
    registry.cards().put(m, 1, card("a"), 0L, "carol");
    registry.cards().put(m, 1, card("b"), 1L, "carol");

    assertThatThrownBy(() -> registry.cards().put(m, 1, card("c"), 1L, "dave"))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(412));
    assertThat(registry.cards().get(m, 1).markdown()).isEqualTo("b");
  }

  @Test
  void aCardOverTheSizeLimitIsRefusedWith400() throws Exception {
    String m = model("card");
    register(m, "alice");

    assertThatThrownBy(() -> registry.cards().put(m, 1, card("x".repeat(ModelCards.MAX_CARD_CHARS + 1)), null, "c"))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(400));
  }

  @Test
  void aVersionWithoutACardAnswers404() throws Exception {
    String m = model("card");
    register(m, "alice");

    assertThatThrownBy(() -> registry.cards().get(m, 1))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(404))
        .hasMessageContaining("has no model card");
  }
}
