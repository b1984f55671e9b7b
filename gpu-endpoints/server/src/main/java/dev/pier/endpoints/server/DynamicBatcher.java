package dev.pier.endpoints.server;

import dev.pier.kernel.PierException;
import dev.pier.runtime.LoadedModel;
import dev.pier.runtime.Tensor;
import dev.pier.runtime.TensorRows;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A Triton-style dynamic batcher in front of one loaded model: requests wait in one queue per priority level and
 * {@code instances} workers each take the oldest request of the highest non-empty level together with every
 * compatible request behind it (same shape beyond the batch dimension, datatypes and requested outputs), up to
 * {@code max_batch_size} rows, cut to the largest preferred size that fits. A batch goes to the engine when it is full
 * (or reaches the largest preferred size) or when its oldest request has waited the current delay; requests are never
 * split, and every request gets exactly its own rows back. If a combined call fails, each of its requests is retried
 * alone, so one bad request fails only itself.
 *
 * <p>Queue policy: a request still waiting after {@code queue_timeout_ms} is taken out and refused with 429, as is
 * one arriving while {@code max_queue_size} requests wait. The delay and the number of active instances are
 * {@link #tune adjustable} while serving (adaptive mode); metrics go to {@link BatcherMetrics}.
 *
 * <p>Models whose inputs and outputs are not all batch-major (variable first dimension) are still queued (priority
 * and queue policy apply) but run one request per call.
 */
public final class DynamicBatcher implements AutoCloseable {
  private final LoadedModel model;
  private final BatchPolicy policy;
  private final BatcherMetrics metrics;
  private final boolean combinable;
  private final int largestPreferred;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final ArrayDeque<Pending>[] queues;
  private final List<Thread> workers = new ArrayList<>();
  private int queued;
  private volatile long delayNanos;
  private volatile int activeInstances;
  private volatile boolean closed;

  @SuppressWarnings("unchecked")
  public DynamicBatcher(LoadedModel model, BatchPolicy policy, BatcherMetrics metrics) {
    this.model = model;
    this.policy = policy;
    this.metrics = metrics;
    this.combinable = policy.batches() && TensorRows.batchMajor(model.signature());
    List<Integer> preferred = policy.preferredBatchSizes();
    this.largestPreferred = preferred.isEmpty() ? policy.maxBatchSize() : preferred.get(preferred.size() - 1);
    this.queues = new ArrayDeque[policy.priorityLevels()];
    for (int i = 0; i < queues.length; i++) {
      queues[i] = new ArrayDeque<>();
    }
    this.delayNanos = policy.maxQueueDelayMicros() * 1000;
    this.activeInstances = policy.instances();
    metrics.settings(policy.maxQueueDelayMicros(), policy.instances());
    for (int i = 0; i < policy.instances(); i++) {
      int index = i;
      workers.add(Thread.ofPlatform().daemon().name("pier-endpoint-instance-" + i).start(() -> work(index)));
    }
  }

  /** Whether requests are combined into one engine call (the policy batches and the model is batch-major). */
  public boolean combines() {
    return combinable;
  }

  public long delayMicros() {
    return delayNanos / 1000;
  }

  public int activeInstances() {
    return activeInstances;
  }

  /** Requests waiting now. */
  public int queued() {
    lock.lock();
    try {
      return queued;
    } finally {
      lock.unlock();
    }
  }

  /** Sets the delay (capped at the policy's) and active instances (1 to the policy's); adaptive mode calls it. */
  public void tune(long delayMicros, int instances) {
    this.delayNanos = Math.max(0, Math.min(delayMicros, policy.maxQueueDelayMicros())) * 1000;
    this.activeInstances = Math.max(1, Math.min(instances, policy.instances()));
    metrics.settings(delayNanos / 1000, activeInstances);
    lock.lock();
    try {
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Runs one request through the queue.
   *
   * @param priority 1 (highest) to {@code priority_levels}; 0 for the policy's default
   */
  public List<Tensor> infer(List<Tensor> inputs, List<String> outputs, int priority) {
    int level = priority == 0 ? policy.defaultPriority() : priority;
    if (level < 1 || level > policy.priorityLevels()) {
      throw PierException.badRequest("parameters.priority must be between 1 and " + policy.priorityLevels()
          + ", got " + priority);
    }
    int rows = rows(inputs);
    if (combinable && rows > policy.maxBatchSize()) {
      throw PierException.badRequest("the request's batch of " + rows + " rows exceeds the model's max_batch_size "
          + policy.maxBatchSize());
    }
    long now = System.nanoTime();
    Pending p = new Pending(inputs, outputs, rows, now);
    lock.lock();
    try {
      if (closed) {
        throw PierException.unavailable("the endpoint is shutting down", null);
      }
      if (policy.maxQueueSize() > 0 && queued >= policy.maxQueueSize()) {
        metrics.rejected("queue_full");
        throw new PierException(429, "the model's queue is full (" + policy.maxQueueSize()
            + " requests wait); retry later");
      }
      queues[level - 1].addLast(p);
      queued++;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    try {
      if (policy.queueTimeoutMicros() > 0) {
        try {
          return p.result.get(policy.queueTimeoutMicros(), TimeUnit.MICROSECONDS);
        } catch (TimeoutException e) {
          if (withdraw(p, level)) {
            metrics.rejected("queue_timeout");
            throw new PierException(429, "the request waited over the model's queue timeout of "
                + policy.queueTimeoutMicros() / 1000.0 + " ms without reaching the engine; retry later");
          }
          // already taken into a batch: its answer is coming
        }
      }
      return p.result.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      withdraw(p, level);
      throw PierException.unavailable("interrupted while waiting for a batch", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  private static int rows(List<Tensor> inputs) {
    long rows = inputs.isEmpty() || inputs.get(0).shape().length == 0 ? 1 : inputs.get(0).shape()[0];
    for (Tensor t : inputs) {
      long r = t.shape().length == 0 ? 1 : t.shape()[0];
      if (r != rows) {
        throw PierException.badRequest("input '" + t.name() + "': batch dimension " + r + " differs from input '"
            + inputs.get(0).name() + "' (" + rows + ")");
      }
    }
    return (int) Math.min(rows, Integer.MAX_VALUE);
  }

  /** Takes a request out of its queue if no worker has taken it yet. */
  private boolean withdraw(Pending p, int level) {
    lock.lock();
    try {
      if (queues[level - 1].remove(p)) {
        queued--;
        return true;
      }
      return false;
    } finally {
      lock.unlock();
    }
  }

  private void work(int index) {
    while (!closed) {
      List<Pending> batch;
      try {
        batch = collect(index);
      } catch (InterruptedException e) {
        return;
      }
      if (!batch.isEmpty()) {
        run(batch);
      }
    }
  }

  private Pending head() {
    for (ArrayDeque<Pending> q : queues) {
      if (!q.isEmpty()) {
        return q.peekFirst();
      }
    }
    return null;
  }

  /** Waits for work this instance may take, then gathers a batch by the rules in the class comment. */
  private List<Pending> collect(int index) throws InterruptedException {
    lock.lock();
    try {
      while (true) {
        Pending head = head();
        while (!closed && (index >= activeInstances || head == null)) {
          changed.await();
          head = head();
        }
        if (closed) {
          return List.of();
        }
        int limit = combinable ? policy.maxBatchSize() : 1;
        int fireAt = combinable ? Math.min(limit, largestPreferred) : 1;
        long deadline = head.enqueued + delayNanos;
        int rows;
        while (true) {
          rows = compatibleRows(head, limit);
          long left = deadline - System.nanoTime();
          if (rows >= fireAt || left <= 0 || closed || head() != head || index >= activeInstances) {
            break;
          }
          changed.awaitNanos(left);
        }
        if (head() != head || index >= activeInstances) {
          continue; // the head left (timed out, or another instance took it), or this instance was switched off
        }
        int target = cut(rows, limit);
        List<Pending> batch = new ArrayList<>();
        int taken = 0;
        for (ArrayDeque<Pending> q : queues) {
          for (var it = q.iterator(); it.hasNext() && taken < target; ) {
            Pending p = it.next();
            if (p.compatibleWith(head) && taken + p.rows <= target) {
              batch.add(p);
              taken += p.rows;
              it.remove();
            }
          }
        }
        if (batch.isEmpty()) { // the head alone is larger than the preferred cut: it goes on its own
          removeHead(head);
          batch.add(head);
        }
        queued -= batch.size();
        if (queued > 0) {
          changed.signalAll();
        }
        return batch;
      }
    } finally {
      lock.unlock();
    }
  }

  private void removeHead(Pending head) {
    for (ArrayDeque<Pending> q : queues) {
      if (q.remove(head)) {
        return;
      }
    }
  }

  /** The rows to take from {@code rows} waiting: the largest preferred size that fits, else all (up to the limit). */
  private int cut(int rows, int limit) {
    int target = Math.min(rows, limit);
    List<Integer> preferred = policy.preferredBatchSizes();
    for (int i = preferred.size() - 1; i >= 0; i--) {
      if (preferred.get(i) <= target) {
        return preferred.get(i);
      }
    }
    return target;
  }

  private int compatibleRows(Pending head, int limit) {
    int rows = 0;
    for (ArrayDeque<Pending> q : queues) {
      for (Pending p : q) {
        if (p.compatibleWith(head)) {
          rows += p.rows;
          if (rows >= limit) {
            return rows;
          }
        }
      }
    }
    return rows;
  }

  private void run(List<Pending> batch) {
    long start = System.nanoTime();
    int total = 0;
    for (Pending p : batch) {
      metrics.queued(start - p.enqueued);
      total += p.rows;
    }
    metrics.batch(batch.size(), total);
    if (batch.size() == 1) {
      runAlone(batch.get(0), start);
      return;
    }
    List<Tensor> outputs;
    try {
      outputs = model.infer(TensorRows.concat(batch.stream().map(p -> p.inputs).toList(), total), batch.get(0).outputs);
      for (Tensor out : outputs) {
        if (out.shape().length == 0 || out.shape()[0] != total) {
          throw new IllegalStateException("output '" + out.name() + "' is not batch-major");
        }
      }
    } catch (RuntimeException e) {
      batch.forEach(p -> runAlone(p, System.nanoTime())); // isolate: each request gets its own answer or error
      return;
    }
    long end = System.nanoTime();
    metrics.compute(end - start);
    int offset = 0;
    for (Pending p : batch) {
      List<Tensor> mine = new ArrayList<>(outputs.size());
      for (Tensor out : outputs) {
        mine.add(TensorRows.slice(out, offset, p.rows, total));
      }
      offset += p.rows;
      metrics.latency(end - p.enqueued);
      p.result.complete(mine);
    }
  }

  private void runAlone(Pending p, long start) {
    try {
      List<Tensor> out = model.infer(p.inputs, p.outputs);
      long end = System.nanoTime();
      metrics.compute(end - start);
      metrics.latency(end - p.enqueued);
      p.result.complete(out);
    } catch (RuntimeException e) {
      p.result.completeExceptionally(e);
    }
  }

  /** Stops the instances; requests still queued run alone first, so nothing accepted is lost. */
  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    for (Thread t : workers) {
      try {
        t.join(30_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (ArrayDeque<Pending> q : queues) {
      Pending p;
      while ((p = q.pollFirst()) != null) {
        runAlone(p, System.nanoTime());
      }
    }
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
      List<Tensor> sorted = new ArrayList<>(inputs);
      sorted.sort(java.util.Comparator.comparing(Tensor::name));
      StringBuilder key = new StringBuilder();
      for (Tensor t : sorted) {
        long[] s = t.shape();
        key.append(t.name()).append(':').append(t.datatype())
            .append(s.length == 0 ? "[]" : Arrays.toString(Arrays.copyOfRange(s, 1, s.length))).append(';');
      }
      key.append(outputs);
      this.shapeKey = key.toString();
    }

    boolean compatibleWith(Pending other) {
      return shapeKey.equals(other.shapeKey);
    }
  }
}
