package dev.pier.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.kernel.PierException;
import dev.pier.kernel.aws.S3SourcePolicy;
import dev.pier.monitoring.capture.CaptureStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * Reads a monitor's reference rows from where {@link ReferenceSpec} says: inline, a Parquet/CSV/JSON Lines object in
 * S3 (Parquet and CSV through DuckDB on a local copy, since DuckDB's S3 extension cannot be fetched here), the captures
 * of a time window, or the version's training data. At most {@value #MAX_ROWS} rows: a reference is read whole on every
 * run. Thread-safe.
 */
public final class ReferenceLoader {
  static final int MAX_ROWS = MonitorRequest.MAX_REFERENCE_ROWS;

  private final S3Client s3;
  private final S3SourcePolicy sources;
  private final CaptureStore captures;

  public ReferenceLoader(S3Client s3, S3SourcePolicy sources, CaptureStore captures) {
    this.s3 = s3;
    this.sources = sources;
    this.captures = captures;
  }

  public List<Map<String, Object>> load(ReferenceSpec spec, ModelVersions.Resolved version) {
    List<Map<String, Object>> rows = switch (spec) {
      case ReferenceSpec.Rows r -> r.rows();
      case ReferenceSpec.Dataset d -> dataset("reference.uri", d.uri(), d.format());
      case ReferenceSpec.TrainingData t -> {
        if (version.trainingData().isEmpty()) {
          throw PierException.badRequest("reference.training_data: " + version.model() + " version "
              + version.version() + " names no dataset in its lineage (metadata.lineage.datasets[].uri)");
        }
        yield dataset("reference.training_data (" + version.trainingData().getFirst() + ")",
            version.trainingData().getFirst(), t.format());
      }
      case ReferenceSpec.Captures c -> captured(version, c);
    };
    if (rows.isEmpty()) {
      throw PierException.badRequest("reference: " + spec.describe().get("source") + " gave no rows");
    }
    return rows;
  }

  private List<Map<String, Object>> captured(ModelVersions.Resolved version, ReferenceSpec.Captures c) {
    int v = c.version() == null ? version.version() : c.version();
    List<Map<String, Object>> rows = new ArrayList<>();
    for (CaptureStore.CapturedRow row : captures.read(version.model(), v, c.from(), c.to())) {
      if (rows.size() == MAX_ROWS) {
        throw PierException.badRequest("reference.captures: more than " + MAX_ROWS + " rows between " + c.from()
            + " and " + c.to() + "; choose a shorter window");
      }
      Map<String, Object> values = new LinkedHashMap<>();
      row.inputs().forEach((k, x) -> values.put(k, scalar(x)));
      row.outputs().forEach((k, x) -> values.put(k, scalar(x)));
      rows.add(values);
    }
    if (rows.isEmpty()) {
      throw PierException.badRequest("reference.captures: " + version.model() + " version " + v
          + " has no captured predictions between " + c.from() + " and " + c.to());
    }
    return rows;
  }

  /**
   * The rows of a Parquet, CSV or JSON Lines object ({@code format} null: from the key's extension); 400s name
   * {@code field}: a uri outside the readable locations, a missing object, an unreadable file, too many rows.
   */
  public List<Map<String, Object>> dataset(String field, String uri, String format) {
    S3SourcePolicy.Location at;
    try {
      at = S3SourcePolicy.Location.parse(uri);
    } catch (IllegalArgumentException e) {
      throw PierException.badRequest(field + ": " + e.getMessage());
    }
    if (at.prefix().isEmpty() || at.prefix().endsWith("/")) {
      throw PierException.badRequest(field + ": '" + uri + "' names no object; give the file's key");
    }
    sources.check(at.bucket(), at.prefix(), field);
    String kind = format != null ? format : formatOf(at.prefix());
    if (kind == null) {
      throw PierException.badRequest(field + ": cannot tell the format of '" + uri
          + "' from its extension; add \"format\": \"parquet\", \"csv\" or \"jsonl\"");
    }
    Path local;
    try {
      local = Files.createTempFile("pier-reference", "." + kind);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(at.bucket()).key(at.prefix()))) {
        InputStream body = at.prefix().endsWith(".gz") ? new GZIPInputStream(in) : in;
        Files.copy(body, local, StandardCopyOption.REPLACE_EXISTING);
      } catch (NoSuchKeyException | NoSuchBucketException e) {
        throw PierException.badRequest(field + ": " + uri + " does not exist");
      } catch (IOException e) {
        throw new UncheckedIOException("could not read " + uri, e);
      }
      return switch (kind) {
        case "jsonl" -> jsonl(field, local);
        default -> duckDb(field, kind, local);
      };
    } finally {
      try {
        Files.deleteIfExists(local);
      } catch (IOException ignored) {
        // a temp file left behind; the OS cleans its temp directory
      }
    }
  }

  static String formatOf(String key) {
    String k = key.toLowerCase(Locale.ROOT).replaceFirst("\\.gz$", "");
    if (k.endsWith(".parquet")) {
      return "parquet";
    }
    if (k.endsWith(".csv")) {
      return "csv";
    }
    if (k.endsWith(".jsonl") || k.endsWith(".ndjson") || k.endsWith(".json")) {
      return "jsonl";
    }
    return null;
  }

  private static List<Map<String, Object>> jsonl(String field, Path file) {
    List<Map<String, Object>> rows = new ArrayList<>();
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(Files.newInputStream(file),
        StandardCharsets.UTF_8))) {
      String line;
      int n = 0;
      while ((line = lines.readLine()) != null) {
        n++;
        if (line.isBlank()) {
          continue;
        }
        JsonNode row;
        try {
          row = MonitoringJson.MAPPER.readTree(line);
        } catch (IOException e) {
          throw PierException.badRequest(field + ": line " + n + " is not JSON");
        }
        if (!row.isObject()) {
          throw PierException.badRequest(field + ": line " + n + " is not a JSON object");
        }
        if (rows.size() == MAX_ROWS) {
          throw PierException.badRequest(field + ": more than " + MAX_ROWS + " rows; sample the reference");
        }
        Map<String, Object> values = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = row.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> cell = it.next();
          JsonNode v = cell.getValue();
          values.put(cell.getKey(), v.isNumber() ? (Object) v.doubleValue() : v.isBoolean() ? (Object) v.booleanValue()
              : v.isNull() ? null : v.isTextual() ? v.textValue() : v.toString());
        }
        rows.add(values);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return rows;
  }

  private static List<Map<String, Object>> duckDb(String field, String format, Path file) {
    String reader = format.equals("parquet") ? "read_parquet" : "read_csv";
    String path = file.toString().replace("'", "''");
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement s = db.createStatement();
        ResultSet rs = s.executeQuery("SELECT * FROM " + reader + "('" + path + "') LIMIT " + (MAX_ROWS + 1))) {
      ResultSetMetaData meta = rs.getMetaData();
      List<Map<String, Object>> rows = new ArrayList<>();
      while (rs.next()) {
        if (rows.size() == MAX_ROWS) {
          throw PierException.badRequest(field + ": more than " + MAX_ROWS + " rows; sample the reference");
        }
        Map<String, Object> values = new LinkedHashMap<>();
        for (int c = 1; c <= meta.getColumnCount(); c++) {
          values.put(meta.getColumnName(c), scalar(rs.getObject(c)));
        }
        rows.add(values);
      }
      return rows;
    } catch (SQLException e) {
      if (e.getMessage() != null && e.getMessage().contains("No suitable driver")) {
        throw PierException.notImplemented(field + ": " + format + " references need DuckDB, which this build does"
            + " not carry (the plain server does)");
      }
      throw PierException.badRequest(field + ": not a readable " + format + " file: " + firstLine(e.getMessage()));
    }
  }

  /** Numbers as doubles (drift compares them as such), booleans and text as they are, anything else as text. */
  static Object scalar(Object v) {
    return switch (v) {
      case null -> null;
      case BigDecimal d -> d.doubleValue();
      case Number n -> n.doubleValue();
      case Boolean b -> b;
      case String s -> s;
      default -> v.toString();
    };
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}
