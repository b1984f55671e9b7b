package dev.pier.batch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.kernel.PierException;
import dev.pier.kernel.json.RequestJson;
import dev.pier.statemachines.CsvRows;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileReader;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * At submission, that a job's {@code unit_column} is in its input: the CSV header, the first JSONL row, the Parquet
 * schema. A 400 naming the column otherwise, so a job that could assign no row is never accepted. Rows further down
 * that lack it are error rows of the job.
 */
final class UnitColumnCheck {
  /** The bytes read for a CSV header or the first JSONL row. */
  private static final int HEAD = 1 << 16;

  private UnitColumnCheck() {}

  static void require(S3Client s3, S3Uri input, InputFormat format, String column) {
    require(s3, input, format, column, "unit_column");
  }

  /** As {@link #require(S3Client, S3Uri, InputFormat, String)}, the 400 naming the field as {@code what}. */
  static void require(S3Client s3, S3Uri input, InputFormat format, String column, String what) {
    List<String> fields = switch (format) {
      case CSV -> CsvRows.parse(firstLine(s3, input, format, column)).stream().findFirst().orElse(List.of());
      case JSONL -> jsonFields(firstLine(s3, input, format, column), input, column);
      case PARQUET -> parquetFields(s3, input);
    };
    if (!fields.contains(column)) {
      throw PierException.badRequest(what + " '" + column + "' is not in the input " + input + " (its "
          + (format == InputFormat.CSV ? "header" : format == InputFormat.JSONL ? "first row" : "schema")
          + " has " + fields + ")");
    }
  }

  private static String firstLine(S3Client s3, S3Uri input, InputFormat format, String column) {
    byte[] head = s3.getObjectAsBytes(b -> b.bucket(input.bucket()).key(input.key()).range("bytes=0-" + (HEAD - 1)))
        .asByteArray();
    String text = new String(head, StandardCharsets.UTF_8);
    for (String line : text.split("\n", -1)) {
      if (!line.isBlank()) {
        return line;
      }
    }
    throw PierException.badRequest("unit_column '" + column + "': the input " + input + " has no "
        + (format == InputFormat.CSV ? "header" : "row") + " in its first " + HEAD + " bytes");
  }

  private static List<String> jsonFields(String line, S3Uri input, String column) {
    try {
      JsonNode row = RequestJson.mapper().readTree(line);
      if (row == null || !row.isObject()) {
        throw PierException.badRequest("unit_column '" + column + "': the first row of " + input
            + " is not a JSON object");
      }
      List<String> names = new java.util.ArrayList<>();
      row.fieldNames().forEachRemaining(names::add);
      return names;
    } catch (IOException e) {
      throw PierException.badRequest("unit_column '" + column + "': the first row of " + input + " is not JSON");
    }
  }

  private static List<String> parquetFields(S3Client s3, S3Uri input) {
    try (ParquetFileReader reader = ParquetFileReader.open(S3InputFile.open(s3, input),
        ParquetReadOptions.builder(new PlainParquetConfiguration()).build())) {
      return reader.getFooter().getFileMetaData().getSchema().getFields().stream().map(f -> f.getName()).toList();
    } catch (IOException | RuntimeException e) {
      if (e instanceof PierException p) {
        throw p;
      }
      throw PierException.badRequest("the input " + input + " is not a readable Parquet file: " + e.getMessage());
    }
  }
}
