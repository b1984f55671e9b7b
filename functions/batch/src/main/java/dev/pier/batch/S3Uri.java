package dev.pier.batch;

import dev.pier.kernel.PierException;

/** {@code s3://bucket/key}. */
public record S3Uri(String bucket, String key) {
  public static S3Uri parse(String uri, String field) {
    if (uri == null || !uri.startsWith("s3://") || uri.indexOf('/', 5) <= 5) {
      throw PierException.badRequest(field + " must be an s3://bucket/key URI, not '" + uri + "'");
    }
    int slash = uri.indexOf('/', 5);
    return new S3Uri(uri.substring(5, slash), uri.substring(slash + 1));
  }

  /** This URI as a prefix: the key ends with {@code /}. */
  public S3Uri asPrefix() {
    return key.isEmpty() || key.endsWith("/") ? this : new S3Uri(bucket, key + "/");
  }

  public S3Uri resolve(String name) {
    return new S3Uri(bucket, asPrefix().key + name);
  }

  @Override
  public String toString() {
    return "s3://" + bucket + "/" + key;
  }
}
