package dev.pier.endpoints.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pier.endpoints.server.AdaptiveTuner.Move;
import dev.pier.endpoints.server.AdaptiveTuner.Observation;
import dev.pier.endpoints.server.AdaptiveTuner.State;
import org.junit.jupiter.api.Test;

class AdaptiveTunerTest {
  private static final double TARGET = 100;

  private static State next(State s, double p95, double throughput, int waiting) {
    return AdaptiveTuner.next(s, new Observation(1000, p95, throughput, waiting), TARGET, 8000, 4);
  }

  @Test
  void overTheTargetTheDelayHalvesThenInstancesDrop() {
    State s = State.initial(4000, 3);
    s = next(s, 150, 500, 0);
    assertThat(s.delayMicros()).isEqualTo(2000);
    s = new State(100, 3, Move.NONE, 0);
    s = next(s, 150, 500, 0);
    assertThat(s.delayMicros()).isZero();
    assertThat(s.instances()).isEqualTo(2);
  }

  @Test
  void wellUnderTheTargetWithRequestsWaitingAnInstanceIsAddedUpToThePolicysCount() {
    State s = next(State.initial(1000, 3), 40, 500, 12);
    assertThat(s.instances()).isEqualTo(4);
    assertThat(s.lastMove()).isEqualTo(Move.MORE_INSTANCES);
    s = next(s, 40, 600, 12);
    assertThat(s.instances()).isEqualTo(4); // at the policy's instances: the delay grows instead
    assertThat(s.delayMicros()).isEqualTo(2000);
  }

  @Test
  void withNothingWaitingTheDelayDoublesUpToItsCap() {
    State s = State.initial(0, 1);
    long[] expected = {100, 200, 400, 800, 1600, 3200, 6400, 8000, 8000};
    double throughput = 100;
    for (long e : expected) {
      s = next(s, 10, throughput += 10, 0);
      assertThat(s.delayMicros()).isEqualTo(e);
    }
  }

  @Test
  void aStepThatCostMoreThanTenPercentOfThroughputIsTakenBack() {
    State s = next(State.initial(1000, 1), 40, 1000, 5); // adds an instance at 1000/s
    assertThat(s.instances()).isEqualTo(2);
    s = next(s, 40, 800, 5); // 800/s after it: back to one
    assertThat(s.instances()).isEqualTo(1);
    assertThat(s.lastMove()).isEqualTo(Move.BACK);
    s = next(s, 40, 1000, 5); // holds one window after stepping back
    assertThat(s.instances()).isEqualTo(1);
    assertThat(s.delayMicros()).isEqualTo(1000);
  }

  @Test
  void aQuietWindowChangesNothing() {
    State s = State.initial(1000, 2);
    assertThat(AdaptiveTuner.next(s, new Observation(5, 900, 5, 0), TARGET, 8000, 4)).isSameAs(s);
  }

  @Test
  void betweenEightyPercentAndTheTargetNothingMoves() {
    State s = next(State.initial(1000, 2), 90, 500, 3);
    assertThat(s.delayMicros()).isEqualTo(1000);
    assertThat(s.instances()).isEqualTo(2);
  }
}
