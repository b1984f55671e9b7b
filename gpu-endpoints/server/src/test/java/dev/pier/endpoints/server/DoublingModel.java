package dev.pier.endpoints.server;

import dev.pier.kernel.PierException;
import dev.pier.kernel.tensor.Datatype;
import dev.pier.kernel.tensor.Signature;
import dev.pier.kernel.tensor.TensorSpec;
import dev.pier.runtime.LoadedModel;
import dev.pier.runtime.Tensor;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A batch-major test model (y = 2x, FP32 [-1, 2]) that records the rows of every call, can hold its calls until the
 * test releases them (so what queues meanwhile is known exactly) and fails any batch that holds a negative value.
 */
final class DoublingModel implements LoadedModel {
  final List<Integer> callRows = new CopyOnWriteArrayList<>();
  final List<Float> firstValues = new CopyOnWriteArrayList<>();
  final AtomicInteger running = new AtomicInteger();
  final Semaphore entered = new Semaphore(0);
  private volatile CountDownLatch gate = new CountDownLatch(0);

  /** Holds every call until {@link #release}. */
  void hold() {
    gate = new CountDownLatch(1);
  }

  void release() {
    gate.countDown();
  }

  /** Waits until {@code n} calls have entered the engine. */
  void awaitEntered(int n) throws InterruptedException {
    if (!entered.tryAcquire(n, 30, TimeUnit.SECONDS)) {
      throw new AssertionError("the engine was not called " + n + " times");
    }
  }

  @Override
  public Signature signature() {
    return new Signature(List.of(new TensorSpec("x", Datatype.FP32, new long[] {-1, 2})),
        List.of(new TensorSpec("y", Datatype.FP32, new long[] {-1, 2})));
  }

  @Override
  public List<Tensor> infer(List<Tensor> inputs, List<String> outputs) {
    Tensor x = inputs.get(0);
    callRows.add((int) x.shape()[0]);
    float[] in = (float[]) x.data();
    firstValues.add(in.length == 0 ? Float.NaN : in[0]);
    running.incrementAndGet();
    entered.release();
    try {
      if (!gate.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("never released");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } finally {
      running.decrementAndGet();
    }
    float[] out = new float[in.length];
    for (int i = 0; i < in.length; i++) {
      if (in[i] < 0) {
        throw PierException.badRequest("negative value " + in[i]);
      }
      out[i] = 2 * in[i];
    }
    return List.of(new Tensor("y", Datatype.FP32, x.shape().clone(), out));
  }

  @Override
  public long sizeBytes() {
    return 1;
  }

  @Override
  public void close() {}

  static List<Tensor> rows(float... values) {
    return List.of(new Tensor("x", Datatype.FP32, new long[] {values.length / 2, 2}, values));
  }
}
