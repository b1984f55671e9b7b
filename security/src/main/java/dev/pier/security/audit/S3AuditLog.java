package dev.pier.security.audit;

import dev.pier.kernel.aws.S3Create;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ObjectLockMode;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The audit trail in S3, one object per entry (objects are never overwritten, so no entry can be lost to a race; a
 * retried put that finds its own entry written is not an error, see {@link S3Create}):
 *
 * <pre>
 *   &lt;prefix&gt;events/&lt;yyyy-MM-dd&gt;/&lt;epoch-ms&gt;-&lt;id&gt;.json            state changes; with objectLockDays &gt; 0
 *                                                          written under Object Lock (COMPLIANCE or GOVERNANCE) for that long
 *   &lt;prefix&gt;samples/&lt;subject or _&gt;/&lt;yyyy-MM-dd&gt;/&lt;epoch-ms&gt;-&lt;id&gt;.json  prediction samples: never locked, expired
 *                                                          by a lifecycle rule, erased per subject by prefix
 * </pre>
 *
 * The bucket must have Object Lock enabled for locked writes (the CDK stack's audit bucket has). Queries list the
 * recent days' objects and filter them: fine for an operator's look-up; use Athena over the prefix for analysis.
 */
public final class S3AuditLog implements AuditLog {
  private static final int QUERY_DAYS = 31;
  private final S3Client s3;
  private final String bucket;
  private final String prefix;
  private final int objectLockDays;
  private final ObjectLockMode objectLockMode;

  /** @param objectLockMode COMPLIANCE (nobody may delete before the retention ends) or GOVERNANCE */
  public S3AuditLog(S3Client s3, String bucket, String prefix, int objectLockDays, ObjectLockMode objectLockMode) {
    this.s3 = s3;
    this.bucket = bucket;
    this.prefix = prefix.isEmpty() || prefix.endsWith("/") ? prefix : prefix + "/";
    this.objectLockDays = objectLockDays;
    this.objectLockMode = objectLockMode;
  }

  @Override
  public void append(AuditEvent event) {
    String name = event.at().toEpochMilli() + "-" + event.id() + ".json";
    String day = LocalDate.ofInstant(event.at(), ZoneOffset.UTC).toString();
    String key = event.sample()
        ? prefix + "samples/" + (event.subject() == null ? "_" : event.subject()) + "/" + day + "/" + name
        : prefix + "events/" + day + "/" + name;
    boolean lock = !event.sample() && objectLockDays > 0;
    S3Create.once(s3, b -> {
      b.bucket(bucket).key(key).contentType("application/json");
      if (lock) {
        b.objectLockMode(objectLockMode)
            .objectLockRetainUntilDate(Instant.now().plus(Duration.ofDays(objectLockDays)));
      }
    }, RequestBody.fromString(AuditJson.write(event), StandardCharsets.UTF_8));
  }

  @Override
  public List<AuditEvent> query(AuditQuery query) {
    List<AuditEvent> out = new ArrayList<>();
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    for (int d = 0; d < QUERY_DAYS && out.size() < query.limit(); d++) {
      for (S3Object o : list(prefix + "events/" + today.minusDays(d) + "/")) {
        AuditEvent e = read(o.key());
        if (query.matches(e)) {
          out.add(e);
        }
      }
    }
    if (query.samples()) {
      for (S3Object o : list(prefix + "samples/")) {
        AuditEvent e = read(o.key());
        if (query.matches(e)) {
          out.add(e);
        }
      }
    }
    out.sort((a, b) -> b.at().compareTo(a.at()));
    return out.size() > query.limit() ? out.subList(0, query.limit()) : out;
  }

  @Override
  public int eraseSubject(String subjectHash) {
    int removed = 0;
    for (S3Object o : list(prefix + "samples/" + subjectHash + "/")) {
      s3.deleteObject(b -> b.bucket(bucket).key(o.key()));
      removed++;
    }
    return removed;
  }

  /** Expiry of samples is the bucket's lifecycle rule on {@code <prefix>samples/} (see the CDK stack); nothing to do here. */
  @Override
  public int expireSamples(Instant cutoff) {
    return 0;
  }

  private List<S3Object> list(String keyPrefix) {
    List<S3Object> out = new ArrayList<>();
    s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(keyPrefix)).contents().forEach(out::add);
    return out;
  }

  private AuditEvent read(String key) {
    return AuditJson.read(s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asUtf8String());
  }
}
