package dev.pier.monitoring.slices;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Worst slices, with intervals equal to SciPy's (numbers from src/test/python/make_slice_reference.py). */
class ErrorSlicesTest {

  @Test
  void theCategoryWithTheMostErrorsComesFirstWithItsWilsonInterval() {
    List<Map<String, Object>> rows = new ArrayList<>();
    double[] wrong = new double[100];
    for (int i = 0; i < 100; i++) {
      boolean b = i >= 60;
      rows.add(Map.of("segment", b ? "b" : "a", "x", (double) i));
      wrong[i] = b ? (i % 2 == 0 ? 1 : 0) : (i < 3 ? 1 : 0); // b: 20 of 40 wrong; a: 3 of 60
    }
    List<ErrorSlices.Slice> worst = ErrorSlices.worst(rows, wrong, true);

    ErrorSlices.Slice top = worst.getFirst();
    assertThat(top.column()).isEqualTo("segment");
    assertThat(top.slice()).isEqualTo("b");
    assertThat(top.rows()).isEqualTo(40);
    assertThat(top.metric()).isEqualTo("error_rate");
    assertThat(top.value()).isEqualTo(0.5);
    assertThat(top.low()).isCloseTo(0.35199526933465386, within(1e-9));
    assertThat(top.high()).isCloseTo(0.6480047306653461, within(1e-9));
    // x's top quartile holds only b rows: the numeric column is sliced by its quartiles
    assertThat(worst).anySatisfy(s -> {
      assertThat(s.column()).isEqualTo("x");
      assertThat(s.slice()).isEqualTo("[74.25, 99.00]");
      assertThat(s.rows()).isEqualTo(25);
    });
    assertThat(worst).hasSizeLessThanOrEqualTo(ErrorSlices.TOP)
        .isSortedAccordingTo((p, q) -> Double.compare(q.value(), p.value()));
  }

  @Test
  void aRegressorsSlicesAreRankedByMeanAbsoluteErrorWithATInterval() {
    List<Map<String, Object>> rows = new ArrayList<>();
    double[] residuals = new double[80];
    for (int i = 0; i < 80; i++) {
      rows.add(Map.of("region", i < 40 ? "north" : "south"));
      residuals[i] = i < 40 ? i % 7 : 0.5;
    }
    ErrorSlices.Slice top = ErrorSlices.worst(rows, residuals, false).getFirst();
    assertThat(top.slice()).isEqualTo("north");
    assertThat(top.metric()).isEqualTo("mean_absolute_error");
    assertThat(top.value()).isCloseTo(2.875, within(1e-12));
    // Hipparchus inverts the t distribution with a solver whose absolute accuracy is about 1e-9
    assertThat(top.low()).isCloseTo(2.238709104278165, within(1e-8));
    assertThat(top.high()).isCloseTo(3.511290895721835, within(1e-8));
  }

  @Test
  void slicesOfFewerThanTenRowsAreLeftOut() {
    List<Map<String, Object>> rows = new ArrayList<>();
    double[] wrong = new double[30];
    for (int i = 0; i < 30; i++) {
      rows.add(Map.of("plan", i < 5 ? "rare" : "common"));
      wrong[i] = i < 5 ? 1 : 0;
    }
    assertThat(ErrorSlices.worst(rows, wrong, true)).extracting(ErrorSlices.Slice::slice).containsExactly("common");
  }
}
