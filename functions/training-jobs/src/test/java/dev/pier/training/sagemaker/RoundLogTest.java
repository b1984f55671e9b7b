package dev.pier.training.sagemaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Parsing SageMaker XGBoost's round lines, and a trial's history and best round from its folds'. */
class RoundLogTest {
  @Test
  void roundLinesAsCloudWatchShowsThemAreParsedAndOtherLinesSkipped() {
    RoundLog log = RoundLog.parse(List.of(
        "[2026-12-07:19:00:00:INFO] Running XGBoost Sagemaker in algorithm mode",
        "[0]#011train-auc:0.81234#011validation-auc:0.78765",
        "[1]\ttrain-auc:0.85\tvalidation-auc:0.8",
        "[19:00:01] WARNING: some warning",
        "[2]#011train-auc:0.9#011validation-auc:7.5e-01\n",
        "[1]#011train-auc:0.86#011validation-auc:0.81", // round 1 again (a restarted spot job): the last value
        "Stopping. Best iteration:",
        "[1]#011train-auc:0.86#011validation-auc:0.81"));
    assertThat(log.history("validation-auc")).containsExactly(0.78765, 0.81, 0.75);
    assertThat(log.history("train-auc")).containsExactly(0.81234, 0.86, 0.9);
    assertThat(log.history("validation-rmse")).isEmpty();
    assertThat(RoundLog.key("validation:ndcg@5")).isEqualTo("validation-ndcg@5");
  }

  @Test
  void aGapEndsTheHistory() {
    RoundLog log = RoundLog.parse(List.of("[0]#011validation-rmse:3.5", "[2]#011validation-rmse:3.1"));
    assertThat(log.history("validation-rmse")).containsExactly(3.5);
    assertThat(RoundLog.parse(List.of("[3]#011validation-rmse:3.1")).metrics()).isEmpty();
  }

  @Test
  void aPartOfALogReadSinceSomeTimeGivesItsRoundsByNumber() {
    var rounds = RoundLog.byRound(List.of("[3]#011validation-auc:0.8", "Stopping.", "[4]#011validation-auc:0.82"));
    assertThat(rounds.get("validation-auc")).containsExactly(java.util.Map.entry(3, 0.8), java.util.Map.entry(4, 0.82));
  }

  @Test
  void aWatchedTrialsStepsAreTheFoldsMeanOverTheRoundsEveryFoldLogged() {
    var position = TrialWatch.start(List.of("a", "b"));
    ((com.fasterxml.jackson.databind.node.ArrayNode) position.path("folds").get(0).path("rounds")).add(0.5).add(0.75)
        .add(1.0);
    ((com.fasterxml.jackson.databind.node.ArrayNode) position.path("folds").get(1).path("rounds")).add(0.25).add(0.25);
    assertThat(TrialWatch.steps(position)).containsExactly(java.util.Map.entry(0, 0.375), java.util.Map.entry(1, 0.5));
    assertThat(TrialWatch.steps(TrialWatch.start(List.of("a")))).isEmpty();
  }

  @Test
  void theBestRoundIsTheBestMeanWithEarlyStoppingElseTheLast() {
    List<List<Double>> folds = List.of(List.of(0.7, 0.9, 0.8, 0.85), List.of(0.7, 0.8, 0.9, 0.8, 0.95));
    TrialRounds stopping = TrialRounds.of(folds, true, true);
    assertThat(stopping.mean()).hasSize(4); // the rounds both folds logged
    assertThat(stopping.mean().get(0)).isCloseTo(0.7, within(1e-12));
    assertThat(stopping.mean().get(3)).isCloseTo(0.825, within(1e-12));
    assertThat(stopping.bestRound()).isEqualTo(1); // the earliest of the tied best
    assertThat(TrialRounds.of(folds, true, false).bestRound()).isEqualTo(3);
    assertThat(TrialRounds.of(folds, false, true).bestRound()).isEqualTo(0); // lower is better (rmse)
    assertThatThrownBy(() -> TrialRounds.of(List.of(List.of(), List.of(1.0)), true, true))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
