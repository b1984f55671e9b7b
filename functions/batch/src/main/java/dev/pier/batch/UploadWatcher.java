package dev.pier.batch;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Local mode's EventBridge rule: lists {@code incoming/} of the batch bucket every {@code watchInterval} and starts one
 * job per new object (see {@link BatchJobs#submitUpload}: one object, one job, even across restarts).
 */
public final class UploadWatcher implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(UploadWatcher.class.getName());
  public static final String INCOMING = "incoming/";
  /** The filesystem store writes an upload under {@code <key>-<uuid>} first and renames it when complete. */
  private static final java.util.regex.Pattern PARTIAL =
      java.util.regex.Pattern.compile(".*-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$");

  private final S3Client s3;
  private final BatchJobs jobs;
  private final String bucket;
  private final Set<String> seen = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
      Thread.ofPlatform().daemon().name("pier-batch-uploads").factory());

  public UploadWatcher(S3Client s3, BatchJobs jobs, String bucket) {
    this.s3 = s3;
    this.jobs = jobs;
    this.bucket = bucket;
  }

  public void start(java.time.Duration interval) {
    timer.scheduleWithFixedDelay(this::poll, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** One look at {@code incoming/}. */
  public void poll() {
    try {
      for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(INCOMING)).contents()) {
        if (o.key().endsWith("/") || PARTIAL.matcher(o.key()).matches() || !seen.add(o.key() + "#" + o.eTag())) {
          continue;
        }
        try {
          BatchJob job = jobs.submitUpload(bucket, o.key(), o.eTag());
          if (job != null) {
            LOG.info(() -> "upload s3://" + bucket + "/" + o.key() + " started batch job " + job.id());
          }
        } catch (RuntimeException e) {
          seen.remove(o.key() + "#" + o.eTag()); // try again at the next poll
          throw e;
        }
      }
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "could not list uploads in s3://" + bucket + "/" + INCOMING, e);
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
