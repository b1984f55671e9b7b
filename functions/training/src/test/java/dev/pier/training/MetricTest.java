package dev.pier.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

class MetricTest {
  private static final JsonNode FIXTURES = Fixtures.load("metrics.json");

  private static void assertMatches(String section, Metric m, double[] p, int columns) {
    JsonNode c = FIXTURES.get(section);
    double expected = c.get(m.id()).asDouble();
    assertThat(m.score(Fixtures.doubles(c.get("y")), p, columns)).as(m.id()).isCloseTo(expected, within(1e-12));
  }

  @Test
  void binaryMetricsEqualScikitLearnsIncludingTies() {
    double[] p = Fixtures.doubles(FIXTURES.get("binary").get("p"));
    for (Metric m : new Metric[] {Metric.AUC, Metric.AUCPR, Metric.LOGLOSS, Metric.ACCURACY, Metric.ERROR, Metric.F1,
        Metric.PRECISION, Metric.RECALL}) {
      assertMatches("binary", m, p, 1);
    }
  }

  @Test
  void regressionMetricsEqualScikitLearns() {
    double[] p = Fixtures.doubles(FIXTURES.get("regression").get("p"));
    for (Metric m : new Metric[] {Metric.RMSE, Metric.MAE, Metric.R2}) {
      assertMatches("regression", m, p, 1);
    }
  }

  @Test
  void multiclassMetricsEqualScikitLearns() {
    JsonNode rows = FIXTURES.get("multiclass").get("p");
    double[] p = new double[rows.size() * 3];
    for (int i = 0; i < rows.size(); i++) {
      for (int c = 0; c < 3; c++) {
        p[i * 3 + c] = rows.get(i).get(c).asDouble();
      }
    }
    for (Metric m : new Metric[] {Metric.MLOGLOSS, Metric.ACCURACY, Metric.MERROR}) {
      assertMatches("multiclass", m, p, 3);
    }
  }

  @Test
  void aucOfOneClassIsUndefined() {
    assertThat(Metric.AUC.score(new double[] {1, 1}, new double[] {0.2, 0.9}, 1)).isNaN();
  }

  @Test
  void refusesUnknownMetricsAndMetricsThatDoNotFitTheObjective() {
    assertThatThrownBy(() -> Metric.of("auroc")).hasMessageStartingWith("unknown metric 'auroc': auc, aucpr");
    assertThatThrownBy(() -> Metric.AUC.requireFits(Task.REGRESSION, "reg:squarederror"))
        .hasMessage("metric 'auc' does not fit objective 'reg:squarederror'");
    assertThat(Metric.of("RMSE")).isEqualTo(Metric.RMSE);
  }

  /** {@code fixtures/ranking.json}, from {@code make_ranking_fixtures.py}: scikit-learn's {@code ndcg_score}. */
  @Test
  void ndcgEqualsScikitLearnsWithTiesCutoffsAndAnIrrelevantQuery() {
    JsonNode r = Fixtures.load("ranking.json");
    double[] y = Fixtures.doubles(r.get("y"));
    double[] p = Fixtures.doubles(r.get("p"));
    int[] groups = Fixtures.ints(r.get("groups"));
    for (Metric m : new Metric[] {Metric.NDCG, Metric.NDCG_1, Metric.NDCG_3, Metric.NDCG_5, Metric.NDCG_10}) {
      assertThat(m.score(y, p, 1, groups)).as(m.id()).isCloseTo(r.get("ndcg").get(m.id()).asDouble(), within(1e-12));
    }
    assertThat(Metric.of("ndcg@5")).isEqualTo(Metric.NDCG_5);
    assertThat(Metric.NDCG.greaterIsBetter()).isTrue();
    assertThatThrownBy(() -> Metric.NDCG.requireFits(Task.BINARY, "binary:logistic"))
        .hasMessageContaining("does not fit objective");
    assertThatThrownBy(() -> Metric.AUC.requireFits(Task.RANKING, "rank:ndcg"))
        .hasMessageContaining("does not fit objective 'rank:ndcg'");
    assertThatThrownBy(() -> Metric.ACCURACY.requireFits(Task.RANKING, "rank:pairwise"))
        .hasMessageContaining("does not fit");
    assertThatThrownBy(() -> Metric.of("ndcg@7")).hasMessageContaining("unknown metric 'ndcg@7'");
  }
}
