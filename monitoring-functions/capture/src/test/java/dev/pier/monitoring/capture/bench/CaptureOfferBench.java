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
 * outputs) — what the CAPTURE stage does once a request is drawn — into a {@link CaptureBuffer} whose writer discards.
 * The counters say how many offers were taken and how many dropped (a drop is cheaper than a take).
 *
 * <pre>
 *   mvn -pl monitoring-functions/capture test-compile dependency:build-classpath -Dmdep.outputFile=cp.txt
 *   java -cp target/test-classes:target/classes:$(cat cp.txt) org.openjdk.jmh.Main CaptureOfferBench -f 1 -wi 3 -i 5
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
  private CaptureBuffer buffer;

  @AuxCounters(AuxCounters.Type.EVENTS)
  @State(Scope.Thread)
  public static class Offers {
    public long taken;
    public long dropped;
  }

  @Setup(Level.Trial)
  public void start() {
    buffer = new CaptureBuffer(10_000, 1_000, Duration.ofSeconds(5), batch -> { });
  }

  @TearDown(Level.Trial)
  public void stop() {
    buffer.close();
  }

  /** The stage's view of a runtime tensor: a constant, so an offer allocates only its {@link CapturedCall}. */
  private static final Function<RuntimeTensor, TensorColumns.Tensor> LAYOUT =
      t -> new TensorColumns.Tensor(t.name(), t.shape(), t.data());

  /** What {@code CaptureStage} does on the request thread for a drawn request. */
  @Benchmark
  public boolean captureOneRowRequest(Offers offers) {
    return count(offers, buffer.offer(new CapturedCall<>("demo", 1, "req-1", System.currentTimeMillis(), "oip-rest",
        0.5, PiiFields.NONE, null, inputs, outputs, LAYOUT, 1)));
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
