package dev.pier.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.kernel.PierException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ConcurrencyLimitsTest {

  @Test
  void requestsBeyondTheLimitAreRefusedWith429InsteadOfQueued() {
    ConcurrencyLimits limits = new ConcurrencyLimits(2, Duration.ofMillis(20));
    ConcurrencyLimits.Permit a = limits.admit("m", System.nanoTime(), Budget.WAIT);
    ConcurrencyLimits.Permit b = limits.admit("m", System.nanoTime(), Budget.WAIT);
    assertThatThrownBy(() -> limits.admit("m", System.nanoTime(), Budget.WAIT)).isInstanceOf(PierException.class)
        .hasMessageContaining("limit of 2 concurrent predictions")
        .extracting(e -> ((PierException) e).status()).isEqualTo(429);
    a.close();
    limits.admit("m", System.nanoTime(), Budget.WAIT).close();
    b.close();
  }

  @Test
  void eachModelHasItsOwnCapacity() {
    ConcurrencyLimits limits = new ConcurrencyLimits(1, Duration.ZERO);
    try (ConcurrencyLimits.Permit hot = limits.admit("hot", System.nanoTime(), Budget.WAIT)) {
      limits.admit("other", System.nanoTime(), Budget.WAIT).close();
      assertThatThrownBy(() -> limits.admit("hot", System.nanoTime(), Budget.WAIT)).isInstanceOf(PierException.class);
    }
  }

  @Test
  void aRequestThatAlreadyWaitedItsQueueWaitIsRefusedAtOnceWhenNoPermitIsFree() throws Exception {
    ConcurrencyLimits limits = new ConcurrencyLimits(1, Duration.ofSeconds(30));
    long arrivedLongAgo = System.nanoTime() - Duration.ofSeconds(31).toNanos();
    try (ConcurrencyLimits.Permit busy = limits.admit("m", System.nanoTime(), Budget.WAIT)) {
      // with the wait counted from now this would block for 30 s; counted from arrival, nothing is left of it
      var refused = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        try {
          limits.admit("m", arrivedLongAgo, Budget.WAIT).close();
          return 200;
        } catch (PierException e) {
          return e.status();
        }
      });
      assertThat(refused.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(429);
    }
  }

  @Test
  void aRequestThatWaitedLongIsStillAdmittedWhenAPermitIsFree() {
    ConcurrencyLimits limits = new ConcurrencyLimits(1, Duration.ofMillis(1));
    limits.admit("m", System.nanoTime() - Duration.ofMinutes(1).toNanos(), Budget.WAIT).close();
  }

  @Test
  void withoutABudgetToWaitABusyModelDeclinesInsteadOfRefusing() {
    ConcurrencyLimits limits = new ConcurrencyLimits(1, Duration.ofSeconds(30));
    try (ConcurrencyLimits.Permit busy = limits.admit("m", System.nanoTime(), Budget.WAIT)) {
      assertThat(limits.admit("m", System.nanoTime(), Budget.inline(1_000))).isNull();
    }
    limits.admit("m", System.nanoTime(), Budget.inline(1_000)).close();
  }

  @Test
  void madeUpModelNamesDoNotGrowTheLimitsWithoutEndAndAHeldPermitSurvivesTheSweep() {
    ConcurrencyLimits limits = new ConcurrencyLimits(2, Duration.ZERO);
    ConcurrencyLimits.Permit held = limits.admit("real", System.nanoTime(), Budget.WAIT);
    for (int i = 0; i < 3 * ConcurrencyLimits.SWEEP_AT; i++) {
      limits.admit("made-up-" + i, System.nanoTime(), Budget.WAIT).close();
    }
    assertThat(limits.tracked()).isLessThanOrEqualTo(ConcurrencyLimits.SWEEP_AT);
    assertThat(limits.inUse("real")).isEqualTo(1);
    limits.admit("real", System.nanoTime(), Budget.WAIT);
    assertThatThrownBy(() -> limits.admit("real", System.nanoTime(), Budget.WAIT)).hasMessageContaining("limit of 2");
    held.close();
  }
}
