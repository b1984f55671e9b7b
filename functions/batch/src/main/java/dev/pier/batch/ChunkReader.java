package dev.pier.batch;

/**
 * Reads one chunk of an input file into {@link ChunkRows}: one implementation per {@link InputFormat}. Each reads
 * rows either as model inputs (by the signature's input names) or, for a version with a feature pipeline, as named
 * raw features that the pipeline turns into the model's input. A row that cannot be read is an error row; a file that
 * cannot feed the model at all is a {@link BatchError}.
 */
sealed interface ChunkReader permits JsonlChunkReader, CsvChunkReader, ParquetChunkReader, ValueChunkReader {
  void read(ChunkRows rows);

  static boolean blank(byte[] d, int from, int to) {
    for (int i = from; i < to; i++) {
      if (d[i] != ' ' && d[i] != '\t' && d[i] != '\r') {
        return false;
      }
    }
    return true;
  }

  static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
