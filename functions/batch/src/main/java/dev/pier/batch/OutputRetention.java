package dev.pier.batch;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Deletes batch job outputs ({@code outputs/<job id>/…} in the batch bucket) once the job's newest object is older
 * than the retention period: a job's output goes whole, never a part of it. In AWS the bucket's lifecycle rule
 * does this (per object, from the CDK config); local mode has no lifecycle rules, so its sweeper calls this.
 * Deleting is idempotent: a second sweep finds nothing, and a job still writing keeps a fresh newest object.
 */
public final class OutputRetention {
  static final String PREFIX = "outputs/";
  private static final int DELETE_BATCH = 1000; // DeleteObjects takes at most 1000 keys
  private final S3Client s3;
  private final String bucket;

  public OutputRetention(S3Client s3, String bucket) {
    this.s3 = s3;
    this.bucket = bucket;
  }

  /** Removes every job output whose newest object was written before {@code cutoff}; returns the job ids removed. */
  public List<String> sweep(Instant cutoff) {
    Map<String, List<S3Object>> byJob = new HashMap<>();
    try {
      s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(PREFIX)).contents().forEach(o -> {
        String rest = o.key().substring(PREFIX.length());
        int slash = rest.indexOf('/');
        if (slash > 0) {
          byJob.computeIfAbsent(rest.substring(0, slash), k -> new ArrayList<>()).add(o);
        }
      });
    } catch (NoSuchBucketException e) {
      return List.of(); // no batch bucket yet: no outputs to expire
    }
    List<String> removed = new ArrayList<>();
    byJob.forEach((job, objects) -> {
      Instant newest = objects.stream().map(S3Object::lastModified).max(Instant::compareTo).orElseThrow();
      if (newest.isBefore(cutoff)) {
        for (int i = 0; i < objects.size(); i += DELETE_BATCH) {
          List<ObjectIdentifier> keys = objects.subList(i, Math.min(objects.size(), i + DELETE_BATCH)).stream()
              .map(o -> ObjectIdentifier.builder().key(o.key()).build()).toList();
          s3.deleteObjects(b -> b.bucket(bucket).delete(d -> d.objects(keys).quiet(true)));
        }
        removed.add(job);
      }
    });
    removed.sort(null);
    return removed;
  }
}
