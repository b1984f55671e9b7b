package dev.pier.training.datasets;

import dev.pier.kernel.PierException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The objects a dataset URI names — one object, or every object of the format under a prefix — with their sizes and
 * ETags, and the SHA-256 that identifies them: the same files (same keys, sizes and ETags) give the same digest, a
 * changed, added or removed file another.
 */
public record DatasetManifest(String bucket, String prefix, DataFormat format, List<DatasetObject> objects) {
  public DatasetManifest {
    objects = List.copyOf(objects);
  }

  /** Lists {@code uri} ({@code s3://bucket/key} or {@code s3://bucket/prefix/}); a 400 when it names no data. */
  public static DatasetManifest list(S3Client s3, String uri, String format) {
    if (uri == null || !uri.startsWith("s3://") || uri.length() <= 5 || uri.indexOf('/', 5) < 0) {
      throw PierException.badRequest("dataset uri must be an s3://bucket/key or s3://bucket/prefix/ location, not '"
          + uri + "'");
    }
    String bucket = uri.substring(5, uri.indexOf('/', 5));
    String key = uri.substring(uri.indexOf('/', 5) + 1);
    DataFormat f = format == null && !anyFormat(key) ? null : DataFormat.of(format, key);
    List<DatasetObject> objects = new ArrayList<>();
    try {
      String token = null;
      do {
        String t = token;
        var page = s3.listObjectsV2(b -> b.bucket(bucket).prefix(key).continuationToken(t));
        for (S3Object o : page.contents()) {
          boolean exact = o.key().equals(key);
          boolean under = key.isEmpty() || key.endsWith("/") ? true : o.key().startsWith(key + "/");
          if (f == null && (exact || under) && o.size() > 0) {
            f = java.util.Arrays.stream(DataFormat.values()).filter(d -> d.matches(o.key())).findFirst().orElse(null);
          }
          if ((exact || under) && o.size() > 0 && f != null && f.matches(o.key())) {
            objects.add(new DatasetObject(o.key(), o.size(), o.eTag()));
          }
        }
        token = page.isTruncated() ? page.nextContinuationToken() : null;
      } while (token != null);
    } catch (NoSuchBucketException e) {
      throw PierException.badRequest("dataset uri " + uri + ": no bucket '" + bucket + "'");
    } catch (S3Exception e) {
      throw PierException.badRequest("dataset uri " + uri + " cannot be listed: S3 answered " + e.statusCode());
    }
    if (objects.isEmpty()) {
      throw PierException.badRequest("dataset uri " + uri + " names no " + (f == null ? ".csv or .parquet" : f.id())
          + " file");
    }
    objects.sort(Comparator.comparing(DatasetObject::key));
    return new DatasetManifest(bucket, key, f, objects);
  }

  /** Whether the key's own extension names a format (else the files under it say). */
  private static boolean anyFormat(String key) {
    return java.util.Arrays.stream(DataFormat.values()).anyMatch(d -> d.matches(key));
  }

  /** Hex SHA-256 over format and each object's key, size and ETag, in key order. */
  public String digest() {
    StringBuilder text = new StringBuilder("pier-dataset-manifest/1\n").append(format.id()).append('\n')
        .append(bucket).append('\n');
    for (DatasetObject o : objects) {
      text.append(o.key()).append('\t').append(o.size()).append('\t').append(o.etag()).append('\n');
    }
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(text.toString().getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public long bytes() {
    return objects.stream().mapToLong(DatasetObject::size).sum();
  }
}
