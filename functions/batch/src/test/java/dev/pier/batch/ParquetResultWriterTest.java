package dev.pier.batch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pier.kernel.tensor.Datatype;
import dev.pier.runtime.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parquet results of rows scored under an experiment, read back with parquet-java's own reader. */
class ParquetResultWriterTest {

  @Test
  void underAnExperimentEachRowCarriesItsVersionAndArmAfterTheIdAndARowInNoArmHasNoArm(@TempDir Path dir)
      throws Exception {
    var writer = new ParquetResultWriter(false);
    writer.armColumns(new String[] {"treatment", null}, new int[] {2, 1});
    writer.write(new String[] {"7", "8"}, 0,
        List.of(new Tensor("sum", Datatype.FP32, new long[] {2}, new float[] {1.5f, 2.5f})), 2);
    Path file = dir.resolve("results.parquet");
    Files.write(file, writer.finish());

    try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file),
        ParquetReadOptions.builder(new PlainParquetConfiguration()).build())) {
      MessageType schema = reader.getFooter().getFileMetaData().getSchema();
      assertThat(schema.getFields()).extracting(Type::getName)
          .containsExactly("id", "model_version", "experiment_arm", "sum");
      PageReadStore pages = reader.readNextRowGroup();
      var records = new ColumnIOFactory().getColumnIO(schema).getRecordReader(pages,
          new GroupRecordConverter(schema));
      Group first = records.read();
      Group second = records.read();
      assertThat(first.getLong("id", 0)).isEqualTo(7);
      assertThat(first.getInteger("model_version", 0)).isEqualTo(2);
      assertThat(first.getString("experiment_arm", 0)).isEqualTo("treatment");
      assertThat(first.getFloat("sum", 0)).isEqualTo(1.5f);
      assertThat(second.getLong("id", 0)).isEqualTo(8);
      assertThat(second.getInteger("model_version", 0)).isEqualTo(1);
      assertThat(second.getFieldRepetitionCount("experiment_arm")).isZero(); // no experiment assigned the unit
    }
  }

  @Test
  void withoutAnExperimentResultsHaveNoArmColumns(@TempDir Path dir) throws Exception {
    var writer = new ParquetResultWriter(false);
    writer.write(new String[] {"1"}, 0, List.of(new Tensor("sum", Datatype.FP32, new long[] {1}, new float[] {3f})), 1);
    Path file = dir.resolve("plain.parquet");
    Files.write(file, writer.finish());
    try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file),
        ParquetReadOptions.builder(new PlainParquetConfiguration()).build())) {
      assertThat(reader.getFooter().getFileMetaData().getSchema().getFields()).extracting(Type::getName)
          .containsExactly("id", "sum");
    }
  }
}
