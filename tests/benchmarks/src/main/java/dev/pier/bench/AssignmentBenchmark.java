package dev.pier.bench;

import dev.pier.experiments.Analysis;
import dev.pier.experiments.Arm;
import dev.pier.experiments.Correction;
import dev.pier.experiments.Design;
import dev.pier.experiments.Experiment;
import dev.pier.experiments.ExperimentDefinition;
import dev.pier.experiments.ExperimentState;
import dev.pier.experiments.Metric;
import dev.pier.experiments.assignment.Allocation;
import dev.pier.experiments.assignment.Assignment;
import dev.pier.experiments.assignment.ExperimentAssigner;
import dev.pier.experiments.assignment.ExposureBuffer;
import dev.pier.experiments.metrics.MetricType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of assigning one unit to an arm (hash of seed and unit, then the arm by weights), the work the resolve stage
 * adds to a request that carries a unit. Budget: 1 µs. Units cycle through 4,096 distinct ids so the branch predictor
 * and caches see realistic variety; {@code short} ids look like {@code user-1234567}, {@code uuid} ones are 36-char
 * UUIDs. {@code resolve} is what the resolve stage pays: the running experiments' snapshot lookup by model and alias,
 * the assignment, and the exposure buffer's check that the unit was already logged (after warm-up every unit has
 * been, as for returning users).
 *
 * <p>Run: {@code ./pier bench experiments} (or {@code PIER_BENCH_FILTER=AssignmentBenchmark ./pier bench jmh}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx256m")
public class AssignmentBenchmark {

  @Param({"short", "uuid"})
  String ids;

  @Param({"2", "4"})
  int arms;

  private Allocation allocation;
  private ExperimentAssigner assigner;
  private String[] units;
  private int next;

  @Setup
  public void setUp() {
    List<String> names = arms == 2 ? List.of("control", "treatment") : List.of("control", "t1", "t2", "t3");
    List<Double> weights = arms == 2 ? List.of(0.5, 0.5) : List.of(0.25, 0.25, 0.25, 0.25);
    allocation = new Allocation("9f2c4e7a-experiment-seed", names, weights);
    List<Arm> arms = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) arms.add(new Arm(names.get(i), i + 1, null, weights.get(i)));
    var definition = new ExperimentDefinition("bench", null, "ranker", "production", "default", "user", arms,
        Metric.goal("conversion", MetricType.BINARY), List.of(), List.of(), new Design(0.05, 0.8, 0.05, 0.1, null, null),
        Analysis.FREQUENTIST, Correction.HOLM, true, null);
    var running = new Experiment("exp-bench", "9f2c4e7a-experiment-seed", definition, ExperimentState.RUNNING, 2,
        Instant.EPOCH, Instant.EPOCH, null, 1, null);
    assigner = new ExperimentAssigner(() -> List.of(running), new ExposureBuffer());
    assigner.refresh();
    units = new String[4096];
    for (int i = 0; i < units.length; i++) {
      units[i] = ids.equals("uuid") ? UUID.nameUUIDFromBytes(new byte[] {(byte) i, (byte) (i >> 8)}).toString()
          : "user-" + (1_000_000 + i * 7919);
    }
  }

  @Benchmark
  public int assign() {
    String unit = units[next++ & 4095];
    return allocation.index(unit);
  }

  @Benchmark
  public Assignment resolve() {
    String unit = units[next++ & 4095];
    return assigner.assign("ranker", "production", unit, 0L);
  }
}
