package dev.pier.endpoints.server;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the batcher does, so a batcher that does not batch is visible at once: the rows per engine call (batch-size
 * histogram), requests per call, time in the queue, engine time, request latency, rejections by reason and the
 * current delay and instance count. {@link #latencyWindow} feeds adaptive mode. Written as Prometheus text.
 */
public final class BatcherMetrics {
  private final String model;
  private final Histogram batchRows;
  private final Histogram requestsPerBatch;
  private final Histogram queueSeconds = new Histogram(1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 0.01, 0.025, 0.05,
      0.1, 0.25, 0.5, 1);
  private final Histogram computeSeconds = new Histogram(1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 0.01, 0.025, 0.05,
      0.1, 0.25, 0.5, 1);
  private final Histogram latencySeconds = new Histogram(1e-3, 2.5e-3, 5e-3, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
      2.5);
  private final Map<String, LongAdder> rejected = new ConcurrentHashMap<>();
  private final LatencyWindow window = new LatencyWindow(4096);
  private volatile long delayMicros;
  private volatile int instances;

  public BatcherMetrics(String model, int maxBatchSize) {
    this.model = model;
    this.batchRows = new Histogram(powersOfTwo(maxBatchSize));
    this.requestsPerBatch = new Histogram(powersOfTwo(maxBatchSize));
  }

  private static double[] powersOfTwo(int max) {
    int n = 1;
    while ((1 << (n - 1)) < max) {
      n++;
    }
    double[] b = new double[n];
    for (int i = 0; i < n; i++) {
      b[i] = Math.min(1 << i, max);
    }
    return b;
  }

  void batch(int requests, int rows) {
    requestsPerBatch.observe(requests);
    batchRows.observe(rows);
  }

  void queued(long nanos) {
    queueSeconds.observe(nanos / 1e9);
  }

  void compute(long nanos) {
    computeSeconds.observe(nanos / 1e9);
  }

  void latency(long nanos) {
    latencySeconds.observe(nanos / 1e9);
    window.add(nanos);
  }

  void rejected(String reason) {
    rejected.computeIfAbsent(reason, r -> new LongAdder()).increment();
  }

  void settings(long delayMicros, int instances) {
    this.delayMicros = delayMicros;
    this.instances = instances;
  }

  /** Engine calls so far. */
  public long batches() {
    return batchRows.count();
  }

  /** Mean rows per engine call so far (0 before the first). */
  public double meanBatchRows() {
    long n = batchRows.count();
    return n == 0 ? 0 : batchRows.sum() / n;
  }

  public long rejectedCount(String reason) {
    LongAdder a = rejected.get(reason);
    return a == null ? 0 : a.sum();
  }

  /** The latencies recorded since the last call, for adaptive mode. */
  LatencyWindow latencyWindow() {
    return window;
  }

  public void write(StringBuilder out) {
    String labels = "model=\"" + model + "\"";
    batchRows.write(out, "pier_endpoint_batch_size", "Rows per engine call (the dynamic batcher's batch size)",
        labels);
    requestsPerBatch.write(out, "pier_endpoint_batch_requests", "Requests combined into one engine call", labels);
    queueSeconds.write(out, "pier_endpoint_queue_seconds", "Time a request waited in the batcher's queue", labels);
    computeSeconds.write(out, "pier_endpoint_compute_seconds", "Engine time per call", labels);
    latencySeconds.write(out, "pier_endpoint_request_seconds", "Queue plus engine time per request", labels);
    out.append("# HELP pier_endpoint_rejected_total Requests refused with 429 by the queue policy\n");
    out.append("# TYPE pier_endpoint_rejected_total counter\n");
    for (String reason : new String[] {"queue_timeout", "queue_full"}) {
      out.append("pier_endpoint_rejected_total{").append(labels).append(",reason=\"").append(reason).append("\"} ")
          .append(rejectedCount(reason)).append('\n');
    }
    out.append("# HELP pier_endpoint_queue_delay_microseconds The batcher's current delay\n");
    out.append("# TYPE pier_endpoint_queue_delay_microseconds gauge\n");
    out.append("pier_endpoint_queue_delay_microseconds{").append(labels).append("} ").append(delayMicros)
        .append('\n');
    out.append("# HELP pier_endpoint_instances Model instances serving now\n");
    out.append("# TYPE pier_endpoint_instances gauge\n");
    out.append("pier_endpoint_instances{").append(labels).append("} ").append(instances).append('\n');
  }
}
