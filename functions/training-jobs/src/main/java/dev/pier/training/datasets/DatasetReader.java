package dev.pier.training.datasets;

import dev.pier.features.DuckDb;
import dev.pier.kernel.PierException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Reads local copies of a dataset's files with DuckDB: their schema and row count when a version is recorded, the
 * label and feature columns as numbers when a job trains. One in-memory DuckDB per call. DuckDB is optional, as in
 * the feature store: the plain server carries it; where it is missing (the Lambda zip) reading answers 501.
 */
public final class DatasetReader {

  /** What a version records of its data. */
  public record Profile(List<Column> schema, long rows) {}

  /**
   * The label and features of every row, row-major, in file order (or the time column's); a missing value is NaN.
   *
   * @param groups each row's group value as text, or null when no group column was asked for
   * @param categories per feature, null for a numeric one, else its distinct values as text in code order (sorted):
   *     that feature's values are the codes, NaN for a missing value; null when no feature is categorical
   */
  public record Rows(List<String> features, double[] labels, double[][] values, String[] groups,
      List<List<String>> categories) {
    public Rows(List<String> features, double[] labels, double[][] values, String[] groups) {
      this(features, labels, values, groups, null);
    }

    public int size() {
      return labels.length;
    }
  }

  public Profile profile(List<Path> files, DataFormat format) {
    try (Connection db = open(); Statement s = db.createStatement()) {
      List<Column> schema = new ArrayList<>();
      try (ResultSet rs = s.executeQuery("DESCRIBE SELECT * FROM " + source(files, format))) {
        while (rs.next()) {
          schema.add(new Column(rs.getString("column_name"), rs.getString("column_type")));
        }
      }
      long rows;
      try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + source(files, format))) {
        rs.next();
        rows = rs.getLong(1);
      }
      return new Profile(schema, rows);
    } catch (SQLException e) {
      throw PierException.badRequest("dataset cannot be read as " + format.id() + ": " + firstLine(e.getMessage()));
    }
  }

  public Rows read(List<Path> files, DataFormat format, String label, List<String> features) {
    return read(files, format, label, features, null, null);
  }

  /** With {@code group}, each row's group too; with {@code time}, rows ordered by it (stable). */
  public Rows read(List<Path> files, DataFormat format, String label, List<String> features, String group,
      String time) {
    return read(files, format, label, features, group, time, List.of());
  }

  /**
   * With {@code categorical} features read as text and coded by their sorted distinct values (the codes and the
   * values in {@link Rows#categories}); DuckDB writes an integer as its decimal digits, so {@code 7} is category
   * {@code "7"}.
   */
  public Rows read(List<Path> files, DataFormat format, String label, List<String> features, String group,
      String time, List<String> categorical) {
    String select = "SELECT " + quote(label) + features.stream().map(f -> ", " + (categorical.contains(f)
            ? "CAST(" + quote(f) + " AS VARCHAR)" : quote(f))).collect(Collectors.joining())
        + (group != null ? ", CAST(" + quote(group) + " AS VARCHAR)" : "")
        + " FROM " + source(files, format) + (time != null ? " ORDER BY " + quote(time) : "");
    try (Connection db = open(); Statement s = db.createStatement(); ResultSet rs = s.executeQuery(select)) {
      List<double[]> values = new ArrayList<>();
      List<Double> labels = new ArrayList<>();
      List<String> groups = new ArrayList<>();
      int n = features.size();
      boolean[] coded = new boolean[n];
      List<String[]> texts = new ArrayList<>();
      for (int j = 0; j < n; j++) {
        coded[j] = categorical.contains(features.get(j));
      }
      while (rs.next()) {
        if (group != null) {
          groups.add(rs.getString(n + 2));
        }
        labels.add(number(rs, 1));
        double[] row = new double[n];
        String[] text = categorical.isEmpty() ? null : new String[n];
        for (int j = 0; j < n; j++) {
          if (coded[j]) {
            text[j] = rs.getString(j + 2);
          } else {
            row[j] = number(rs, j + 2);
          }
        }
        values.add(row);
        texts.add(text);
      }
      List<List<String>> categories = categorical.isEmpty() ? null : code(values, texts, coded);
      double[] l = new double[labels.size()];
      for (int i = 0; i < l.length; i++) {
        l[i] = labels.get(i);
      }
      return new Rows(List.copyOf(features), l, values.toArray(double[][]::new),
          group != null ? groups.toArray(String[]::new) : null, categories);
    } catch (SQLException e) {
      throw PierException.badRequest("dataset cannot be read: " + firstLine(e.getMessage()));
    }
  }

  /** Each coded feature's sorted distinct values; its cells become their index (NaN for a missing value). */
  private static List<List<String>> code(List<double[]> values, List<String[]> texts, boolean[] coded) {
    List<List<String>> categories = new ArrayList<>();
    for (int j = 0; j < coded.length; j++) {
      if (!coded[j]) {
        categories.add(null);
        continue;
      }
      java.util.TreeSet<String> distinct = new java.util.TreeSet<>();
      for (String[] t : texts) {
        if (t[j] != null) {
          distinct.add(t[j]);
        }
      }
      List<String> sorted = List.copyOf(distinct);
      java.util.Map<String, Integer> index = new java.util.HashMap<>();
      for (int i = 0; i < sorted.size(); i++) {
        index.put(sorted.get(i), i);
      }
      for (int r = 0; r < values.size(); r++) {
        String t = texts.get(r)[j];
        values.get(r)[j] = t == null ? Double.NaN : index.get(t);
      }
      categories.add(sorted);
    }
    return java.util.Collections.unmodifiableList(categories);
  }

  private static double number(ResultSet rs, int column) throws SQLException {
    Object v = rs.getObject(column);
    if (v == null) {
      return Double.NaN;
    }
    if (v instanceof Boolean b) {
      return b ? 1 : 0;
    }
    if (v instanceof Number num) {
      return num.doubleValue();
    }
    throw PierException.badRequest("column " + rs.getMetaData().getColumnName(column) + " is not numeric (value '"
        + v + "'): XGBoost needs numbers; encode it first");
  }

  private static String source(List<Path> files, DataFormat format) {
    String list = files.stream().map(p -> "'" + p.toAbsolutePath().toString().replace("'", "''") + "'")
        .collect(Collectors.joining(", ", "[", "]"));
    return switch (format) {
      case CSV -> "read_csv(" + list + ", header = true, union_by_name = true)";
      case PARQUET -> "read_parquet(" + list + ", union_by_name = true)";
    };
  }

  static String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }

  private static Connection open() throws SQLException {
    return DuckDb.open("reading datasets");
  }

  private static String firstLine(String s) {
    return s == null ? "" : s.lines().findFirst().orElse("");
  }
}
