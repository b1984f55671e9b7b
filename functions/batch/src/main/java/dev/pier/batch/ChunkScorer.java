package dev.pier.batch;

import dev.pier.kernel.PierException;
import dev.pier.kernel.tensor.Signature;
import dev.pier.kernel.tensor.TensorSpec;
import dev.pier.runtime.Tensor;
import dev.pier.runtime.pipeline.FeaturePipeline;
import java.nio.charset.StandardCharsets;
import dev.pier.runtime.TensorRows;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.parquet.hadoop.ParquetFileReader;

/**
 * Scores one chunk: a {@link ChunkReader} for its format parses the rows into one flat column per model input, the
 * {@link Model} runs on large batches of rows (one call per {@code batchRows}), and a {@link ResultWriter} writes one
 * result per scored row; a row that could not be read or scored is an error line with its reason. Row ids are the
 * row's {@code id} or else its line number. The hot path allocates per batch, not per row.
 */
public final class ChunkScorer {
  /**
   * The one call into prediction: the model's outputs for a batch of rows. A {@link PierException} with a 4xx status
   * refuses the batch's rows (the scorer then finds the bad row by scoring them one by one); any other failure fails
   * the chunk, to be retried.
   */
  @FunctionalInterface
  public interface Model {
    List<Tensor> predict(List<Tensor> inputs);
  }

  /**
   * The call into prediction for named-feature rows that the prediction pipeline completes itself (a version with a
   * feature service: its FEATURES stage looks the features up online, then runs the feature pipeline): the outputs for
   * a batch of instances. Failures as for {@link Model}.
   */
  @FunctionalInterface
  public interface InstanceModel {
    List<Tensor> predict(List<Map<String, Object>> instances);
  }

  /**
   * For a job scored under an experiment: the rows' unit field, the version each unit's row is scored by, and the
   * model call for a version (tensor rows) or for instances (named-feature rows; unused otherwise). Rows of a batch
   * are grouped by version, one call per version, and their outputs put back in the rows' order.
   */
  public record Arms(String unitColumn, Function<String, RowArm> armOf, IntFunction<Model> models,
      IntFunction<InstanceModel> instanceModels, Map<String, String> attributeColumns,
      Map<String, Map<String, Object>> unitAttributes) {

    /** Without targeting attributes. */
    public Arms(String unitColumn, Function<String, RowArm> armOf, IntFunction<Model> models,
        IntFunction<InstanceModel> instanceModels) {
      this(unitColumn, armOf, models, instanceModels, null, null);
    }
  }

  /**
   * A row's arm: its name ({@code holdout} for a held-out unit; null when no experiment assigned the unit, e.g. one
   * stopped meanwhile) and the version that scores the row. Results carry both ({@code experiment_arm},
   * {@code model_version}).
   */
  public record RowArm(String name, int version) {}

  private final InputColumns layout;
  private final FeaturePipeline pipeline;
  private final int batchRows;
  private final Model model;
  private final InstanceModel instanceModel;
  private Arms arms;
  private Predicate<String> owns;
  private boolean ownsUnitless;

  public ChunkScorer(Signature signature, int batchRows, Model model) {
    this(signature, null, batchRows, model);
  }

  /**
   * @param pipeline the version's feature pipeline, or null: with one, rows are named raw features (as instances of
   *     {@code POST /api/v1/models/{m}/predict}) that the pipeline turns into the model's input, row by row, with the
   *     very code the predict API runs; a row the pipeline refuses is an error row with its reason
   */
  public ChunkScorer(Signature signature, FeaturePipeline pipeline, int batchRows, Model model) {
    this(signature, pipeline, batchRows, model, null);
  }

  /**
   * Rows of named raw features (JSONL objects, CSV columns, Parquet fields) handed to {@code model} as instances, a
   * batch at a time, for the prediction pipeline to complete: its online feature lookup and the version's
   * {@code pipeline}. A row the pipeline refuses is an error row with its reason.
   */
  public static ChunkScorer ofInstances(Signature signature, FeaturePipeline pipeline, int batchRows,
      InstanceModel model) {
    return new ChunkScorer(signature, pipeline, batchRows, null, model);
  }

  private ChunkScorer(Signature signature, FeaturePipeline pipeline, int batchRows, Model model,
      InstanceModel instanceModel) {
    this.layout = InputColumns.of(signature, pipeline);
    this.pipeline = pipeline;
    this.batchRows = batchRows;
    this.model = model;
    this.instanceModel = instanceModel;
  }

  /** Scores each row by its unit's arm ({@link Arms}) instead of by this scorer's model; call before scoring. */
  public ChunkScorer arms(Arms arms) {
    this.arms = arms;
    return this;
  }

  /**
   * Under an experiment whose arms' versions take different inputs, a chunk is read once per input layout: this
   * scorer keeps only the rows of units {@code owns} accepts, and reports the rows without a readable unit (as errors)
   * when {@code ownsUnitless}; every other row is another layout's and is neither scored nor an error here.
   */
  public ChunkScorer onlyUnits(Predicate<String> owns, boolean ownsUnitless) {
    this.owns = owns;
    this.ownsUnitless = ownsUnitless;
    return this;
  }

  /** The values one row holds for a tensor ({@code [-1, 4]} → 4); refuses what batch scoring cannot feed. */
  public static int rowWidth(TensorSpec spec) {
    return InputColumns.rowWidth(spec);
  }

  /** A scored chunk: result and error files' bytes and their row counts. */
  public record Scored(byte[] results, byte[] errors, long succeeded, long failed) {}

  /** Scores a chunk of a JSONL or CSV file ({@code csvHeader}: the file's header line, for CSV). */
  public Scored score(byte[] data, ChunkPlanner.Chunk chunk, InputFormat format, String csvHeader) {
    ChunkReader reader = switch (format) {
      case JSONL -> new JsonlChunkReader(data, chunk.firstLine(), pipeline);
      case CSV -> new CsvChunkReader(data, chunk.firstLine(), csvHeader, pipeline);
      case PARQUET -> throw new IllegalArgumentException("a Parquet chunk is scored from its file: scoreParquet");
    };
    return score(reader, chunk, ResultWriter.of(format, false));
  }

  /**
   * Scores the row groups {@code [chunk.start(), chunk.end())} of a Parquet file; results are Parquet too.
   *
   * @param file open on the file; its row groups are read one at a time
   */
  public Scored scoreParquet(ParquetFileReader file, ChunkPlanner.Chunk chunk) {
    ParquetChunkReader reader = new ParquetChunkReader(file, chunk, layout, pipeline,
        arms == null ? null : arms.unitColumn(),
        arms == null || arms.attributeColumns() == null ? List.of() : arms.attributeColumns().values());
    return score(reader, chunk, ResultWriter.of(InputFormat.PARQUET, reader.stringIds()));
  }

  /**
   * Rows held in memory, scored the way a chunk is: for each row its outputs or the reason it could not be scored.
   * A batch the model refuses (4xx) is scored row by row to find the bad ones; any other failure is thrown.
   */
  public ScoredRows scoreRows(RowSource source) {
    ChunkRows rows = new ChunkRows(layout, source.size(), instanceModel != null);
    rows.keepReasons();
    RowsResultWriter writer = new RowsResultWriter(source.size());
    score(new ValueChunkReader(source, pipeline), rows, writer);
    String[] errors = new String[source.size()];
    rows.reasons.forEach((id, reason) -> errors[Integer.parseInt(id)] = reason);
    return new ScoredRows(writer.batches, writer.batch, writer.offset, errors);
  }

  /**
   * What {@link #scoreRows} gives: the model's outputs batch by batch, and per row its batch and place in it, or
   * its error.
   *
   * @param batch each row's index in {@code batches}, -1 for an error row
   * @param errors each row's reason it was not scored, null for a scored row
   */
  public record ScoredRows(List<List<Tensor>> batches, int[] batch, int[] offset, String[] errors) {
    /** Row {@code row}'s outputs are row {@code offset(row)} of these tensors; null for an error row. */
    public List<Tensor> outputs(int row) {
      return batch[row] < 0 ? null : batches.get(batch[row]);
    }

    public int offset(int row) {
      return offset[row];
    }

    public String error(int row) {
      return errors[row];
    }
  }

  private Scored score(ChunkReader reader, ChunkPlanner.Chunk chunk, ResultWriter writer) {
    int capacity = (int) chunk.rows();
    ChunkRows rows = new ChunkRows(layout, capacity, instanceModel != null,
        arms == null ? null : arms.unitColumn());
    if (arms != null) {
      if (arms.attributeColumns() != null) {
        rows.readAttributes(arms.attributeColumns(), arms.unitAttributes());
      }
      rows.arms = new String[capacity];
      rows.versions = new int[capacity];
      writer.armColumns(rows.arms, rows.versions);
      if (owns != null) {
        rows.onlyUnits(owns, ownsUnitless);
      }
    }
    return score(reader, rows, writer);
  }

  private Scored score(ChunkReader reader, ChunkRows rows, ResultWriter writer) {
    reader.read(rows);
    long succeeded = 0;
    for (int from = 0; from < rows.count; from += batchRows) {
      succeeded += scoreBatch(rows, from, Math.min(rows.count, from + batchRows), writer);
    }
    return new Scored(writer.finish(), rows.errors.toString().getBytes(StandardCharsets.UTF_8), succeeded,
        rows.failed);
  }

  /** Scores rows {@code [from, to)}; returns how many were scored (the others are error rows now). */
  private long scoreBatch(ChunkRows rows, int from, int to, ResultWriter writer) {
    List<Tensor> outputs;
    try {
      outputs = arms != null && rows.units != null ? predictByArm(rows, from, to)
          : instanceModel != null ? instanceModel.predict(Arrays.asList(rows.instances).subList(from, to))
          : model.predict(layout.tensors(rows.columns, from, to));
    } catch (PierException e) {
      if (e.status() >= 500) {
        throw e; // the model or the platform failed, not the rows: let the task retry
      }
      if (to - from == 1) {
        String message = e.getMessage();
        rows.refuse(rows.ids[from], message.startsWith("instances[0]: ")
            ? message.substring("instances[0]: ".length()) : message);
        return 0;
      }
      long scored = 0;
      for (int r = from; r < to; r++) { // one bad row fails its batch: find it, score the rest
        scored += scoreBatch(rows, r, r + 1, writer);
      }
      return scored;
    }
    writer.write(rows.ids, from, outputs, to - from);
    return to - from;
  }

  /** Rows {@code [from, to)} scored by their units' versions: one call per version, outputs in the rows' order. */
  private List<Tensor> predictByArm(ChunkRows rows, int from, int to) {
    int n = to - from;
    int[] version = new int[n];
    Map<Integer, List<Integer>> groups = new LinkedHashMap<>();
    for (int r = 0; r < n; r++) {
      RowArm arm = arms.armOf().apply(rows.units[from + r]);
      version[r] = arm.version();
      rows.arms[from + r] = arm.name();
      rows.versions[from + r] = arm.version();
      groups.computeIfAbsent(version[r], v -> new ArrayList<>()).add(from + r);
    }
    if (groups.size() == 1) {
      return instanceModel != null
          ? arms.instanceModels().apply(version[0]).predict(Arrays.asList(rows.instances).subList(from, to))
          : arms.models().apply(version[0]).predict(layout.tensors(rows.columns, from, to));
    }
    Map<Integer, List<Tensor>> outputs = new HashMap<>();
    int[] place = new int[n]; // each row's place among its version's rows
    for (var group : groups.entrySet()) {
      List<Integer> members = group.getValue();
      for (int k = 0; k < members.size(); k++) {
        place[members.get(k) - from] = k;
      }
      List<Tensor> out;
      if (instanceModel != null) {
        out = arms.instanceModels().apply(group.getKey()).predict(members.stream().map(i -> rows.instances[i]).toList());
      } else {
        List<List<Tensor>> each = new ArrayList<>(members.size());
        for (int i : members) {
          each.add(layout.tensors(rows.columns, i, i + 1));
        }
        out = arms.models().apply(group.getKey()).predict(TensorRows.concat(each, members.size()));
      }
      outputs.put(group.getKey(), out);
    }
    List<List<Tensor>> perRow = new ArrayList<>(n);
    for (int r = 0; r < n; r++) {
      int size = groups.get(version[r]).size();
      int at = place[r];
      perRow.add(outputs.get(version[r]).stream().map(t -> TensorRows.slice(t, at, 1, size)).toList());
    }
    return TensorRows.concat(perRow, n);
  }
}
