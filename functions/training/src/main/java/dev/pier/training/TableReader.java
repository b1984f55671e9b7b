package dev.pier.training;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import dev.pier.kernel.PierException;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * Reads a training table from a local Parquet or CSV file, only the columns the {@link TableSpec} names. Every problem
 * that makes the table unusable for training is a 400 naming the column (and, for a bad value, the row): a missing
 * label, feature, group or time column, a feature or label that is no number, a missing label or group value, an empty
 * table.
 *
 * <p>Feature cells that are empty, {@code NA}, {@code NaN} or {@code null} (CSV) or null (Parquet) are missing values,
 * which XGBoost handles natively; {@code true}/{@code false} read as 1/0.
 */
public final class TableReader {
  private TableReader() {}

  public static TrainingTable read(Path file, TableFormat format, TableSpec spec) {
    try {
      Map<String, RawColumn> columns = switch (format) {
        case CSV -> csv(file, spec);
        case PARQUET -> ParquetTableSource.read(file, spec);
      };
      return build(columns, spec);
    } catch (IOException e) {
      throw new UncheckedIOException("could not read the training table " + file.getFileName(), e);
    }
  }

  /**
   * The spec's columns among {@code header}, in feature order, then label, group and time; a column the spec names that
   * the file lacks is a 400.
   */
  static Map<String, RawColumn> wanted(List<String> header, TableSpec spec) {
    Map<String, RawColumn> out = new LinkedHashMap<>();
    List<String> features = spec.features();
    if (!header.contains(spec.label())) {
      throw PierException.badRequest("the training table has no label column '" + spec.label() + "' (columns: "
          + String.join(", ", header) + ")");
    }
    if (spec.group() != null && !header.contains(spec.group())) {
      throw PierException.badRequest("the training table has no group column '" + spec.group() + "'");
    }
    if (spec.time() != null && !header.contains(spec.time())) {
      throw PierException.badRequest("the training table has no time column '" + spec.time() + "'");
    }
    if (features.isEmpty()) {
      features = header.stream().filter(c -> !c.equals(spec.label()) && !c.equals(spec.group())
          && !c.equals(spec.time())).toList();
    }
    for (String f : features) {
      if (!header.contains(f)) {
        throw PierException.badRequest("the training table has no feature column '" + f + "'");
      }
      out.put(f, new RawColumn(f, false));
    }
    out.putIfAbsent(spec.label(), new RawColumn(spec.label(), false));
    if (spec.group() != null) {
      out.put(spec.group(), new RawColumn(spec.group(), true));
    }
    if (spec.time() != null) {
      out.put(spec.time(), new RawColumn(spec.time(), true));
    }
    return out;
  }

  private static Map<String, RawColumn> csv(Path file, TableSpec spec) throws IOException {
    CsvMapper mapper = new CsvMapper();
    mapper.enable(CsvParser.Feature.WRAP_AS_ARRAY);
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        MappingIterator<String[]> rows = mapper.readerFor(String[].class).readValues(in)) {
      if (!rows.hasNext()) {
        throw PierException.badRequest("the CSV training table is empty (no header row)");
      }
      List<String> header = Arrays.stream(rows.next()).map(String::strip).toList();
      Map<String, RawColumn> wanted = wanted(header, spec);
      int[] at = new int[wanted.size()];
      RawColumn[] sinks = wanted.values().toArray(RawColumn[]::new);
      for (int i = 0; i < sinks.length; i++) {
        at[i] = header.indexOf(sinks[i].name);
      }
      long line = 1;
      while (rows.hasNext()) {
        String[] row = rows.next();
        line++;
        if (row.length == 1 && row[0].isBlank() && header.size() > 1) {
          continue; // a blank line
        }
        if (row.length != header.size()) {
          throw PierException.badRequest("CSV line " + line + " has " + row.length + " fields, the header "
              + header.size());
        }
        for (int i = 0; i < sinks.length; i++) {
          sinks[i].addText(row[at[i]]);
        }
      }
      return wanted;
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw PierException.badRequest("the CSV training table could not be parsed: " + e.getOriginalMessage());
    }
  }

  static TrainingTable build(Map<String, RawColumn> raw, TableSpec spec) {
    RawColumn label = raw.get(spec.label());
    int rows = label.size();
    if (rows == 0) {
      throw PierException.badRequest("the training table has no rows");
    }
    int[] order = spec.time() == null ? null : timeOrder(raw.get(spec.time()));
    List<String> names = new ArrayList<>();
    List<float[]> columns = new ArrayList<>();
    for (RawColumn c : raw.values()) {
      if (c.name.equals(spec.label()) || c.name.equals(spec.group()) && !spec.features().contains(c.name)
          || c.name.equals(spec.time()) && !spec.features().contains(c.name)) {
        continue;
      }
      if (!c.numeric()) {
        throw PierException.badRequest("feature '" + c.name + "' is not numeric (" + c.firstNonNumeric()
            + "); XGBoost takes numbers: encode it or leave it out of the features");
      }
      names.add(c.name);
      columns.add(floats(c, order));
    }
    if (!label.numeric()) {
      throw PierException.badRequest("label '" + spec.label() + "' is not numeric (" + label.firstNonNumeric() + ")");
    }
    float[] labels = floats(label, order);
    int[] groups = spec.group() == null ? null : groups(raw.get(spec.group()), order);
    return new TrainingTable(spec.label(), names, columns.toArray(float[][]::new), labels, groups);
  }

  private static float[] floats(RawColumn c, int[] order) {
    float[] out = new float[c.size()];
    for (int r = 0; r < out.length; r++) {
      out[r] = (float) c.number(order == null ? r : order[r]);
    }
    return out;
  }

  /**
   * Each row's group as its index among the sorted distinct values (numeric order when every value is a number, else
   * text order) — what scikit-learn's {@code np.unique} gives, so group k-fold assigns groups as it does.
   */
  private static int[] groups(RawColumn c, int[] order) {
    int rows = c.size();
    for (int r = 0; r < rows; r++) {
      if (c.text(r) == null) {
        throw PierException.badRequest("group '" + c.name + "' is missing in row " + (r + 1));
      }
    }
    Map<Object, Integer> codes = c.numeric() ? new TreeMap<>() : new TreeMap<>();
    for (int r = 0; r < rows; r++) {
      codes.put(c.numeric() ? (Object) c.number(r) : c.text(r), 0);
    }
    int next = 0;
    for (Map.Entry<Object, Integer> e : codes.entrySet()) {
      e.setValue(next++);
    }
    int[] out = new int[rows];
    for (int r = 0; r < rows; r++) {
      int src = order == null ? r : order[r];
      out[r] = codes.get(c.numeric() ? (Object) c.number(src) : c.text(src));
    }
    return out;
  }

  /** The row order sorted by the time column, stable (ties keep the file's order); a missing time is a 400. */
  private static int[] timeOrder(RawColumn c) {
    int rows = c.size();
    for (int r = 0; r < rows; r++) {
      if (c.text(r) == null) {
        throw PierException.badRequest("time '" + c.name + "' is missing in row " + (r + 1));
      }
    }
    Comparator<Integer> by = c.numeric() ? Comparator.comparingDouble(c::number) : Comparator.comparing(c::text);
    return IntStream.range(0, rows).boxed().sorted(by).mapToInt(Integer::intValue).toArray();
  }
}
