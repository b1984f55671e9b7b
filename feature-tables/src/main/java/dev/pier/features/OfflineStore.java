package dev.pier.features;

import dev.pier.kernel.PierException;
import dev.pier.kernel.aws.S3SourcePolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The offline store: Parquet sources in S3, mirrored into a local folder for DuckDB (its httpfs extension cannot be
 * fetched offline, and a local copy is read many times faster). A source's objects are fetched through the S3 client
 * and kept by ETag, so a second retrieval over an unchanged source downloads nothing; objects gone from S3 are
 * removed. Hive-style {@code key=value/} folders keep their layout. Pushed rows are added as new Parquet objects under
 * the batch source's prefix, never rewriting existing ones. Thread-safe (one fetch per source at a time).
 */
public final class OfflineStore {
  private final S3Client s3;
  private final Path mirror;
  private final S3SourcePolicy policy;
  private final Map<String, Object> locks = new ConcurrentHashMap<>();
  private final Map<String, String> etags = new ConcurrentHashMap<>();

  /**
   * @param policy which S3 locations Pier may read and write for callers: a source path is checked at apply and at
   *     every read and push (a 403 naming it otherwise), so a definition cannot make Pier read its own storage
   */
  public OfflineStore(S3Client s3, Path mirror, S3SourcePolicy policy) {
    this.s3 = s3;
    this.mirror = mirror;
    this.policy = policy;
  }

  /** A source's files, mirrored: what DuckDB's {@code read_parquet} reads. */
  public record Mirrored(List<Path> files, boolean hive, Path dir) {}

  /**
   * Whether an {@code s3://} path can be a source, for apply: a file must exist; a prefix needs only its bucket (its
   * files may arrive later, by push or by the pipeline that writes them). Null when fine, else the problem.
   */
  public String check(String path) {
    Location at = Location.parse(path);
    policy.check(at.bucket(), at.key(), "source path");
    try {
      if (!at.key().isEmpty() && !at.key().endsWith("/")) {
        s3.headObject(b -> b.bucket(at.bucket()).key(at.key()));
        return null;
      }
      s3.headBucket(b -> b.bucket(at.bucket()));
      return null;
    } catch (NoSuchBucketException e) {
      return "bucket '" + at.bucket() + "' does not exist";
    } catch (S3Exception e) {
      return e.statusCode() == 404 ? path + " does not exist" : "cannot read " + path + ": " + e.getMessage();
    }
  }

  /** Mirrors a source's Parquet objects locally; 400 naming the path when it holds none. */
  public Mirrored fetch(DataSource.Parquet source) {
    Location at = Location.parse(source.path());
    policy.check(at.bucket(), at.key(), "source '" + source.name() + "' path");
    synchronized (locks.computeIfAbsent(source.path(), p -> new Object())) {
      Path dir = mirror.resolve(Integer.toHexString(source.path().hashCode()) + "-" + at.bucket());
      List<S3Object> objects = new ArrayList<>();
      String prefix = at.key().endsWith(".parquet") ? at.key() : at.key();
      try {
        s3.listObjectsV2Paginator(b -> b.bucket(at.bucket()).prefix(prefix)).contents().forEach(o -> {
          if (o.key().endsWith(".parquet") && (!at.key().endsWith(".parquet") || o.key().equals(at.key()))) {
            objects.add(o);
          }
        });
      } catch (NoSuchBucketException e) {
        throw PierException.badRequest("source '" + source.name() + "': bucket '" + at.bucket() + "' does not exist");
      }
      if (objects.isEmpty()) {
        throw PierException.badRequest("source '" + source.name() + "': no .parquet object at " + source.path());
      }
      String base = at.key().endsWith(".parquet") ? at.key().substring(0, at.key().lastIndexOf('/') + 1) : at.key();
      List<Path> files = new ArrayList<>();
      Set<Path> keep = new HashSet<>();
      Set<String> hiveLayouts = new HashSet<>();
      try {
        for (S3Object o : objects) {
          String relative = o.key().substring(base.length());
          hiveLayouts.add(hiveKeys(relative));
          Path file = dir.resolve(relative).normalize();
          if (!file.startsWith(dir)) {
            throw PierException.badRequest("source '" + source.name() + "': object key " + o.key() + " escapes its folder");
          }
          String cacheKey = file.toString();
          if (!o.eTag().equals(etags.get(cacheKey)) || !Files.exists(file)) {
            Files.createDirectories(file.getParent());
            Path part = file.resolveSibling(file.getFileName() + ".part");
            Files.deleteIfExists(part);
            s3.getObject(b -> b.bucket(at.bucket()).key(o.key()), part);
            Files.move(part, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            etags.put(cacheKey, o.eTag());
          }
          files.add(file);
          keep.add(file);
        }
        if (Files.isDirectory(dir)) {
          try (var walk = Files.walk(dir)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
              if (!keep.contains(p)) {
                Files.deleteIfExists(p);
                etags.remove(p.toString());
              }
            }
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("could not mirror " + source.path(), e);
      }
      // partition columns only when every file sits in the same key=value layout (pushed files sit at the top)
      boolean hive = hiveLayouts.size() == 1 && !hiveLayouts.contains("");
      return new Mirrored(files, hive, dir);
    }
  }

  /**
   * {@link #fetch} of each source at once, one thread per source, in the order given: a cold historical retrieval
   * mirrors its entity file and every view's source side by side instead of one after another. The first failure is
   * thrown as {@link #fetch} would throw it.
   */
  public List<Mirrored> fetchAll(List<DataSource.Parquet> sources) {
    if (sources.size() == 1) {
      return List.of(fetch(sources.getFirst()));
    }
    try (var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
      List<java.util.concurrent.Future<Mirrored>> fetches = new ArrayList<>();
      for (DataSource.Parquet source : sources) {
        fetches.add(threads.submit(() -> fetch(source)));
      }
      List<Mirrored> mirrored = new ArrayList<>();
      for (var f : fetches) {
        mirrored.add(f.get());
      }
      return mirrored;
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while mirroring offline sources", e);
    }
  }

  /**
   * Writes pushed rows as one new Parquet object under {@code batch}'s prefix ({@code push-<time>-<uuid>.parquet});
   * returns its {@code s3://} location. 400 when the batch source is a single file.
   */
  public String append(DataSource.Parquet batch, Map<String, List<Object>> columns, Map<String, Dtype> types,
      List<Instant> times) {
    return append(batch, columns, types, times, Instant.now().toEpochMilli() + "-" + UUID.randomUUID());
  }

  /**
   * As {@link #append(DataSource.Parquet, Map, Map, List)}, at {@code push-<id>.parquet}: the same id writes the same
   * object again (a staged push written twice is there once).
   */
  public String append(DataSource.Parquet batch, Map<String, List<Object>> columns, Map<String, Dtype> types,
      List<Instant> times, String id) {
    Location at = Location.parse(pushLocation(batch, id));
    String key = at.key();
    try {
      Path file = Files.createTempFile("pier-push", ".parquet");
      try {
        try (Connection db = DuckDb.open("pushing rows offline")) {
          List<String> names = new ArrayList<>(columns.keySet());
          StringBuilder create = new StringBuilder("CREATE TABLE pushed (").append(quote(batch.timestampField()))
              .append(" TIMESTAMP");
          StringBuilder insert = new StringBuilder("INSERT INTO pushed VALUES (make_timestamp(?)");
          for (String n : names) {
            create.append(", ").append(quote(n)).append(' ').append(types.get(n).sql());
            insert.append(", ?");
          }
          try (Statement s = db.createStatement()) {
            s.execute(create.append(')').toString());
          }
          try (PreparedStatement p = db.prepareStatement(insert.append(')').toString())) {
            for (int i = 0; i < times.size(); i++) {
              p.setLong(1, Timestamps.micros(times.get(i)));
              for (int c = 0; c < names.size(); c++) {
                HistoricalRetrieval.bind(p, c + 2, types.get(names.get(c)), columns.get(names.get(c)).get(i));
              }
              p.addBatch();
            }
            p.executeBatch();
          }
          try (Statement s = db.createStatement()) {
            s.execute("COPY pushed TO '" + file.toString().replace("'", "''") + "' (FORMAT parquet)");
          }
        }
        s3.putObject(b -> b.bucket(at.bucket()).key(key), RequestBody.fromFile(file));
      } finally {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not write pushed rows to " + batch.path(), e);
    } catch (SQLException e) {
      throw new PierException(500, "could not write pushed rows as Parquet: " + e.getMessage(), e);
    }
    return "s3://" + at.bucket() + "/" + key;
  }

  /**
   * Where pushed rows of id {@code id} go under {@code batch}'s prefix ({@code s3://…/push-<id>.parquet}); 400 when
   * the batch source is one file or a location Pier may not write.
   */
  public String pushLocation(DataSource.Parquet batch, String id) {
    Location at = Location.parse(batch.path());
    policy.check(at.bucket(), at.key(), "source '" + batch.name() + "' path");
    if (!at.key().isEmpty() && !at.key().endsWith("/")) {
      throw PierException.badRequest("batch source '" + batch.name() + "' is one file (" + batch.path() + "); pushing"
          + " offline adds files, so its path must be a prefix ending in /");
    }
    return "s3://" + at.bucket() + "/" + at.key() + "push-" + id + ".parquet";
  }

  /** Uploads a local file to an {@code s3://} location Pier may write for callers. */
  public void upload(String location, Path file) {
    Location at = Location.parse(location);
    policy.check(at.bucket(), at.key(), "output");
    s3.putObject(b -> b.bucket(at.bucket()).key(at.key()), RequestBody.fromFile(file));
  }

  /** The Hive partition keys of a relative path ({@code a=1/b=2/f.parquet} → {@code a/b}), "" for none. */
  private static String hiveKeys(String relative) {
    StringBuilder keys = new StringBuilder();
    String[] parts = relative.split("/");
    for (int i = 0; i < parts.length - 1; i++) {
      int eq = parts[i].indexOf('=');
      if (eq > 0) {
        keys.append(parts[i], 0, eq).append('/');
      }
    }
    return keys.toString();
  }

  static String quote(String identifier) {
    return '"' + identifier.replace("\"", "\"\"") + '"';
  }

  /** An {@code s3://bucket/key} location. */
  record Location(String bucket, String key) {
    static Location parse(String uri) {
      if (uri == null || !uri.startsWith("s3://")) {
        throw PierException.badRequest("'" + uri + "' is not an s3://bucket/key location");
      }
      int slash = uri.indexOf('/', 5);
      return slash < 0 ? new Location(uri.substring(5), "") : new Location(uri.substring(5, slash), uri.substring(slash + 1));
    }
  }

}
