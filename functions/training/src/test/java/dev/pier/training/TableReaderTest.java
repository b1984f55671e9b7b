package dev.pier.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.kernel.PierException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TableReaderTest {
  @TempDir
  Path dir;

  private Path csv(String text) throws IOException {
    Path p = dir.resolve("t.csv");
    Files.writeString(p, text);
    return p;
  }

  @Test
  void readsCsvColumnsByNameWithMissingValuesAsNaN() throws IOException {
    Path p = csv("id,a,b,\"label\"\n1,0.5,,1\n2,\"1e3\",NA,0\n3,-2,7,true\n");
    TrainingTable t = TableReader.read(p, TableFormat.CSV, TableSpec.of("label", List.of("b", "a")));
    assertThat(t.features()).containsExactly("b", "a");
    assertThat(t.rows()).isEqualTo(3);
    assertThat(t.column(0)).containsExactly(Float.NaN, Float.NaN, 7f);
    assertThat(t.column(1)).containsExactly(0.5f, 1000f, -2f);
    assertThat(t.labels()).containsExactly(1f, 0f, 1f);
    assertThat(t.rowMajor(new int[] {2, 0})).containsExactly(7f, -2f, Float.NaN, 0.5f);
  }

  @Test
  void withoutListedFeaturesTakesEveryOtherColumnInFileOrder() throws IOException {
    Path p = csv("x2,y,x1,g\n1,0,2,a\n3,1,4,b\n");
    TrainingTable t = TableReader.read(p, TableFormat.CSV, TableSpec.of("y", List.of()).withGroup("g"));
    assertThat(t.features()).containsExactly("x2", "x1");
    assertThat(t.groups()).containsExactly(0, 1);
  }

  @Test
  void numbersGroupsBySortedValueAndOrdersRowsByTime() throws IOException {
    Path p = csv("t,x,y,g\n2024-03,3,1,10\n2024-01,1,0,9\n2024-02,2,1,100\n");
    TrainingTable t = TableReader.read(p, TableFormat.CSV, TableSpec.of("y", List.of("x")).withGroup("g")
        .withTime("t"));
    assertThat(t.column(0)).containsExactly(1f, 2f, 3f);
    assertThat(t.labels()).containsExactly(0f, 1f, 1f);
    assertThat(t.groups()).containsExactly(0, 2, 1); // 9 < 10 < 100 numerically, not as text
  }

  @Test
  void refusesAMissingLabelColumnNamingIt() throws IOException {
    Path p = csv("a,b\n1,2\n");
    assertThatThrownBy(() -> TableReader.read(p, TableFormat.CSV, TableSpec.of("target", List.of())))
        .isInstanceOf(PierException.class)
        .hasMessage("the training table has no label column 'target' (columns: a, b)");
  }

  @Test
  void refusesANonNumericFeatureNamingTheColumnRowAndValue() throws IOException {
    Path p = csv("city,x,y\n1,1,0\nParis,2,1\n");
    assertThatThrownBy(() -> TableReader.read(p, TableFormat.CSV, TableSpec.of("y", List.of())))
        .hasMessageContaining("feature 'city' is not numeric (row 2: 'Paris')")
        .extracting(e -> ((PierException) e).status()).isEqualTo(400);
  }

  @Test
  void refusesMissingLabelsUnknownFeaturesAndEmptyTables() throws IOException {
    assertThatThrownBy(() -> TableReader.read(csv("x,y\n1,0\n2,\n"), TableFormat.CSV, TableSpec.of("y", List.of())))
        .hasMessage("label 'y' is missing in row 2");
    assertThatThrownBy(() -> TableReader.read(csv("x,y\n1,0\n"), TableFormat.CSV, TableSpec.of("y", List.of("z"))))
        .hasMessage("the training table has no feature column 'z'");
    assertThatThrownBy(() -> TableReader.read(csv("x,y\n"), TableFormat.CSV, TableSpec.of("y", List.of())))
        .hasMessage("the training table has no rows");
    assertThatThrownBy(() -> TableReader.read(csv("x,y\n1,yes\n"), TableFormat.CSV, TableSpec.of("y", List.of())))
        .hasMessageContaining("label 'y' is not numeric (row 1: 'yes')");
    assertThatThrownBy(() -> TableSpec.of("y", List.of("y"))).hasMessageContaining("also listed as a feature");
    assertThatThrownBy(() -> TableFormat.of("xlsx")).hasMessageContaining("unknown dataset format 'xlsx'");
  }

  @Test
  void readsParquetNumbersBooleansNullsAndStringGroups() throws IOException {
    MessageType schema = MessageTypeParser.parseMessageType("""
        message t {
          required int32 a;
          optional double b;
          required boolean flag;
          required binary user (STRING);
          required int64 label;
        }""");
    Path p = dir.resolve("t.parquet");
    try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new LocalOutputFile(p)).withType(schema).build()) {
      SimpleGroupFactory f = new SimpleGroupFactory(schema);
      w.write(f.newGroup().append("a", 4).append("b", 0.25).append("flag", true).append("user", "u2")
          .append("label", 1L));
      w.write(f.newGroup().append("a", 5).append("flag", false).append("user", "u1").append("label", 0L));
    }
    TrainingTable t = TableReader.read(p, TableFormat.PARQUET, TableSpec.of("label", List.of()).withGroup("user"));
    assertThat(t.features()).containsExactly("a", "b", "flag");
    assertThat(t.column(0)).containsExactly(4f, 5f);
    assertThat(t.column(1)).containsExactly(0.25f, Float.NaN);
    assertThat(t.column(2)).containsExactly(1f, 0f);
    assertThat(t.labels()).containsExactly(1f, 0f);
    assertThat(t.groups()).containsExactly(1, 0);
    assertThatThrownBy(() -> TableReader.read(p, TableFormat.PARQUET, TableSpec.of("label", List.of("user"))))
        .hasMessageContaining("feature 'user' is not numeric (row 1: 'u2')");
  }
}
