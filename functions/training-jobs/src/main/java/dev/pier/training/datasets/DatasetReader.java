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
   */
  public record Rows(List<String> features, double[] labels, double[][] values, String[] groups) {
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
    String select = "SELECT " + quote(label) + features.stream().map(f -> ", " + quote(f)).collect(Collectors.joining())
        + (group != null ? ", CAST(" + quote(group) + " AS VARCHAR)" : "")
        + " FROM " + source(files, format) + (time != null ? " ORDER BY " + quote(time) : "");
    try (Connection db = open(); Statement s = db.createStatement(); ResultSet rs = s.executeQuery(select)) {
      List<double[]> values = new ArrayList<>();
      List<Double> labels = new ArrayList<>();
      List<String> groups = new ArrayList<>();
      int n = features.size();
      while (rs.next()) {
        if (group != null) {
          groups.add(rs.getString(n + 2));
        }
        labels.add(number(rs, 1));
        double[] row = new double[n];
        for (int j = 0; j < n; j++) {
          row[j] = number(rs, j + 2);
        }
        values.add(row);
      }
      double[] l = new double[labels.size()];
      for (int i = 0; i < l.length; i++) {
        l[i] = labels.get(i);
      }
      return new Rows(List.copyOf(features), l, values.toArray(double[][]::new),
          group != null ? groups.toArray(String[]::new) : null);
    } catch (SQLException e) {
      throw PierException.badRequest("dataset cannot be read: " + firstLine(e.getMessage()));
    }
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
