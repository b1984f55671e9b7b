package dev.pier.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.kernel.PierException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class SplitterTest {
  private static final JsonNode FIXTURES = Fixtures.load("splits.json");

  private static void assertSameAsSklearn(List<Split> ours, JsonNode theirs) {
    assertThat(ours).hasSize(theirs.size());
    for (int f = 0; f < ours.size(); f++) {
      assertThat(ours.get(f).test()).as("test rows of fold %d", f).containsExactly(Fixtures.ints(theirs.get(f).get("test")));
      assertThat(ours.get(f).train()).as("train rows of fold %d", f).containsExactly(Fixtures.ints(theirs.get(f).get("train")));
    }
  }

  @Test
  void kFoldWithoutShufflingEqualsScikitLearns() {
    for (JsonNode c : FIXTURES.get("kfold")) {
      assertSameAsSklearn(new KFold(c.get("k").asInt(), false, 0).folds(c.get("n").asInt(), null, null), c.get("folds"));
    }
  }

  @Test
  void stratifiedKFoldWithoutShufflingEqualsScikitLearns() {
    for (JsonNode c : FIXTURES.get("stratified")) {
      assertSameAsSklearn(new StratifiedKFold(c.get("k").asInt(), false, 0)
          .folds(c.get("n").asInt(), Fixtures.floats(c.get("y")), null), c.get("folds"));
    }
  }

  @Test
  void groupKFoldEqualsScikitLearns() {
    for (JsonNode c : FIXTURES.get("group")) {
      assertSameAsSklearn(new GroupKFold(c.get("k").asInt())
          .folds(c.get("n").asInt(), null, Fixtures.ints(c.get("groups"))), c.get("folds"));
    }
  }

  @Test
  void timeSeriesSplitEqualsScikitLearns() {
    for (JsonNode c : FIXTURES.get("time_series")) {
      assertSameAsSklearn(new TimeSeriesSplit(c.get("k").asInt(), c.get("gap").asInt(), c.get("test_size").asInt(),
          c.get("max_train_size").asInt()).folds(c.get("n").asInt(), null, null), c.get("folds"));
    }
  }

  @Test
  void timeSeriesTrainingFoldsHoldNoRowLaterThanTheirTestRows() {
    for (Split s : new TimeSeriesSplit(5, 3, 0, 0).folds(1000, null, null)) {
      assertThat(s.train()[s.train().length - 1]).isLessThan(s.test()[0] - 3);
    }
  }

  @Test
  void shuffledKFoldTestsEveryRowOnceAndDependsOnlyOnTheSeed() {
    List<Split> a = new KFold(5, true, 42).folds(103, null, null);
    assertPartition(a, 103);
    assertThat(testsOf(new KFold(5, true, 42).folds(103, null, null))).isEqualTo(testsOf(a));
    assertThat(testsOf(new KFold(5, true, 43).folds(103, null, null))).isNotEqualTo(testsOf(a));
    assertThat(a.stream().map(s -> s.test().length)).containsExactly(21, 21, 21, 20, 20);
  }

  @Test
  void shuffledStratifiedFoldsKeepEachClassShare() {
    float[] y = new float[200];
    for (int i = 0; i < y.length; i++) {
      y[i] = i % 10 < 3 ? 1 : 0; // 30 % positives
    }
    List<Split> folds = new StratifiedKFold(4, true, 7).folds(200, y, null);
    assertPartition(folds, 200);
    for (Split s : folds) {
      long positives = Arrays.stream(s.test()).filter(i -> y[i] == 1).count();
      assertThat(positives).isEqualTo(15);
    }
    assertThat(testsOf(folds)).isNotEqualTo(testsOf(new StratifiedKFold(4, false, 7).folds(200, y, null)));
  }

  @Test
  void groupFoldsNeverSplitAGroup() {
    int[] groups = new int[500];
    for (int i = 0; i < groups.length; i++) {
      groups[i] = (i * 7919) % 37;
    }
    List<Split> folds = new GroupKFold(6).folds(500, null, groups);
    assertPartition(folds, 500);
    for (Split s : folds) {
      Set<Integer> testGroups = new HashSet<>();
      Arrays.stream(s.test()).forEach(i -> testGroups.add(groups[i]));
      assertThat(Arrays.stream(s.train()).map(i -> groups[i]).filter(testGroups::contains)).isEmpty();
    }
  }

  @Test
  void refusesMoreFoldsThanRows() {
    assertThatThrownBy(() -> new KFold(8, false, 0).folds(5, null, null))
        .isInstanceOf(PierException.class).hasMessageContaining("cv.folds 8 is more than the 5 training rows")
        .extracting(e -> ((PierException) e).status()).isEqualTo(400);
    assertThatThrownBy(() -> new TimeSeriesSplit(5, 0, 0, 0).folds(5, null, null)).hasMessageContaining("cv.folds 5");
    assertThatThrownBy(() -> new GroupKFold(3).folds(4, null, new int[] {0, 0, 1, 1}))
        .hasMessageContaining("more than the 2 groups");
  }

  @Test
  void refusesGroupFoldsWithoutAGroupColumnAndUnknownKinds() {
    assertThatThrownBy(() -> new GroupKFold(3).folds(10, null, null)).hasMessageContaining("'group' column");
    assertThatThrownBy(() -> Splitter.of("loo", 3, false, 0)).hasMessageContaining("unknown cv.kind 'loo'");
  }

  @Test
  void splitsTheGivenRowsOfATableAsTableRows() {
    float[] x = new float[10];
    float[] y = new float[10];
    TrainingTable t = new TrainingTable("y", List.of("x"), new float[][] {x}, y, null);
    int[] rows = {1, 3, 5, 7, 9};
    List<Split> folds = new KFold(5, false, 0).split(t, rows);
    assertThat(folds.get(0).test()).containsExactly(1);
    assertThat(folds.get(4).train()).containsExactly(1, 3, 5, 7);
  }

  @Test
  void holdoutIsDeterministicFromTheSeedAndSizedLikeScikitLearn() {
    TrainingTable t = table(101);
    Split a = new Holdout(0.2, Holdout.Mode.RANDOM, 5).split(t);
    assertThat(a.test()).hasSize(21); // ceil(0.2 × 101)
    assertThat(a.train()).hasSize(80);
    assertThat(new Holdout(0.2, Holdout.Mode.RANDOM, 5).split(t).test()).containsExactly(a.test());
    assertThat(new Holdout(0.2, Holdout.Mode.RANDOM, 6).split(t).test()).isNotEqualTo(a.test());
    assertThat(new Holdout(0.2, Holdout.Mode.LAST, 5).split(t).test()[0]).isEqualTo(80);
  }

  @Test
  void stratifiedHoldoutKeepsTheLabelShare() {
    TrainingTable t = table(100); // labels: 30 % ones
    Split s = new Holdout(0.2, Holdout.Mode.STRATIFIED, 1).split(t);
    assertThat(Arrays.stream(s.test()).filter(i -> t.labels()[i] == 1).count()).isEqualTo(6);
    assertThatThrownBy(() -> new Holdout(1.0, Holdout.Mode.RANDOM, 1)).hasMessageContaining("split.holdout");
  }

  private static TrainingTable table(int n) {
    float[] x = new float[n];
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = i;
      y[i] = i % 10 < 3 ? 1 : 0;
    }
    return new TrainingTable("y", List.of("x"), new float[][] {x}, y, null);
  }

  private static List<List<Integer>> testsOf(List<Split> folds) {
    Function<Split, List<Integer>> tests = s -> Arrays.stream(s.test()).boxed().toList();
    return folds.stream().map(tests).toList();
  }

  private static void assertPartition(List<Split> folds, int n) {
    int[] seen = new int[n];
    for (Split s : folds) {
      Arrays.stream(s.test()).forEach(i -> seen[i]++);
      assertThat(s.train().length + s.test().length).isEqualTo(n);
    }
    assertThat(seen).containsOnly(1);
  }
}
