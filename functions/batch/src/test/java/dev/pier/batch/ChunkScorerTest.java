package dev.pier.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.kernel.PierException;
import dev.pier.kernel.tensor.Datatype;
import dev.pier.kernel.tensor.Signature;
import dev.pier.kernel.tensor.TensorSpec;
import dev.pier.runtime.Tensor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The chunk readers and result writers through {@link ChunkScorer}, with a model that sums each row's three features
 * and refuses (400) any batch holding a negative one, the way input validation refuses a batch.
 */
class ChunkScorerTest {
  private static final Signature SIGNATURE = new Signature(
      List.of(new TensorSpec("x", Datatype.FP32, new long[] {-1, 3})),
      List.of(new TensorSpec("sum", Datatype.FP32, new long[] {-1})));

  private final List<Integer> batchSizes = new ArrayList<>();

  private List<Tensor> sumRows(List<Tensor> inputs) {
    float[] x = (float[]) inputs.getFirst().data();
    int n = x.length / 3;
    batchSizes.add(n);
    float[] sums = new float[n];
    for (int r = 0; r < n; r++) {
      for (int k = 0; k < 3; k++) {
        if (x[r * 3 + k] < 0) {
          throw PierException.badRequest("input 'x' must not be negative");
        }
        sums[r] += x[r * 3 + k];
      }
    }
    return List.of(new Tensor("sum", Datatype.FP32, new long[] {n}, sums));
  }

  private ChunkScorer.Scored score(String data, InputFormat format, String header, int rows) {
    byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
    return new ChunkScorer(SIGNATURE, 64, this::sumRows)
        .score(bytes, new ChunkPlanner.Chunk(0, 0, bytes.length, 1, rows), format, header);
  }

  private static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  @Test
  void jsonlRowsAreScoredInOneBatchAndWrittenAsJsonlWithTheirIds() {
    var scored = score("{\"id\": 7, \"x\": [1, 2, 3]}\n{\"x\": [4, 5, 6], \"note\": \"rides along\"}\n",
        InputFormat.JSONL, null, 2);

    assertThat(text(scored.results())).isEqualTo("{\"id\":7,\"sum\":6.0}\n{\"id\":2,\"sum\":15.0}\n");
    assertThat(scored.succeeded()).isEqualTo(2);
    assertThat(batchSizes).containsExactly(2);
  }

  @Test
  void csvRowsWithIndexedColumnsAreWrittenAsCsvUnderAHeader() {
    var scored = score("a,1,2,3\n\"b, c\",1,1,1\n", InputFormat.CSV, "id,x_0,x_1,x_2", 2);

    assertThat(text(scored.results())).isEqualTo("id,sum\na,6.0\n\"b, c\",3.0\n");
  }

  @Test
  void aRowThatCannotBeReadIsAnErrorLineNamingWhyAndTheOthersAreScored() {
    var scored = score("{\"x\": [1, 2]}\n{\"x\": [1, \"two\", 3]}\n{\"x\": [1, 1, 1]}\n", InputFormat.JSONL, null, 3);

    assertThat(scored.succeeded()).isEqualTo(1);
    assertThat(scored.failed()).isEqualTo(2);
    assertThat(text(scored.errors())).isEqualTo("""
        {"id":1,"error":"input 'x' needs 3 values per row, got 2"}
        {"id":2,"error":"input 'x' takes numbers, got \\"two\\""}
        """);
  }

  @Test
  void aBatchTheModelRefusesIsRescoredRowByRowSoOnlyTheBadRowFails() {
    var scored = score("1,1,1\n2,-2,2\n3,3,3\n", InputFormat.CSV, "x_0,x_1,x_2", 3);

    assertThat(text(scored.results())).isEqualTo("id,sum\n1,3.0\n3,9.0\n");
    assertThat(text(scored.errors())).isEqualTo("{\"id\":2,\"error\":\"input 'x' must not be negative\"}\n");
    assertThat(batchSizes).containsExactly(3, 1, 1, 1);
  }

  @Test
  void aModelFailureFailsTheWholeChunkForARetry() {
    byte[] bytes = "{\"x\": [1, 2, 3]}\n".getBytes(StandardCharsets.UTF_8);
    ChunkScorer scorer = new ChunkScorer(SIGNATURE, 64, inputs -> {
      throw PierException.unavailable("the engine is gone", null);
    });

    assertThatThrownBy(() -> scorer.score(bytes, new ChunkPlanner.Chunk(0, 0, bytes.length, 1, 1),
        InputFormat.JSONL, null)).isInstanceOf(PierException.class).hasMessageContaining("the engine is gone");
  }

  @Test
  void aCsvHeaderWithoutTheInputsColumnsRefusesTheFile() {
    assertThatThrownBy(() -> score("1,2\n", InputFormat.CSV, "a,b", 1))
        .isInstanceOf(BatchError.class)
        .hasMessage("input 'x' takes 3 values per row, the CSV header has 2 feature columns");
  }

  /** Rows in memory (a Spark partition's): values by column name, scalars or lists per input. */
  private record ListRows(List<java.util.Map<String, Object>> rows) implements RowSource {
    @Override
    public int size() {
      return rows.size();
    }

    @Override
    public List<String> columns() {
      return List.of("x");
    }

    @Override
    public Object value(int row, String column) {
      return rows.get(row).get(column);
    }
  }

  @Test
  void rowsInMemoryAreScoredInBatchesAndABadRowGetsItsReasonWithoutFailingTheOthers() {
    var rows = new ListRows(List.of(
        java.util.Map.of("x", List.of(1.0, 2.0, 3.0)),
        java.util.Map.of("x", List.of(1.0, -2.0, 3.0)), // the model refuses it: its batch is rescored row by row
        java.util.Map.of("x", List.of(1, 2)),            // two values for a three-value input
        java.util.Map.of("x", List.of("4", 5.0f, 6L)),   // text and other number types convert as in CSV/Parquet
        java.util.Map.of("y", 1.0)));                    // no x

    ChunkScorer.ScoredRows scored = new ChunkScorer(SIGNATURE, 64, this::sumRows).scoreRows(rows);

    assertThat(((float[]) scored.outputs(0).getFirst().data())[scored.offset(0)]).isEqualTo(6.0f);
    assertThat(((float[]) scored.outputs(3).getFirst().data())[scored.offset(3)]).isEqualTo(15.0f);
    assertThat(scored.outputs(1)).isNull();
    assertThat(scored.error(1)).isEqualTo("input 'x' must not be negative");
    assertThat(scored.error(2)).isEqualTo("column 'x' has 2 values, input 'x' takes 3");
    assertThat(scored.error(4)).isEqualTo("column 'x' is null");
    assertThat(scored.error(0)).isNull();
    assertThat(batchSizes).containsExactly(3, 1, 1, 1); // one batch of the 3 readable rows, then one by one
  }

  /** Version v's model: each row's sum times v, so a result names the version that scored it. */
  private ChunkScorer.Model version(int v) {
    return inputs -> {
      Tensor sums = sumRows(inputs).getFirst();
      float[] d = ((float[]) sums.data()).clone();
      for (int r = 0; r < d.length; r++) {
        d[r] *= v;
      }
      return List.of(new Tensor("sum", Datatype.FP32, sums.shape(), d));
    };
  }

  @Test
  void rowsUnderAnExperimentAreScoredByTheirUnitsVersionOneCallPerVersionInTheRowsOrder() {
    String data = "{\"id\": 1, \"u\": \"a\", \"x\": [1, 1, 1]}\n{\"id\": 2, \"u\": 7, \"x\": [1, 1, 1]}\n"
        + "{\"id\": 3, \"u\": \"a\", \"x\": [2, 2, 2]}\n{\"id\": 4, \"x\": [1, 1, 1]}\n"
        + "{\"id\": 5, \"u\": [1], \"x\": [1, 1, 1]}\n";
    byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
    List<String> asked = new ArrayList<>();
    var scored = new ChunkScorer(SIGNATURE, 64, inputs -> {
      throw new AssertionError("the job's own model is not called under an experiment");
    }).arms(new ChunkScorer.Arms("u", unit -> {
      asked.add(unit);
      return unit.equals("a") ? new ChunkScorer.RowArm("treatment", 2) : new ChunkScorer.RowArm("control", 3);
    }, this::version, v -> null)).score(bytes, new ChunkPlanner.Chunk(0, 0, bytes.length, 1, 5), InputFormat.JSONL,
        null);

    assertThat(text(scored.results())).isEqualTo(
        "{\"id\":1,\"model_version\":2,\"experiment_arm\":\"treatment\",\"sum\":6.0}\n"
        + "{\"id\":2,\"model_version\":3,\"experiment_arm\":\"control\",\"sum\":9.0}\n"
        + "{\"id\":3,\"model_version\":2,\"experiment_arm\":\"treatment\",\"sum\":12.0}\n");
    assertThat(batchSizes).as("one call per version").containsExactly(2, 1);
    assertThat(asked).containsExactly("a", "7", "a");
    assertThat(text(scored.errors())).contains("{\"id\":4,\"error\":\"missing unit column 'u'\"}",
        "{\"id\":5,\"error\":\"empty unit column 'u'\"}");
  }

  @Test
  void aCsvUnitColumnIsNotAFeatureAndAHeaderWithoutItFailsTheChunkNamingIt() {
    byte[] bytes = "1,u1,1,2,3\n2,u2,4,5,6\n".getBytes(StandardCharsets.UTF_8);
    var arms = new ChunkScorer.Arms("user", unit -> unit.equals("u1") ? new ChunkScorer.RowArm("control", 1)
        : new ChunkScorer.RowArm(null, 2), this::version, v -> null);
    var scored = new ChunkScorer(SIGNATURE, 64, this::sumRows).arms(arms)
        .score(bytes, new ChunkPlanner.Chunk(0, 0, bytes.length, 2, 2), InputFormat.CSV, "id,user,a,b,c");
    assertThat(text(scored.results()))
        .isEqualTo("id,model_version,experiment_arm,sum\n1,1,control,6.0\n2,2,,30.0\n");
    assertThatThrownBy(() -> new ChunkScorer(SIGNATURE, 64, this::sumRows).arms(arms)
        .score(bytes, new ChunkPlanner.Chunk(0, 0, bytes.length, 2, 2), InputFormat.CSV, "id,customer,a,b,c"))
        .isInstanceOf(BatchError.class).hasMessageContaining("no unit column 'user'");
  }

  @Test
  void eachUnitsTargetingAttributesAreReadFromItsFirstRowBeforeItsArmIsAskedAndAreNotFeatures() {
    // CSV: the attribute columns are neither features nor the unit; a unit's first row gives its attributes
    byte[] csv = "1,u1,NL,30,1,2,3\n2,u2,BE,true,4,5,6\n3,u1,DE,40,1,1,1\n4,u3,,x,1,1,1\n"
        .getBytes(StandardCharsets.UTF_8);
    Map<String, Map<String, Object>> seen = new java.util.HashMap<>();
    List<String> asked = new ArrayList<>();
    java.util.function.Function<String, ChunkScorer.RowArm> armOf = unit -> {
      asked.add(unit + "=" + new java.util.TreeMap<>(seen.get(unit)));
      return "NL".equals(seen.get(unit).get("country")) ? new ChunkScorer.RowArm("treatment", 2)
          : new ChunkScorer.RowArm(null, 3);
    };
    var scored = new ChunkScorer(SIGNATURE, 64, this::sumRows).arms(new ChunkScorer.Arms("user", armOf,
        this::version, v -> null, Map.of("country", "land", "age", "years"), seen))
        .score(csv, new ChunkPlanner.Chunk(0, 0, csv.length, 2, 4), InputFormat.CSV, "id,user,land,years,a,b,c");
    assertThat(text(scored.results())).isEqualTo("id,model_version,experiment_arm,sum\n1,2,treatment,12.0\n"
        + "2,3,,45.0\n3,2,treatment,6.0\n4,3,,9.0\n");
    assertThat(asked).containsExactly("u1={age=30.0, country=NL}", "u2={age=true, country=BE}",
        "u1={age=30.0, country=NL}", "u3={age=x}");

    // JSONL, tensor rows and named rows alike: attributes ride along, typed as JSON has them
    byte[] jsonl = ("{\"id\": 1, \"u\": \"a\", \"land\": \"NL\", \"years\": 30, \"x\": [1, 1, 1]}\n"
        + "{\"id\": 2, \"land\": \"BE\", \"u\": \"b\", \"x\": [1, 2, 3], \"years\": [1]}\n")
        .getBytes(StandardCharsets.UTF_8);
    seen.clear();
    asked.clear();
    var fromJson = new ChunkScorer(SIGNATURE, 64, this::sumRows).arms(new ChunkScorer.Arms("u", armOf,
        this::version, v -> null, Map.of("country", "land", "age", "years"), seen))
        .score(jsonl, new ChunkPlanner.Chunk(0, 0, jsonl.length, 1, 2), InputFormat.JSONL, null);
    assertThat(text(fromJson.results())).isEqualTo(
        "{\"id\":1,\"model_version\":2,\"experiment_arm\":\"treatment\",\"sum\":6.0}\n"
        + "{\"id\":2,\"model_version\":3,\"experiment_arm\":null,\"sum\":18.0}\n");
    assertThat(asked).containsExactly("a={age=30.0, country=NL}", "b={country=BE}");
  }

  /** Version 2 of the model: another input ({@code z}, two values per row), its rows' sum times 100. */
  private static final Signature SIGNATURE_V2 = new Signature(
      List.of(new TensorSpec("z", Datatype.FP32, new long[] {-1, 2})),
      List.of(new TensorSpec("sum", Datatype.FP32, new long[] {-1})));

  private List<Tensor> sumTimes100(List<Tensor> inputs) {
    float[] z = (float[]) inputs.getFirst().data();
    float[] out = new float[z.length / 2];
    for (int r = 0; r < out.length; r++) {
      out[r] = 100 * (z[2 * r] + z[2 * r + 1]);
    }
    return List.of(new Tensor("sum", Datatype.FP32, new long[] {out.length}, out));
  }

  @Test
  void armsWhoseVersionsTakeDifferentInputsEachReadTheirOwnUnitsRowsAndEveryRowIsCountedOnce() {
    // unit a → version 1 (input x, three values), unit b → version 2 (input z, two values); each row carries only
    // what its arm's version reads, and a row without a unit is reported once, by the job's version's read
    String data = """
        {"id": 1, "u": "a", "x": [1, 2, 3]}
        {"id": 2, "u": "b", "z": [1, 2]}
        {"id": 3, "x": [1, 1, 1]}
        {"id": 4, "u": "b", "x": [1, 1, 1]}
        {"id": 5, "u": "a", "x": [-1, 1, 1]}
        {"id": 6, "u": "b", "z": [5, 5]}
        """;
    byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
    var chunk = new ChunkPlanner.Chunk(0, 0, bytes.length, 1, 6);
    var arms = new ChunkScorer.Arms("u", unit -> unit.equals("a") ? new ChunkScorer.RowArm("control", 1)
        : new ChunkScorer.RowArm("treatment", 2), v -> v == 1 ? this::sumRows : this::sumTimes100, v -> null);
    java.util.function.Predicate<String> versionOne = unit -> arms.armOf().apply(unit).version() == 1;

    var first = new ChunkScorer(SIGNATURE, 64, this::sumRows).arms(arms).onlyUnits(versionOne, true)
        .score(bytes, chunk, InputFormat.JSONL, null);
    var second = new ChunkScorer(SIGNATURE_V2, 64, this::sumTimes100).arms(arms).onlyUnits(versionOne.negate(), false)
        .score(bytes, chunk, InputFormat.JSONL, null);

    assertThat(text(first.results())).isEqualTo(
        "{\"id\":1,\"model_version\":1,\"experiment_arm\":\"control\",\"sum\":6.0}\n");
    assertThat(text(first.errors())).isEqualTo("{\"id\":3,\"error\":\"missing unit column 'u'\"}\n"
        + "{\"id\":5,\"error\":\"input 'x' must not be negative\"}\n");
    assertThat(text(second.results())).isEqualTo(
        "{\"id\":2,\"model_version\":2,\"experiment_arm\":\"treatment\",\"sum\":300.0}\n"
        + "{\"id\":6,\"model_version\":2,\"experiment_arm\":\"treatment\",\"sum\":1000.0}\n");
    assertThat(text(second.errors())).isEqualTo("{\"id\":4,\"error\":\"missing input 'z'\"}\n");
    assertThat(first.succeeded() + first.failed() + second.succeeded() + second.failed()).isEqualTo(6);
  }
}
