package dev.pier.experiments.assignment;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExposureBufferTest {

  private static List<Object> drain(ExposureBuffer buffer) {
    List<Object> units = new ArrayList<>();
    buffer.drain((experiment, rows) -> rows.forEach(r -> units.add(r[0])), 100);
    return units;
  }

  @Test
  void aFullBufferDropsAndCountsAndTheDroppedUnitIsOfferedAgainByItsNextRequest() {
    ExposureBuffer buffer = new ExposureBuffer(2);
    buffer.offer("exp", "u1", "control", 1);
    buffer.offer("exp", "u2", "treatment", 2);
    buffer.offer("exp", "u3", "treatment", 3);
    assertThat(buffer.dropped()).isEqualTo(1);
    assertThat(buffer.queued()).isEqualTo(2);

    assertThat(drain(buffer)).containsExactly("u1", "u2");
    assertThat(buffer.queued()).isZero();

    buffer.offer("exp", "u3", "treatment", 4);
    buffer.offer("exp", "u1", "control", 5); // logged already: not again
    assertThat(drain(buffer)).containsExactly("u3");
  }
}
