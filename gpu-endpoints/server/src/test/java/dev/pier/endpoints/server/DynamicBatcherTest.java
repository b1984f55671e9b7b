package dev.pier.endpoints.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.kernel.PierException;
import dev.pier.runtime.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The batcher's rules, made deterministic by holding the engine: what queues while the one instance is busy is known
 * exactly, so the next batch's size is too. No test depends on how long anything takes.
 */
class DynamicBatcherTest {
  private final ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();
  private final DoublingModel model = new DoublingModel();
  private DynamicBatcher batcher;

  @AfterEach
  void close() {
    model.release();
    if (batcher != null) {
      batcher.close();
    }
    clients.close();
  }

  private static BatchPolicy policy(int max, List<Integer> preferred, long delayMicros, int levels, long timeoutMicros,
      int maxQueue, int instances) {
    return new BatchPolicy(max, preferred, delayMicros, levels, 1, timeoutMicros, maxQueue, instances, null);
  }

  private CompletableFuture<List<Tensor>> send(int priority, float... values) {
    return CompletableFuture.supplyAsync(() -> batcher.infer(DoublingModel.rows(values), List.of(), priority), clients);
  }

  private void awaitQueued(int n) throws InterruptedException {
    for (int i = 0; i < 30_000 && batcher.queued() != n; i++) {
      Thread.sleep(1);
    }
    assertThat(batcher.queued()).isEqualTo(n);
  }

  @Test
  void requestsQueuedWhileTheEngineIsBusyBecomeOneBatchOfTheirRows() throws Exception {
    batcher = new DynamicBatcher(model, policy(8, List.of(), 1_000_000, 1, 0, 0, 1), new BatcherMetrics("m", 8));
    model.hold();
    var full = send(0, new float[16]); // 8 rows: a full batch goes at once and holds the only instance
    model.awaitEntered(1);
    List<CompletableFuture<List<Tensor>>> queued = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      queued.add(send(0, i, i + 0.5f));
    }
    awaitQueued(8);
    model.release();
    full.get();
    for (int i = 0; i < 8; i++) {
      Tensor y = queued.get(i).get().get(0);
      assertThat(y.shape()).containsExactly(1, 2);
      assertThat((float[]) y.data()).containsExactly(2f * i, 2f * i + 1);
    }
    assertThat(model.callRows).containsExactly(8, 8); // eight single-row requests, one engine call
    assertThat(batcher.queued()).isZero();
  }

  @Test
  void aBatchIsCutToTheLargestPreferredSizeThatFitsAndTheRestFollows() throws Exception {
    batcher = new DynamicBatcher(model, policy(16, List.of(2, 4), 1_000_000, 1, 0, 0, 1),
        new BatcherMetrics("m", 16));
    model.hold();
    var first = send(0, new float[32]);
    model.awaitEntered(1);
    List<CompletableFuture<List<Tensor>>> queued = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      queued.add(send(0, i, i));
    }
    awaitQueued(6);
    model.release();
    first.get();
    for (var q : queued) {
      q.get();
    }
    assertThat(model.callRows).containsExactly(16, 4, 2); // 6 waiting: 4 (largest preferred), then the 2 left
  }

  @Test
  void aRequestStillQueuedAfterItsTimeoutIsRefusedWith429AndNeverReachesTheEngine() throws Exception {
    BatcherMetrics metrics = new BatcherMetrics("m", 4);
    batcher = new DynamicBatcher(model, policy(4, List.of(), 0, 1, 50_000, 0, 1), metrics);
    model.hold();
    var busy = send(0, 1, 1);
    model.awaitEntered(1);
    var late = send(0, 7, 7);
    assertThatThrownBy(late::join).cause().isInstanceOf(PierException.class)
        .hasMessageContaining("queue timeout of 50.0 ms")
        .satisfies(e -> assertThat(((PierException) e).status()).isEqualTo(429));
    model.release();
    busy.get();
    assertThat(model.firstValues).containsExactly(1f);
    assertThat(metrics.rejectedCount("queue_timeout")).isEqualTo(1);
    assertThat(batcher.queued()).isZero();
  }

  @Test
  void aFullQueueRefusesWith429AtOnce() throws Exception {
    BatcherMetrics metrics = new BatcherMetrics("m", 4);
    batcher = new DynamicBatcher(model, policy(4, List.of(), 1_000_000, 1, 0, 2, 1), metrics);
    model.hold();
    var busy = send(0, new float[8]);
    model.awaitEntered(1);
    var a = send(0, 1, 1);
    var b = send(0, 2, 2);
    awaitQueued(2);
    assertThatThrownBy(() -> batcher.infer(DoublingModel.rows(3, 3), List.of(), 0))
        .isInstanceOf(PierException.class).hasMessageContaining("queue is full")
        .satisfies(e -> assertThat(((PierException) e).status()).isEqualTo(429));
    model.release();
    busy.get();
    a.get();
    b.get();
    assertThat(metrics.rejectedCount("queue_full")).isEqualTo(1);
  }

  @Test
  void theHigherPriorityLevelIsServedFirst() throws Exception {
    batcher = new DynamicBatcher(model, policy(1, List.of(), 0, 2, 0, 0, 1), new BatcherMetrics("m", 1));
    model.hold();
    var busy = send(1, 1, 1);
    model.awaitEntered(1);
    var low = send(2, 2, 2);
    awaitQueued(1);
    var high = send(1, 3, 3);
    awaitQueued(2);
    model.release();
    busy.get();
    low.get();
    high.get();
    assertThat(model.firstValues).containsExactly(1f, 3f, 2f);
    assertThatThrownBy(() -> batcher.infer(DoublingModel.rows(1, 1), List.of(), 3))
        .isInstanceOf(PierException.class).hasMessageContaining("parameters.priority must be between 1 and 2");
  }

  @Test
  void aBatchLargerThanTheMaximumIsRefusedBeforeTheEngine() {
    batcher = new DynamicBatcher(model, policy(4, List.of(), 0, 1, 0, 0, 1), new BatcherMetrics("m", 4));
    assertThatThrownBy(() -> batcher.infer(DoublingModel.rows(new float[10]), List.of(), 0))
        .isInstanceOf(PierException.class)
        .hasMessage("the request's batch of 5 rows exceeds the model's max_batch_size 4");
    assertThat(model.callRows).isEmpty();
  }

  @Test
  void aFailingBatchIsRetriedRequestByRequestSoOnlyTheBadOneFails() throws Exception {
    batcher = new DynamicBatcher(model, policy(4, List.of(), 1_000_000, 1, 0, 0, 1), new BatcherMetrics("m", 4));
    model.hold();
    var busy = send(0, new float[8]);
    model.awaitEntered(1);
    var good = send(0, 1, 2);
    var bad = send(0, -1, 2);
    var good2 = send(0, 3, 4);
    var good3 = send(0, 5, 6);
    awaitQueued(4);
    model.release();
    busy.get();
    assertThat((float[]) good.get().get(0).data()).containsExactly(2f, 4f);
    assertThat((float[]) good3.get().get(0).data()).containsExactly(10f, 12f);
    good2.get();
    assertThatThrownBy(bad::join).cause().hasMessageContaining("negative value -1.0");
    assertThat(model.callRows).containsExactly(4, 4, 1, 1, 1, 1);
  }

  @Test
  void instancesRunEngineCallsAtOnceAndTuningCanSwitchThemOff() throws Exception {
    batcher = new DynamicBatcher(model, policy(2, List.of(), 0, 1, 0, 0, 2), new BatcherMetrics("m", 2));
    model.hold();
    var a = send(0, new float[4]);
    var b = send(0, new float[4]);
    model.awaitEntered(2); // both instances inside the engine at once
    assertThat(model.running.get()).isEqualTo(2);
    model.release();
    a.get();
    b.get();
    batcher.tune(0, 1);
    assertThat(batcher.activeInstances()).isEqualTo(1);
    model.hold();
    var c = send(0, new float[4]);
    model.awaitEntered(1);
    var d = send(0, new float[4]);
    awaitQueued(1); // the second instance is off: d waits for the first
    assertThat(model.running.get()).isEqualTo(1);
    model.release();
    c.get();
    d.get();
  }
}
