package dev.pier.features;

import dev.pier.kernel.PierException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * A fresh in-memory DuckDB per use. DuckDB is an optional dependency: the plain server and the container carry it,
 * the Lambda zip does not (its 80 MB jar unpacks to 249 MB against Lambda's 250 MB cap), and there the feature
 * store's offline parts answer 501 instead of failing obscurely.
 */
final class DuckDb {
  private static final boolean PRESENT = present();

  private DuckDb() {}

  static Connection open(String purpose) throws SQLException {
    return open(purpose, false);
  }

  /** With {@code stream}, result sets are fetched as they are read instead of materialized whole. */
  static Connection open(String purpose, boolean stream) throws SQLException {
    if (!PRESENT) {
      throw PierException.notImplemented(purpose + " needs DuckDB, which this build (the Lambda zip) does not carry;"
          + " call the plain server or container build of the api for it");
    }
    java.util.Properties p = new java.util.Properties();
    if (stream) {
      p.setProperty("jdbc_stream_results", "true");
    }
    return DriverManager.getConnection("jdbc:duckdb:", p);
  }

  private static boolean present() {
    try {
      Class.forName("org.duckdb.DuckDBDriver", false, DuckDb.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }
}
