package dev.pier.runtime;

import dev.pier.kernel.PierException;
import dev.pier.kernel.tensor.Signature;
import dev.pier.registry.Batching;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Adaptive micro-batching in front of a loaded model: concurrent requests are concatenated along the batch
 * dimension into one model call and the outputs split back.
 *
 * <p>Guarantees (the bugs not to repeat are BentoML #3710 and #3859):
 * <ul>
 *   <li>a combined call never has more than {@code maxBatchSize} rows;
 *   <li>a request is never split: one whose own batch exceeds {@code maxBatchSize} runs alone, as sent;
 *   <li>only requests of the same shape (beyond the batch dimension), datatypes and requested outputs are combined,
 *       and every request gets exactly its own rows back;
 *   <li>the first request waits at most {@code maxDelay} for company, and not at all when the batch is full;
 *   <li>if a combined call fails, each of its requests is retried alone, so one bad request fails only itself.
 * </ul>
 *
 * <p>Only models whose every input and output has a variable first dimension are batched; others pass through.
 * {@code workers} threads run combined calls, so at most that many run at once per model.
 */
final class BatchingModel implements LoadedModel {
  private final LoadedModel model;
  private final int maxBatchSize;
  private final long maxDelayNanos;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition arrived = lock.newCondition();
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private final List<Thread> workers = new ArrayList<>();
  private volatile boolean closed;

  private BatchingModel(LoadedModel model, Batching policy, int workers) {
    this.model = model;
    this.maxBatchSize = policy.maxBatchSize();
    this.maxDelayNanos = policy.maxDelayMicros() * 1000;
    for (int i = 0; i < workers; i++) {
      Thread t = Thread.ofPlatform().daemon().name("pier-batcher-" + i).start(this::work);
      this.workers.add(t);
    }
  }

  /** Wraps {@code model} when the policy allows batching and its signature is batch-major; else returns it. */
  static LoadedModel wrap(LoadedModel model, Batching policy, int workers) {
    if (policy == null || policy.maxBatchSize() < 2 || !TensorRows.batchMajor(model.signature())) {
      return model;
    }
    return new BatchingModel(model, policy, workers);
  }

  @Override
  public Signature signature() {
    return model.signature();
  }

  @Override
  public long sizeBytes() {
    return model.sizeBytes();
  }

  @Override
  public LoadedModel unwrap() {
    return model.unwrap();
  }

  @Override
  public List<Tensor> infer(List<Tensor> inputs, List<String> outputs) {
    long rows = inputs.get(0).shape()[0];
    for (Tensor t : inputs) {
      if (t.shape()[0] != rows) {
        throw PierException.badRequest("input '" + t.name() + "': batch dimension " + t.shape()[0]
            + " differs from input '" + inputs.get(0).name() + "' (" + rows + ")");
      }
    }
    if (rows == 0 || rows >= maxBatchSize) {
      return model.infer(inputs, outputs); // a full (or empty) batch on its own: nothing to wait for
    }
    Pending p = new Pending(inputs, outputs, (int) rows, System.nanoTime());
    lock.lock();
    try {
      if (closed) {
        return model.infer(inputs, outputs);
      }
      queue.addLast(p);
      arrived.signal();
    } finally {
      lock.unlock();
    }
    try {
      return p.result.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw PierException.unavailable("interrupted while waiting for a batch", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new CompletionException(e.getCause());
    }
  }

  private void work() {
    while (!closed) {
      List<Pending> batch;
      try {
        batch = collect();
      } catch (InterruptedException e) {
        return;
      }
      if (!batch.isEmpty()) {
        run(batch);
      }
    }
  }

  /** Waits for a first request, then gathers compatible ones until the batch is full or the head's delay is up. */
  private List<Pending> collect() throws InterruptedException {
    lock.lock();
    try {
      while (queue.isEmpty()) {
        if (closed) {
          return List.of();
        }
        arrived.await();
      }
      Pending head = queue.peekFirst();
      long deadline = head.enqueued + maxDelayNanos;
      while (true) {
        int rows = compatibleRows(head);
        long left = deadline - System.nanoTime();
        if (rows >= maxBatchSize || left <= 0 || closed) {
          break;
        }
        arrived.awaitNanos(left);
      }
      List<Pending> batch = new ArrayList<>();
      int rows = 0;
      for (Iterator<Pending> it = queue.iterator(); it.hasNext(); ) {
        Pending p = it.next();
        if (p.compatibleWith(head) && rows + p.rows <= maxBatchSize) {
          batch.add(p);
          rows += p.rows;
          it.remove();
        }
      }
      if (!queue.isEmpty()) {
        arrived.signal(); // another worker may start on what is left
      }
      return batch;
    } finally {
      lock.unlock();
    }
  }

  private int compatibleRows(Pending head) {
    int rows = 0;
    for (Pending p : queue) {
      if (p.compatibleWith(head)) {
        rows += p.rows;
      }
    }
    return rows;
  }

  private void run(List<Pending> batch) {
    if (batch.size() == 1) {
      runAlone(batch.get(0));
      return;
    }
    try {
      int total = batch.stream().mapToInt(p -> p.rows).sum();
      List<Tensor> outputs = model.infer(TensorRows.concat(batch.stream().map(p -> p.inputs).toList(), total),
          batch.get(0).outputs);
      for (Tensor out : outputs) {
        if (out.shape().length == 0 || out.shape()[0] != total) {
          throw new IllegalStateException("output '" + out.name() + "' is not batch-major");
        }
      }
      int offset = 0;
      for (Pending p : batch) {
        List<Tensor> mine = new ArrayList<>(outputs.size());
        for (Tensor out : outputs) {
          mine.add(TensorRows.slice(out, offset, p.rows, total));
        }
        offset += p.rows;
        p.result.complete(mine);
      }
    } catch (RuntimeException e) {
      batch.forEach(this::runAlone); // isolate: each request gets its own answer or its own error
    }
  }

  private void runAlone(Pending p) {
    try {
      p.result.complete(model.infer(p.inputs, p.outputs));
    } catch (RuntimeException e) {
      p.result.completeExceptionally(e);
    }
  }

  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      arrived.signalAll();
    } finally {
      lock.unlock();
    }
    workers.forEach(Thread::interrupt);
    for (Thread t : workers) {
      try {
        t.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    // requests still queued run alone before the model goes
    Pending p;
    while ((p = queue.pollFirst()) != null) {
      runAlone(p);
    }
    model.close();
  }

  /** One waiting request and what makes two requests combinable. */
  private static final class Pending {
    final List<Tensor> inputs;
    final List<String> outputs;
    final int rows;
    final long enqueued;
    final CompletableFuture<List<Tensor>> result = new CompletableFuture<>();
    private final String shapeKey;

    Pending(List<Tensor> inputs, List<String> outputs, int rows, long enqueued) {
      this.inputs = inputs;
      this.outputs = outputs;
      this.rows = rows;
      this.enqueued = enqueued;
      StringBuilder key = new StringBuilder();
      for (Tensor t : inputs) {
        long[] s = t.shape();
        key.append(t.name()).append(':').append(t.datatype())
            .append(Arrays.toString(Arrays.copyOfRange(s, 1, s.length))).append(';');
      }
      key.append(outputs);
      this.shapeKey = key.toString();
    }

    boolean compatibleWith(Pending other) {
      return shapeKey.equals(other.shapeKey);
    }
  }

  @Override
  public String toString() {
    return "Batching(" + maxBatchSize + ", " + maxDelayNanos / 1000 + "us) " + model;
  }
}
