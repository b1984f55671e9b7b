package dev.pier.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.kernel.PierException;
import dev.pier.kernel.tensor.Datatype;
import dev.pier.kernel.tensor.Signature;
import dev.pier.registry.Batching;
import dev.pier.runtime.onnx.OnnxEngine;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Micro-batching over the real iris ONNX model, recording the batch sizes the model sees. */
class BatchingModelTest {
  static final Path IRIS = Path.of("../../tests/fixtures/models/iris-mlp.onnx");
  private final LoadedModel iris = new OnnxEngine(1).load(IRIS);
  private final Queue<Long> calls = new ConcurrentLinkedQueue<>();
  private final ExecutorService pool = Executors.newFixedThreadPool(32);

  /** Records each call's batch size; refuses rows containing NaN, to test failure isolation. */
  private final LoadedModel recording = new LoadedModel() {
    @Override
    public Signature signature() {
      return iris.signature();
    }

    @Override
    public List<Tensor> infer(List<Tensor> inputs, List<String> outputs) {
      calls.add(inputs.get(0).shape()[0]);
      for (float v : (float[]) inputs.get(0).data()) {
        if (Float.isNaN(v)) {
          throw PierException.badRequest("NaN in input");
        }
      }
      return iris.infer(inputs, outputs);
    }

    @Override
    public long sizeBytes() {
      return iris.sizeBytes();
    }

    @Override
    public void close() {
      iris.close();
    }
  };

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  private static Tensor rows(int n, float seed) {
    float[] data = new float[n * 4];
    for (int i = 0; i < data.length; i++) {
      data[i] = seed + (i % 4) + (i / 4) * 0.1f;
    }
    return new Tensor("input", Datatype.FP32, new long[] {n, 4}, data);
  }

  private List<Future<List<Tensor>>> concurrently(LoadedModel model, List<Tensor> requests) {
    CountDownLatch go = new CountDownLatch(1);
    List<Future<List<Tensor>>> futures = new ArrayList<>();
    for (Tensor t : requests) {
      futures.add(pool.submit(() -> {
        go.await();
        return model.infer(List.of(t), List.of());
      }));
    }
    go.countDown();
    return futures;
  }

  @Test
  void concurrentRequestsAreCombinedNeverBeyondMaxBatchSizeAndEachGetsItsOwnRows() throws Exception {
    LoadedModel batched = BatchingModel.wrap(recording, new Batching(8, 20_000), 1);
    List<Tensor> requests = new ArrayList<>();
    for (int i = 0; i < 48; i++) {
      requests.add(rows(1 + i % 3, i));
    }
    List<Future<List<Tensor>>> futures = concurrently(batched, requests);
    for (int i = 0; i < requests.size(); i++) {
      List<Tensor> got = futures.get(i).get();
      List<Tensor> alone = iris.infer(List.of(requests.get(i)), List.of());
      assertThat((float[]) got.get(0).data()).containsExactly((float[]) alone.get(0).data());
      assertThat((long[]) got.get(1).data()).containsExactly((long[]) alone.get(1).data());
      assertThat(got.get(0).shape()[0]).isEqualTo(requests.get(i).shape()[0]);
    }
    assertThat(calls).allMatch(n -> n <= 8);
    assertThat(calls.size()).as("fewer model calls than requests").isLessThan(requests.size());
    batched.close();
  }

  @Test
  void aRequestLargerThanMaxBatchSizeRunsAloneAndUnsplit() throws Exception {
    LoadedModel batched = BatchingModel.wrap(recording, new Batching(8, 5_000), 1);
    List<Tensor> out = batched.infer(List.of(rows(20, 1)), List.of());
    assertThat(out.get(0).shape()).containsExactly(20, 3);
    assertThat(calls).containsExactly(20L);
    batched.close();
  }

  @Test
  void oneBadRequestInABatchFailsOnlyItself() throws Exception {
    LoadedModel batched = BatchingModel.wrap(recording, new Batching(16, 50_000), 1);
    List<Tensor> requests = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      requests.add(rows(1, i));
    }
    float[] bad = new float[] {Float.NaN, 1, 2, 3};
    requests.add(new Tensor("input", Datatype.FP32, new long[] {1, 4}, bad));
    List<Future<List<Tensor>>> futures = concurrently(batched, requests);
    for (int i = 0; i < 6; i++) {
      assertThat(futures.get(i).get().get(0).shape()).containsExactly(1, 3);
    }
    assertThatThrownBy(() -> futures.get(6).get()).hasRootCauseInstanceOf(PierException.class)
        .hasMessageContaining("NaN in input");
    batched.close();
  }

  @Test
  void modelsWithoutAVariableBatchDimensionAreNotWrapped() {
    LoadedModel fixed = new LoadedModel() {
      @Override
      public Signature signature() {
        return new Signature(List.of(new dev.pier.kernel.tensor.TensorSpec("x", Datatype.FP32, new long[] {2})),
            List.of());
      }

      @Override
      public List<Tensor> infer(List<Tensor> inputs, List<String> outputs) {
        return inputs;
      }

      @Override
      public long sizeBytes() {
        return 0;
      }

      @Override
      public void close() {}
    };
    assertThat(BatchingModel.wrap(fixed, new Batching(8, 1000), 1)).isSameAs(fixed);
    assertThat(BatchingModel.wrap(recording, null, 1)).isSameAs(recording);
  }
}
