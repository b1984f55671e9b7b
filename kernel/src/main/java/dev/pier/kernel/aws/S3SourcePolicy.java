package dev.pier.kernel.aws;

import dev.pier.kernel.PierException;
import java.util.ArrayList;
import java.util.List;

/**
 * Which S3 locations a caller may have Pier read or write for it — MLflow {@code s3://} sources, batch inputs and
 * outputs: only under the configured prefixes ({@code pier.sources.allowed-s3-prefixes}), and never under Pier's own
 * (artifacts, uploads, async requests and results, the audit trail, batch plans), whatever the configuration says.
 * Pier's role can read those; a caller naming them would read through Pier what it may not read itself (a confused
 * deputy). Immutable, thread-safe.
 */
public final class S3SourcePolicy {
  /** A bucket and a key prefix ({@code ""} for the whole bucket). */
  public record Location(String bucket, String prefix) {
    /** {@code s3://bucket/prefix}; {@code s3://bucket} or {@code s3://bucket/} is the whole bucket. */
    public static Location parse(String uri) {
      if (uri == null || !uri.startsWith("s3://") || uri.length() == 5) {
        throw new IllegalArgumentException("'" + uri + "' is not an s3://bucket/prefix location");
      }
      int slash = uri.indexOf('/', 5);
      return slash < 0 ? new Location(uri.substring(5), "")
          : new Location(uri.substring(5, slash), uri.substring(slash + 1));
    }

    /** Whether the object or prefix {@code key} lies under this location. */
    boolean covers(String bucket, String key) {
      return this.bucket.equals(bucket) && key.startsWith(prefix);
    }

    /** Whether {@code key} (an object, or a prefix to list) lies under this location or holds part of it. */
    boolean overlaps(String bucket, String key) {
      return this.bucket.equals(bucket) && (key.startsWith(prefix) || prefix.startsWith(key));
    }

    @Override
    public String toString() {
      return "s3://" + bucket + "/" + prefix;
    }
  }

  private final List<Location> allowed;
  private final boolean anyBucket;
  private final List<Location> reserved;

  private S3SourcePolicy(List<Location> allowed, boolean anyBucket, List<Location> reserved) {
    this.allowed = allowed;
    this.anyBucket = anyBucket;
    this.reserved = reserved;
  }

  /**
   * @param allowed {@code s3://bucket/prefix} entries, or {@code *} for any bucket (local mode's default: the S3
   *     stand-in holds only the local user's data)
   * @param reserved Pier's own locations, refused even when an allowed entry covers them
   */
  public static S3SourcePolicy of(List<String> allowed, List<Location> reserved) {
    List<Location> locations = new ArrayList<>();
    boolean any = false;
    for (String a : allowed) {
      String entry = a.strip();
      if (entry.equals("*")) {
        any = true;
      } else if (!entry.isEmpty()) {
        locations.add(Location.parse(entry));
      }
    }
    return new S3SourcePolicy(List.copyOf(locations), any, List.copyOf(reserved));
  }

  /**
   * 403 naming {@code field} unless Pier may read or write {@code key} (an object, or a prefix ending in {@code /})
   * of {@code bucket} for a caller.
   */
  public void check(String bucket, String key, String field) {
    for (Location r : reserved) {
      if (r.overlaps(bucket, key)) {
        throw new PierException(403, field + " 's3://" + bucket + "/" + key + "' is in Pier's own storage ("
            + r + "), which callers cannot name");
      }
    }
    if (anyBucket || allowed.stream().anyMatch(a -> a.covers(bucket, key))) {
      return;
    }
    throw new PierException(403, field + " 's3://" + bucket + "/" + key + "' is outside the S3 locations this Pier"
        + " reads and writes for callers (pier.sources.allowed-s3-prefixes: "
        + (allowed.isEmpty() ? "none" : String.join(", ", allowed.stream().map(Location::toString).toList())) + ")");
  }
}
