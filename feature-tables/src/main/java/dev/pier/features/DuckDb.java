package dev.pier.features;

import dev.pier.kernel.PierException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * A fresh in-memory DuckDB per use. DuckDB is an optional dependency: the plain server and the container carry it,
 * the Lambda zip does not (its 80 MB jar unpacks to 249 MB against Lambda's 250 MB cap), and there the feature
 * store's offline parts (and training's dataset reader) answer 501 instead of failing obscurely.
 */
public final class DuckDb {
  private static final boolean PRESENT = present();

  private DuckDb() {}

  /** A new in-memory database; {@code purpose} names what needed it in the 501 a build without DuckDB answers. */
  public static Connection open(String purpose) throws SQLException {
    return open(purpose, false);
  }

  /** With {@code stream}, result sets are fetched as they are read instead of materialized whole. */
  static Connection open(String purpose, boolean stream) throws SQLException {
    if (!PRESENT) {
      throw PierException.notImplemented(purpose + " needs DuckDB, which this build (the Lambda zip) does not carry;"
          + " call the plain server or container build of the api for it, or, for historical retrieval from an"
          + " entity_source file, start a job: POST /api/v1/features/historical-jobs (the feature worker runs it)");
    }
    try { // registers the driver for this class loader: DriverManager loaded drivers once, perhaps in another app's
      Class.forName("org.duckdb.DuckDBDriver", true, DuckDb.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
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
