package dev.pier.batch;

import dev.pier.runtime.Tensor;
import java.util.List;

/**
 * Writes a chunk's scored rows in the job's format (the input's): JSONL lines, CSV under a header the first batch's
 * outputs fix, or one Parquet file. Error rows are not its concern ({@link ChunkRows} keeps them as JSONL).
 */
sealed interface ResultWriter permits TextResultWriter, ParquetResultWriter, RowsResultWriter {
  /** Appends rows {@code 0 … n-1} of a batch's outputs with their ids {@code ids[from …]} (JSON text). */
  void write(String[] ids, int from, List<Tensor> outputs, int n);

  /**
   * Rows scored under an experiment: each row's arm and version, indexed like the ids given to {@link #write} and
   * filled before a row is written, become the columns {@code model_version} and {@code experiment_arm} (after
   * {@code id}). Without this call results have no such columns.
   */
  default void armColumns(String[] arms, int[] versions) {}

  /** The result file's bytes. */
  byte[] finish();

  /** A writer for a chunk of a {@code format} file whose ids are strings when {@code stringIds} (Parquet only). */
  static ResultWriter of(InputFormat format, boolean stringIds) {
    return switch (format) {
      case JSONL -> new TextResultWriter.Jsonl();
      case CSV -> new TextResultWriter.Csv();
      case PARQUET -> new ParquetResultWriter(stringIds);
    };
  }
}
