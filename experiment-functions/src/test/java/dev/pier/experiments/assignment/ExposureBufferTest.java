package dev.pier.experiments.assignment;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExposureBufferTest {

  private static List<Object> drain(ExposureBuffer buffer) {
    List<Object> units = new ArrayList<>();
    assertThat(buffer.drain((experiment, batch, rows) -> rows.forEach(r -> units.add(r[0])), 100)).isNull();
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

  /** A writer that fails a given number of times, then stores each batch id once. */
  private static final class FlakyWriter implements ExposureBuffer.Sink {
    int failuresLeft;
    final List<String> attempts = new ArrayList<>();
    final Map<String, List<Object>> stored = new LinkedHashMap<>();

    FlakyWriter(int failures) {
      this.failuresLeft = failures;
    }

    @Override
    public void write(String experiment, String batchId, List<Object[]> rows) {
      attempts.add(batchId);
      if (failuresLeft > 0) {
        failuresLeft--;
        throw new IllegalStateException("DynamoDB unavailable");
      }
      List<Object> units = new ArrayList<>();
      rows.forEach(r -> units.add(r[0]));
      stored.putIfAbsent(batchId, units);
    }
  }

  @Test
  void aFailedWriteKeepsItsBatchAndTheNextDrainRetriesItWithTheSameId() {
    ExposureBuffer buffer = new ExposureBuffer(10);
    for (int i = 0; i < 5; i++) buffer.offer("exp", "u" + i, "control", i);
    FlakyWriter writer = new FlakyWriter(2);

    RuntimeException failed = buffer.drain(writer, 3); // batches [u0 u1 u2] [u3 u4]; the first write fails
    assertThat(failed).hasMessage("DynamoDB unavailable");
    assertThat(buffer.queued()).isEqualTo(5);
    assertThat(buffer.unwrittenBatches()).isEqualTo(2);
    assertThat(writer.stored).isEmpty();

    buffer.offer("exp", "u5", "treatment", 5); // arrives while the writer is down
    assertThat(buffer.drain(writer, 3)).isNotNull(); // fails again, on the same first batch
    assertThat(writer.attempts.get(1)).isEqualTo(writer.attempts.get(0));

    assertThat(buffer.drain(writer, 3)).isNull();
    assertThat(writer.stored.values()).containsExactly(List.of("u0", "u1", "u2"), List.of("u3", "u4"), List.of("u5"));
    assertThat(writer.stored.keySet().iterator().next()).isEqualTo(writer.attempts.get(0));
    assertThat(buffer.queued()).isZero();
    assertThat(buffer.unwrittenBatches()).isZero();
    assertThat(buffer.failedWrites()).isEqualTo(2);
    assertThat(buffer.dropped()).isZero();
  }

  @Test
  void whileTheWriterIsDownTheBufferStaysBoundedAndDropsWhatDoesNotFitToBeOfferedAgain() {
    ExposureBuffer buffer = new ExposureBuffer(3);
    FlakyWriter writer = new FlakyWriter(Integer.MAX_VALUE);
    for (int i = 0; i < 3; i++) buffer.offer("exp", "u" + i, "control", i);
    buffer.drain(writer, 100);
    buffer.offer("exp", "u3", "control", 3); // the unwritten batch still fills the buffer
    assertThat(buffer.dropped()).isEqualTo(1);
    assertThat(buffer.queued()).isEqualTo(3);

    writer.failuresLeft = 0;
    assertThat(buffer.drain(writer, 100)).isNull();
    buffer.offer("exp", "u3", "control", 4); // the dropped unit's next request
    assertThat(buffer.drain(writer, 100)).isNull();
    assertThat(writer.stored.values()).containsExactly(List.of("u0", "u1", "u2"), List.of("u3"));
  }

  @Test
  void oneExperimentsFailingWriterDoesNotHoldBackAnother() {
    ExposureBuffer buffer = new ExposureBuffer(10);
    buffer.offer("down", "u1", "control", 1);
    buffer.offer("up", "u2", "control", 2);
    List<String> written = new ArrayList<>();
    RuntimeException failed = buffer.drain((experiment, batch, rows) -> {
      if (experiment.equals("down")) throw new IllegalStateException("throttled");
      written.add(experiment);
    }, 100);
    assertThat(failed).hasMessage("throttled");
    assertThat(written).containsExactly("up");
    assertThat(buffer.queued()).isEqualTo(1);
  }
}
