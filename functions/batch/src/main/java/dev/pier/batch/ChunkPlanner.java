package dev.pier.batch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits an input file into chunks of whole rows by one streaming pass over its bytes: each chunk is a byte range
 * that starts and ends on a row boundary, so a worker can fetch it with a ranged GET and score it alone. A JSONL row
 * is a non-blank line; a CSV row is a record after the header (newlines inside quotes belong to the record).
 */
public final class ChunkPlanner {
  private ChunkPlanner() {}

  /**
   * One chunk.
   *
   * @param end exclusive
   * @param firstLine the 1-based line number of the chunk's first byte (row ids default to line numbers)
   */
  public record Chunk(int index, long start, long end, long firstLine, long rows) {}

  /**
   * Chunks of a Parquet file: whole row groups, consecutive ones joined until a chunk holds at least
   * {@code chunkRows} rows (a row group is never split: it is Parquet's unit of reading). Here a chunk's
   * {@code start}/{@code end} are row-group indexes (end exclusive) and {@code firstLine} the 1-based number of its
   * first row.
   */
  public static Plan planParquet(List<Long> rowGroupRows, int chunkRows) {
    List<Chunk> chunks = new ArrayList<>();
    long rows = 0;
    int first = 0;
    long inChunk = 0;
    for (int g = 0; g < rowGroupRows.size(); g++) {
      inChunk += rowGroupRows.get(g);
      if (inChunk >= chunkRows || g == rowGroupRows.size() - 1) {
        if (inChunk > 0) {
          chunks.add(new Chunk(chunks.size(), first, g + 1, rows + 1, inChunk));
        }
        rows += inChunk;
        first = g + 1;
        inChunk = 0;
      }
    }
    return new Plan(chunks, rows, null);
  }

  /** The chunks and, for CSV, the header line. */
  public record Plan(List<Chunk> chunks, long rows, String header) {}

  public static Plan plan(InputStream in, InputFormat format, int chunkRows) throws IOException {
    List<Chunk> chunks = new ArrayList<>();
    byte[] buf = new byte[1 << 20];
    long pos = 0;
    long line = 1;
    long chunkStart = 0;
    long chunkFirstLine = 1;
    long chunkRowsSoFar = 0;
    long rows = 0;
    boolean rowHasContent = false;
    boolean quoted = false;
    boolean inHeader = format == InputFormat.CSV;
    java.io.ByteArrayOutputStream header = new java.io.ByteArrayOutputStream();
    int n;
    while ((n = in.read(buf)) > 0) {
      for (int i = 0; i < n; i++) {
        byte b = buf[i];
        if (inHeader) {
          if (b == '"') {
            quoted = !quoted;
          }
          if (b == '\n' && !quoted) {
            inHeader = false;
            line++;
            chunkStart = pos + i + 1;
            chunkFirstLine = line;
          } else {
            header.write(b);
          }
          continue;
        }
        if (b == '"' && format == InputFormat.CSV) {
          quoted = !quoted;
        }
        if (b == '\n') {
          line++;
          if (quoted) {
            continue;
          }
          if (rowHasContent) {
            rows++;
            chunkRowsSoFar++;
            rowHasContent = false;
            if (chunkRowsSoFar == chunkRows) {
              chunks.add(new Chunk(chunks.size(), chunkStart, pos + i + 1, chunkFirstLine, chunkRowsSoFar));
              chunkStart = pos + i + 1;
              chunkFirstLine = line;
              chunkRowsSoFar = 0;
            }
          }
        } else if (b != ' ' && b != '\t' && b != '\r') {
          rowHasContent = true;
        }
      }
      pos += n;
    }
    if (rowHasContent) {
      rows++;
      chunkRowsSoFar++;
    }
    if (chunkRowsSoFar > 0) {
      chunks.add(new Chunk(chunks.size(), chunkStart, pos, chunkFirstLine, chunkRowsSoFar));
    }
    String h = header.toString(StandardCharsets.UTF_8);
    return new Plan(chunks, rows, format == InputFormat.CSV ? h.strip() : null);
  }
}
