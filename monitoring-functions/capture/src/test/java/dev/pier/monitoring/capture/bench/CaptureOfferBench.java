package dev.pier.monitoring.capture.bench;

import dev.pier.monitoring.capture.CaptureBuffer;
import dev.pier.monitoring.capture.CapturedCall;
import dev.pier.monitoring.capture.TensorColumns;
import dev.pier.security.privacy.PiiFields;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Not a test: JMH, the request thread's share of capturing one single-row OIP request (the demo's 4 FP32 inputs, 3
 * outputs) — what the CAPTURE stage does once a request is drawn — into a {@link CaptureBuffer}: taken (a buffer with
 * room for the iteration, its writer stalled so that it takes no CPU beside the measured thread) and dropped (a full
 * buffer). The counters say how many offers were taken and how many dropped.
 *
 * <pre>
 *   mvn -pl monitoring-functions/capture test-compile dependency:build-classpath -Dmdep.outputFile=cp.txt
 *   java -cp target/test-classes:target/classes:$(cat cp.txt) org.openjdk.jmh.Main CaptureOfferBench -f 1 -wi 5 -w 200ms -i 8 -r 200ms -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CaptureOfferBench {
  /** A tensor as the runtime holds it (the stage adapts it to the capture module's view). */
  record RuntimeTensor(String name, long[] shape, Object data) {}

  private final List<RuntimeTensor> inputs = List.of(new RuntimeTensor("input", new long[] {1, 4},
      new float[] {5.1f, 3.5f, 1.4f, 0.2f}));
  private final List<RuntimeTensor> outputs = List.of(new RuntimeTensor("output", new long[] {1, 3},
      new float[] {0.9f, 0.05f, 0.05f}));
  /** Fresh each iteration, with room for every offer of it: the writer takes one row and then waits (stalled S3). */
  private CaptureBuffer roomy;
  /** Full from the start: every offer is a drop. */
  private CaptureBuffer full;
  private java.util.concurrent.CountDownLatch release;

  /**
   * Offers taken and dropped, and the bytes the measuring (request) thread allocated per offer — its own, unlike
   * {@code -prof gc}'s, which counts every thread and the collector's work on what the buffer retains.
   */
  @AuxCounters(AuxCounters.Type.EVENTS)
  @State(Scope.Thread)
  public static class Offers {
    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    public long taken;
    public long dropped;
    private long bytes0;
    private long bytes;

    @Setup(Level.Iteration)
    public void begin() {
      taken = 0;
      dropped = 0;
      bytes0 = THREADS.getCurrentThreadAllocatedBytes();
    }

    @TearDown(Level.Iteration)
    public void end() {
      bytes = THREADS.getCurrentThreadAllocatedBytes() - bytes0;
    }

    public double requestThreadBytesPerOffer() {
      return taken + dropped == 0 ? 0 : bytes / (double) (taken + dropped);
    }
  }

  @Setup(Level.Iteration)
  public void start() throws InterruptedException {
    release = new java.util.concurrent.CountDownLatch(1);
    roomy = new CaptureBuffer(1 << 23, 1, Duration.ofHours(1), batch -> await(release));
    full = new CaptureBuffer(1, 1, Duration.ofHours(1), batch -> await(release));
    for (int i = 0; i < 3; i++) { // one taken by the writer (stalled), one in the ring, then none
      full.offer(call());
    }
  }

  @TearDown(Level.Iteration)
  public void stop() {
    release.countDown();
    roomy.close();
    full.close();
  }

  private static void await(java.util.concurrent.CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The stage's view of a runtime tensor: a constant, so an offer allocates only its {@link CapturedCall}. */
  private static final Function<RuntimeTensor, TensorColumns.Tensor> LAYOUT =
      t -> new TensorColumns.Tensor(t.name(), t.shape(), t.data());

  /** What {@code CaptureStage} does on the request thread for a drawn request: the offer is taken. */
  @Benchmark
  public boolean offerTaken(Offers offers) {
    return count(offers, roomy.offer(call()));
  }

  /** The same when the buffer is full: the offer is dropped and counted. */
  @Benchmark
  public boolean offerDropped(Offers offers) {
    return count(offers, full.offer(call()));
  }

  private CapturedCall<RuntimeTensor> call() {
    return new CapturedCall<>("demo", 1, "req-1", System.currentTimeMillis(), "oip-rest", 0.5, PiiFields.NONE, null,
        inputs, outputs, LAYOUT, 1);
  }

  private static boolean count(Offers offers, boolean taken) {
    if (taken) {
      offers.taken++;
    } else {
      offers.dropped++;
    }
    return taken;
  }

}
