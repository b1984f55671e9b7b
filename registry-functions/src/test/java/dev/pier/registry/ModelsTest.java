package dev.pier.registry;

import dev.pier.kernel.engine.Framework;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.kernel.PierException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link Models}: registered models' own fields, search, rename and delete. */
class ModelsTest extends StandInRegistry {

  @Test
  void creatingAModelThatExistsIsA409() {
    String m = model("dup");
    registry.models().create(m, null, Map.of(), "alice");

    assertThatThrownBy(() -> registry.models().create(m, null, Map.of(), "alice"))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(409));
  }

  @Test
  void anUpdateAgainstAStaleRevisionIsA412() {
    String m = model("upd");
    registry.models().create(m, "one", Map.of(), "alice");
    registry.models().update(m, 1L, before -> withDescription(before, "two"), "alice");

    assertThatThrownBy(() -> registry.models().update(m, 1L, before -> withDescription(before, "three"), "bob"))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(412));
    assertThat(registry.model(m).description()).isEqualTo("two");
  }

  @Test
  void renamingMovesVersionsAliasesAndSearchItemsToTheNewName() throws Exception {
    String m = model("old");
    String renamed = model("new");
    registry.register(m, new NewVersion(Framework.ONNX, null, null, Map.of("team", "rename-" + m), Map.of()),
        artifact("w"), null, "alice");
    registry.setAlias(m, "production", 1);

    registry.models().rename(m, renamed, "alice");

    assertThat(registry.resolve(renamed, "production").model()).isEqualTo(renamed);
    assertThatThrownBy(() -> registry.model(m)).isInstanceOfSatisfying(PierException.class,
        e -> assertThat(e.status()).isEqualTo(404));
    assertThat(registry.search(SearchFilter.parse("tags.team = 'rename-" + m + "'"), List.of(), null, 10).items())
        .extracting(ModelVersion::model).containsExactly(renamed);
  }

  @Test
  void renamingOntoATakenNameIsA409() throws Exception {
    String m = model("a");
    String taken = model("b");
    register(m, "alice");
    register(taken, "alice");

    assertThatThrownBy(() -> registry.models().rename(m, taken, "alice"))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(409));
  }

  @Test
  void modelsAreSearchedByNamePrefixAndTags() {
    String prefix = model("srch");
    registry.models().create(prefix + "-a", null, Map.of("tier", "gold"), "alice");
    registry.models().create(prefix + "-b", null, Map.of("tier", "silver"), "alice");

    Page<RegisteredModel> page = registry.models().search(SearchFilter.parse("name LIKE '" + prefix
        + "-%' AND tags.tier = 'gold'"), List.of(), null, 10);

    assertThat(page.items()).extracting(RegisteredModel::name).containsExactly(prefix + "-a");
  }

  @Test
  void modelsCannotBeSearchedByMetrics() {
    assertThatThrownBy(() -> registry.models().search(SearchFilter.parse("metrics.auc > 1"), List.of(), null, 10))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(400));
  }

  private static RegisteredModel withDescription(RegisteredModel m, String description) {
    return new RegisteredModel(m.name(), m.latestVersion(), m.createdAt(), m.updatedAt(), description, m.tags(),
        m.approval(), m.revision());
  }
}
