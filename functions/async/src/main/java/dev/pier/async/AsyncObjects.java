package dev.pier.async;

import java.time.Instant;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Requests and results too large for a DynamoDB item (which is capped at 400 KB), in S3. Keys are fixed per
 * prediction id — {@code async-requests/<id>.json}, {@code async-results/<id>.json} — so a worker that retries
 * after a crash overwrites the same object instead of leaving a second one. In AWS a lifecycle rule on the bucket
 * expires both prefixes after the retention period; local mode has no lifecycle rules, so {@link #expire} runs at
 * start instead.
 */
public final class AsyncObjects {
  public static final String REQUESTS = "async-requests/";
  public static final String RESULTS = "async-results/";

  private final S3Client s3;
  private final String bucket;

  public AsyncObjects(S3Client s3, String bucket) {
    this.s3 = s3;
    this.bucket = bucket;
  }

  /** Local mode: creates the bucket. */
  public void createBucketIfMissing() {
    try {
      s3.createBucket(b -> b.bucket(bucket));
    } catch (BucketAlreadyOwnedByYouException e) {
      // there from an earlier start
    } catch (S3Exception e) {
      if (e.statusCode() != 409) {
        throw e;
      }
    }
  }

  public String putRequest(String id, byte[] body) {
    return put(REQUESTS + id + ".json", body);
  }

  public String putResult(String id, byte[] body) {
    return put(RESULTS + id + ".json", body);
  }

  private String put(String key, byte[] body) {
    s3.putObject(b -> b.bucket(bucket).key(key).contentType("application/json"), RequestBody.fromBytes(body));
    return key;
  }

  /** The object's bytes, or null when it is gone (expired or erased). */
  public byte[] get(String key) {
    try {
      ResponseBytes<?> bytes = s3.getObjectAsBytes(b -> b.bucket(bucket).key(key));
      return bytes.asByteArray();
    } catch (NoSuchKeyException e) {
      return null;
    }
  }

  public void delete(String key) {
    if (key != null) {
      s3.deleteObject(b -> b.bucket(bucket).key(key));
    }
  }

  /** The {@code s3://} URI of one of this bucket's keys (what an asynchronous endpoint is given as its input). */
  public String location(String key) {
    return "s3://" + bucket + "/" + key;
  }

  /**
   * The bytes at an {@code s3://} URI in any bucket (an asynchronous endpoint's answer or failure, which SageMaker
   * writes to the endpoint's output paths), or null when it is not there.
   */
  public byte[] read(String location) {
    String[] bucketKey = bucketAndKey(location);
    try {
      return s3.getObjectAsBytes(b -> b.bucket(bucketKey[0]).key(bucketKey[1])).asByteArray();
    } catch (NoSuchKeyException e) {
      return null;
    }
  }

  /** Deletes the object at an {@code s3://} URI; nothing when {@code location} is null. */
  public void deleteAt(String location) {
    if (location != null) {
      String[] bucketKey = bucketAndKey(location);
      s3.deleteObject(b -> b.bucket(bucketKey[0]).key(bucketKey[1]));
    }
  }

  private static String[] bucketAndKey(String location) {
    int slash = location.startsWith("s3://") ? location.indexOf('/', 5) : -1;
    if (slash < 0) {
      throw new IllegalArgumentException("not an s3://bucket/key URI: " + location);
    }
    return new String[] {location.substring(5, slash), location.substring(slash + 1)};
  }

  /** Deletes request and result objects last written before {@code cutoff}; returns how many. */
  public int expire(Instant cutoff) {
    int removed = 0;
    for (String prefix : new String[] {REQUESTS, RESULTS}) {
      for (var object : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents()) {
        if (object.lastModified().isBefore(cutoff)) {
          delete(object.key());
          removed++;
        }
      }
    }
    return removed;
  }
}
