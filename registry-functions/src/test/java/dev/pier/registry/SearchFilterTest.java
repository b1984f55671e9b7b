package dev.pier.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.registry.SearchFilter.Entity;
import java.util.List;
import org.junit.jupiter.api.Test;

class SearchFilterTest {
  @Test
  void parsesMlflowClausesJoinedByAnd() {
    SearchFilter f = SearchFilter.parse("metrics.auc > 0.9 and tags.`team name` = 'fraud' AND name LIKE 'churn%'"
        + " and attributes.status IN ('FINISHED', 'FAILED') and params.alpha != \"0.5\"");
    assertThat(f.clauses()).extracting(SearchFilter.Clause::entity)
        .containsExactly(Entity.METRIC, Entity.TAG, Entity.ATTRIBUTE, Entity.ATTRIBUTE, Entity.PARAM);
    assertThat(f.clauses().get(0).value()).isEqualTo(0.9);
    assertThat(f.clauses().get(1).key()).isEqualTo("team name");
    assertThat(f.clauses().get(2).likePrefix()).isEqualTo("churn");
    assertThat(f.clauses().get(3).value()).isEqualTo(List.of("FINISHED", "FAILED"));
  }

  @Test
  void comparesNumbersNumericallyAndPatternsLikeSql() {
    SearchFilter.Clause auc = SearchFilter.parse("metrics.auc >= 0.9").clauses().get(0);
    assertThat(auc.matches(0.95)).isTrue();
    assertThat(auc.matches(0.89)).isFalse();
    assertThat(auc.matches(null)).isFalse();
    SearchFilter.Clause like = SearchFilter.parse("name ILIKE 'CHURN_%'").clauses().get(0);
    assertThat(like.matches("churn-v2")).isTrue();
    assertThat(like.matches("churn")).isFalse();
  }

  @Test
  void refusesMalformedFiltersNamingTheProblem() {
    assertThatThrownBy(() -> SearchFilter.parse("metrics.auc > 'high'")).hasMessageContaining("number");
    assertThatThrownBy(() -> SearchFilter.parse("metrics.auc >> 1")).hasMessageContaining("expected a number");
    assertThatThrownBy(() -> SearchFilter.parse("tags.x = 'a' OR tags.y = 'b'")).hasMessageContaining("expected AND");
    assertThatThrownBy(() -> SearchFilter.parse("nosuch.x = 'a'")).hasMessageContaining("unknown entity");
  }

  @Test
  void sortableNumbersSortLikeTheNumbers() {
    double[] values = {-1e9, -2.5, -0.0, 0.0, 1e-9, 0.5, 0.9, 1, 1e12};
    for (int i = 1; i < values.length; i++) {
      assertThat(SearchIndex.sortable(values[i - 1]).compareTo(SearchIndex.sortable(values[i]))).isLessThanOrEqualTo(0);
    }
  }
}
