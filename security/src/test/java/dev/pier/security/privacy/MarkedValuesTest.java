package dev.pier.security.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.kernel.PierException;
import java.util.List;
import org.junit.jupiter.api.Test;

class MarkedValuesTest {

  @Test
  void heldValuesAreMaskedOnlyWhileTheWorkRuns() {
    String inside = MarkedValues.during(List.of("Wilhelmina Fairweather"),
        () -> MarkedValues.mask("scoring Wilhelmina Fairweather now"));
    assertThat(inside).isEqualTo("scoring [PII] now");
    assertThat(MarkedValues.mask("Wilhelmina Fairweather")).isEqualTo("Wilhelmina Fairweather");
  }

  @Test
  void anExceptionLeavingTheWorkIsScrubbedAndKeepsItsStatus() {
    assertThatThrownBy(() -> MarkedValues.during(List.of("Wilhelmina"), () -> {
      throw new PierException(500, "engine failed on 'Wilhelmina'",
          new IllegalArgumentException("bad token Wilhelmina"));
    })).isInstanceOfSatisfying(PierException.class, e -> {
      assertThat(e.status()).isEqualTo(500);
      assertThat(e.getMessage()).isEqualTo("engine failed on '[PII]'");
      assertThat(e.getCause().getMessage()).isEqualTo("java.lang.IllegalArgumentException: bad token [PII]");
    });
  }

  @Test
  void anExceptionThatQuotesNoHeldValueLeavesUntouchedAndShortValuesAreNotHeld() {
    PierException original = new PierException(404, "model 'x' not found");
    assertThatThrownBy(() -> MarkedValues.during(List.of("Wilhelmina"), () -> {
      throw original;
    })).isSameAs(original);
    assertThat(MarkedValues.during(List.of("ab"), () -> MarkedValues.mask("ab cd"))).isEqualTo("ab cd");
  }
}
