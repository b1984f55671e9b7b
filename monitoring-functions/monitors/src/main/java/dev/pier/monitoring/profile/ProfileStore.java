package dev.pier.monitoring.profile;

import dev.pier.kernel.aws.S3Create;
import dev.pier.monitoring.capture.CaptureStore;
import dev.pier.monitoring.capture.CapturedPrediction;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Profiles of captured predictions per model version and hour, in S3 next to the captures they summarise:
 *
 * <pre>
 *   profiles/&lt;model&gt;/&lt;version&gt;/&lt;yyyy&gt;/&lt;mm&gt;/&lt;dd&gt;/&lt;hh&gt;/&lt;writer&gt;-&lt;seq&gt;.profile
 * </pre>
 *
 * Every capture batch a writer flushes adds one profile object per hour it touches ({@link #capturing}); a run over a
 * large window merges the hours' objects ({@link #merged}) instead of reading rows, so its cost grows with the number
 * of columns and objects, not rows. Hourly granularity: a window is covered by the whole hours it overlaps.
 * Thread-safe.
 */
public final class ProfileStore {
  public static final String PREFIX = "profiles/";

  private final S3Client s3;
  private final String bucket;
  private final String writer = UUID.randomUUID().toString().substring(0, 8);
  private final AtomicLong sequence = new AtomicLong();

  public ProfileStore(S3Client s3, String bucket) {
    this.s3 = s3;
    this.bucket = bucket;
  }

  public static String hourPrefix(String model, long version, Instant hour) {
    return CaptureStore.hourPrefix(PREFIX, model, version, hour);
  }

  /**
   * A capture writer for {@link dev.pier.monitoring.capture.CaptureBuffer} that writes each batch's rows through
   * {@code captures} and its profiles here — both off the request path, on the buffer's writer thread.
   */
  public Consumer<List<CapturedPrediction>> capturing(CaptureStore captures) {
    return batch -> {
      captures.write(batch);
      write(batch);
    };
  }

  /** Profiles rows, one object per (model, version, hour) among them. */
  public void write(List<CapturedPrediction> rows) {
    CaptureStore.byHour(PREFIX, rows).forEach((prefix, hour) -> {
      CaptureProfile profile = new CaptureProfile();
      hour.forEach(profile::add);
      write(prefix, profile);
    });
  }

  /** Stores one more profile of the hour whose prefix ({@link #hourPrefix}) is given. */
  public void write(String hourPrefix, CaptureProfile profile) {
    String key = hourPrefix + writer + "-" + sequence.incrementAndGet() + ".profile";
    S3Create.once(s3, b -> b.bucket(bucket).key(key).contentType("application/octet-stream"),
        RequestBody.fromBytes(profile.toBytes()));
  }

  /** The merged profile of every hour that {@code [from, to)} overlaps. */
  public CaptureProfile merged(String model, long version, Instant from, Instant to) {
    CaptureProfile merged = new CaptureProfile();
    for (Instant hour = from.truncatedTo(ChronoUnit.HOURS); hour.isBefore(to); hour = hour.plus(1, ChronoUnit.HOURS)) {
      for (S3Object object : objects(hourPrefix(model, version, hour))) {
        merged.merge(CaptureProfile.fromBytes(
            s3.getObjectAsBytes(b -> b.bucket(bucket).key(object.key())).asByteArray()));
      }
    }
    return merged;
  }

  /** The merged profile of each hour in {@code [from, to)} that has any, oldest first. */
  public Map<Instant, CaptureProfile> hourly(String model, long version, Instant from, Instant to) {
    Map<Instant, CaptureProfile> out = new TreeMap<>();
    for (Instant hour = from.truncatedTo(ChronoUnit.HOURS); hour.isBefore(to); hour = hour.plus(1, ChronoUnit.HOURS)) {
      List<S3Object> objects = objects(hourPrefix(model, version, hour));
      if (!objects.isEmpty()) {
        CaptureProfile merged = new CaptureProfile();
        for (S3Object object : objects) {
          merged.merge(CaptureProfile.fromBytes(
              s3.getObjectAsBytes(b -> b.bucket(bucket).key(object.key())).asByteArray()));
        }
        out.put(hour, merged);
      }
    }
    return out;
  }

  private List<S3Object> objects(String prefix) {
    List<S3Object> out = new ArrayList<>();
    s3.listObjectsV2Paginator(ListObjectsV2Request.builder().bucket(bucket).prefix(prefix).build()).contents()
        .forEach(out::add);
    return out;
  }
}
