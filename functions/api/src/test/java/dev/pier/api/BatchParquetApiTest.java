package dev.pier.api;

import dev.pier.kernel.aws.AwsClients;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Parquet batch jobs through the API with the demo model: inputs written here with parquet-hadoop itself (several row
 * groups), results read back as Parquet; every input row is a result row or an error row.
 */
@QuarkusTest
class BatchParquetApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @Inject AwsClients aws;

  private S3Client s3() {
    return aws.s3();
  }

  /** Writes {@code rows} rows of {@code schema} in row groups of 100 rows and uploads them to the batch bucket. */
  private void putParquet(String key, String schema, int rows, BiConsumer<Integer, Group> row) throws IOException {
    MessageType type = MessageTypeParser.parseMessageType(schema);
    Path file = Files.createTempFile("pier-batch", ".parquet");
    Files.delete(file);
    try (var writer = ExampleParquetWriter.builder(new LocalOutputFile(file)).withConf(new PlainParquetConfiguration())
        .withType(type).withRowGroupRowCountLimit(100).build()) {
      SimpleGroupFactory groups = new SimpleGroupFactory(type);
      for (int i = 1; i <= rows; i++) {
        Group g = groups.newGroup();
        row.accept(i, g);
        writer.write(g);
      }
    }
    s3().putObject(b -> b.bucket("pier-batch").key(key), RequestBody.fromFile(file));
    Files.delete(file);
  }

  private List<Group> readParquet(String uri) throws IOException {
    String rest = uri.substring("s3://".length());
    int slash = rest.indexOf('/');
    Path file = Files.createTempFile("pier-results", ".parquet");
    Files.write(file, s3().getObjectAsBytes(b -> b.bucket(rest.substring(0, slash)).key(rest.substring(slash + 1)))
        .asByteArray());
    List<Group> out = new ArrayList<>();
    try (var reader = ParquetFileReader.open(new LocalInputFile(file),
        ParquetReadOptions.builder(new PlainParquetConfiguration()).build())) {
      MessageType schema = reader.getFooter().getFileMetaData().getSchema();
      PageReadStore pages;
      while ((pages = reader.readNextRowGroup()) != null) {
        var records = new ColumnIOFactory().getColumnIO(schema).getRecordReader(pages, new GroupRecordConverter(schema));
        for (long i = 0; i < pages.getRowCount(); i++) {
          out.add(records.read());
        }
      }
    } finally {
      Files.delete(file);
    }
    return out;
  }

  private static String submit(String input) {
    return BatchTestClient.submit("{\"model\": \"demo\", \"input\": \"" + input + "\"}");
  }

  private String read(String uri) {
    return BatchTestClient.read(s3(), uri);
  }

  private List<Group> results(JsonPath job) throws IOException {
    List<Group> rows = new ArrayList<>();
    for (JsonNode file : JSON.readTree(read(job.getString("manifest"))).get("results")) {
      assertThat(file.asText()).endsWith(".parquet");
      rows.addAll(readParquet(file.asText()));
    }
    return rows;
  }

  @Test
  void aParquetJobWithAListColumnScoresEveryRowGroupAndPutsNullsAndShortListsInTheErrorsFile() throws Exception {
    putParquet("in/rows.parquet", """
        message rows {
          required int64 id;
          optional group input (LIST) { repeated group list { optional double element; } }
          optional binary note (STRING);
        }""", 250, (i, g) -> {
          g.append("id", (long) i);
          if (i != 11) { // row 11: the whole input is null
            Group list = g.addGroup("input");
            double[] values = i == 9 ? new double[] {1, 2} : i % 2 == 0 ? new double[] {5.1, 3.5, 1.4, 0.2}
                : new double[] {6.3, 2.9, 5.6, 1.8};
            for (int k = 0; k < values.length; k++) {
              Group element = list.addGroup("list");
              if (!(i == 7 && k == 2)) { // row 7: one null element
                element.append("element", values[k]);
              }
            }
          }
          g.append("note", "kept out");
        });

    JsonPath job = BatchTestClient.awaitFinished(submit("s3://pier-batch/in/rows.parquet"));

    assertThat(job.getString("state")).isEqualTo("SUCCEEDED");
    assertThat(job.getString("format")).isEqualTo("parquet");
    assertThat(job.getLong("records.total")).isEqualTo(250);
    assertThat(job.getLong("records.failed")).isEqualTo(3);
    List<Group> rows = results(job);
    assertThat(rows).hasSize(247);
    Set<Long> ids = new HashSet<>();
    for (Group row : rows) {
      long id = row.getLong("id", 0);
      assertThat(ids.add(id)).isTrue();
      assertThat(row.getLong("label", 0)).isEqualTo(id % 2 == 0 ? 0 : 2);
      assertThat(row.getFloat("probabilities_0", 0) + row.getFloat("probabilities_1", 0)
          + row.getFloat("probabilities_2", 0)).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-4f));
    }
    String errors = read(job.getString("errors"));
    assertThat(errors.lines()).containsExactly(
        "{\"id\":7,\"error\":\"input 'input' has a null at position 2\"}",
        "{\"id\":9,\"error\":\"input 'input' needs 4 values per row, got 2\"}",
        "{\"id\":11,\"error\":\"column 'input' is null\"}");
    assertThat(ids).hasSize(250 - 3).doesNotContain(7L, 9L, 11L);
  }

  @Test
  void aParquetFileWithOneColumnPerFeatureKeepsStringIdsAndReportsValuesOfTheWrongKindPerRow() throws Exception {
    putParquet("in/features.parquet", """
        message rows {
          optional binary id (STRING);
          optional double sepal_length;
          optional float sepal_width;
          optional binary petal_length (STRING);
          optional int32 petal_width;
        }""", 120, (i, g) -> {
          g.append("id", "row-" + i);
          if (i != 5) {
            g.append("sepal_length", 6.3);
          }
          g.append("sepal_width", 2.9f);
          g.append("petal_length", i == 6 ? "x" : "5.6");
          g.append("petal_width", 2);
        });

    JsonPath job = BatchTestClient.awaitFinished(submit("s3://pier-batch/in/features.parquet"));

    assertThat(job.getString("state")).isEqualTo("SUCCEEDED");
    List<Group> rows = results(job);
    assertThat(rows).hasSize(118);
    assertThat(rows.getFirst().getString("id", 0)).isEqualTo("row-1");
    assertThat(rows).allSatisfy(r -> assertThat(r.getLong("label", 0)).isEqualTo(2));
    assertThat(read(job.getString("errors")).lines()).containsExactly(
        "{\"id\":\"row-5\",\"error\":\"column 'sepal_length' is null\"}",
        "{\"id\":\"row-6\",\"error\":\"column 'petal_length' takes numbers, got 'x'\"}");
    assertThat(job.getLong("records.total")).isEqualTo(rows.size() + job.getLong("records.failed"));
  }

  @Test
  void aParquetFileWhoseColumnsCannotFeedTheModelFailsTheJobNamingTheColumns() throws Exception {
    putParquet("in/narrow.parquet", "message rows { required double a; required double b; }", 3,
        (i, g) -> g.append("a", 1.0).append("b", 2.0));
    JsonPath job = BatchTestClient.awaitFinished(submit("s3://pier-batch/in/narrow.parquet"));
    assertThat(job.getString("state")).isEqualTo("FAILED");
    assertThat(job.getString("error")).contains("input 'input' takes 4 values per row, the Parquet file has 2");

    s3().putObject(b -> b.bucket("pier-batch").key("in/not.parquet"), RequestBody.fromString("id,x\n1,2\n"));
    JsonPath notParquet = BatchTestClient.awaitFinished(submit("s3://pier-batch/in/not.parquet"));
    assertThat(notParquet.getString("state")).isEqualTo("FAILED");
    assertThat(notParquet.getString("error")).contains("is not a readable Parquet file");
  }
}
