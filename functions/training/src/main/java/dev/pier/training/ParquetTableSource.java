package dev.pier.training;

import dev.pier.kernel.PierException;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * A Parquet file's wanted columns, read row group by row group with parquet-java (the reader pier-batch uses, which
 * fits the Lambda zip; DuckDB does not). Each wanted column must be a top-level, non-repeated primitive: integers,
 * floats, doubles, booleans, decimals, dates and timestamps are numbers; strings are text (usable as a group or time
 * column, refused as a feature).
 */
final class ParquetTableSource {
  private ParquetTableSource() {}

  static Map<String, RawColumn> read(Path file, TableSpec spec) throws IOException {
    try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file))) {
      MessageType schema = reader.getFooter().getFileMetaData().getSchema();
      List<String> header = schema.getFields().stream().map(Type::getName).toList();
      Map<String, RawColumn> wanted = wanted(header, spec);
      List<RawColumn> sinks = new ArrayList<>(wanted.values());
      int[] fields = new int[sinks.size()];
      PrimitiveType[] types = new PrimitiveType[sinks.size()];
      for (int i = 0; i < fields.length; i++) {
        Type t = schema.getType(sinks.get(i).name);
        if (!t.isPrimitive() || t.isRepetition(Type.Repetition.REPEATED)) {
          throw PierException.badRequest("the Parquet column '" + t.getName()
              + "' is a list or a group; training takes one value per column and row");
        }
        fields[i] = schema.getFieldIndex(t.getName());
        types[i] = t.asPrimitiveType();
      }
      PageReadStore pages;
      while ((pages = reader.readNextRowGroup()) != null) {
        RecordReader<Group> records = new ColumnIOFactory().getColumnIO(schema)
            .getRecordReader(pages, new GroupRecordConverter(schema));
        for (long r = 0; r < pages.getRowCount(); r++) {
          Group g = records.read();
          for (int i = 0; i < fields.length; i++) {
            add(sinks.get(i), g, fields[i], types[i]);
          }
        }
      }
      return wanted;
    }
  }

  private static Map<String, RawColumn> wanted(List<String> header, TableSpec spec) {
    return TableReader.wanted(header, spec);
  }

  private static void add(RawColumn sink, Group g, int field, PrimitiveType type) {
    if (g.getFieldRepetitionCount(field) == 0) {
      sink.addMissing();
      return;
    }
    LogicalTypeAnnotation logical = type.getLogicalTypeAnnotation();
    int scale = logical instanceof LogicalTypeAnnotation.DecimalLogicalTypeAnnotation d ? d.getScale() : -1;
    switch (type.getPrimitiveTypeName()) {
      case INT32 -> sink.addNumber(scale < 0 ? g.getInteger(field, 0)
          : BigDecimal.valueOf(g.getInteger(field, 0), scale).doubleValue());
      case INT64 -> sink.addNumber(scale < 0 ? g.getLong(field, 0)
          : BigDecimal.valueOf(g.getLong(field, 0), scale).doubleValue());
      case FLOAT -> sink.addNumber(g.getFloat(field, 0));
      case DOUBLE -> sink.addNumber(g.getDouble(field, 0));
      case BOOLEAN -> sink.addNumber(g.getBoolean(field, 0) ? 1 : 0);
      case BINARY, FIXED_LEN_BYTE_ARRAY -> {
        if (scale >= 0) {
          sink.addNumber(new BigDecimal(new BigInteger(g.getBinary(field, 0).getBytes()), scale).doubleValue());
        } else {
          sink.addText(g.getString(field, 0));
        }
      }
      case INT96 -> throw PierException.badRequest("the Parquet column '" + sink.name
          + "' is an INT96 timestamp; write timestamps as INT64");
    }
  }
}
