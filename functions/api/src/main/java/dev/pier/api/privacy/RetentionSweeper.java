package dev.pier.api.privacy;

import dev.pier.kernel.aws.AwsClients;
import dev.pier.api.PeriodicSweep;
import dev.pier.api.PierConfig;
import dev.pier.api.Security;

import dev.pier.batch.OutputRetention;
import dev.pier.security.audit.AuditLog;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.List;

/**
 * Local mode's retention: at start and every {@code pier.retention.sweep-interval}, drops audit prediction samples
 * older than {@code pier.retention.audit-samples} from the local audit files and deletes batch job outputs older
 * than {@code pier.retention.batch-outputs} from the local S3 stand-in. In AWS, S3 lifecycle rules do both (the
 * CDK app sets them from the same periods), so nothing is scheduled there. A failed sweep is logged and retried at
 * the next interval; every sweep is idempotent.
 */
@Singleton
public class RetentionSweeper {
  private final RetentionConfig retention;
  private final AuditLog audit;
  private final OutputRetention outputs;
  private final boolean local;
  private PeriodicSweep timer;

  public RetentionSweeper(PierConfig pier, AwsClients aws, Security security, RetentionConfig retention) {
    this.retention = retention;
    this.audit = security.audit();
    this.outputs = new OutputRetention(aws.s3(), pier.batch().bucket());
    this.local = pier.mode() == PierConfig.Mode.local;
  }

  void onStart(@Observes StartupEvent event) {
    if (!local) {
      return;
    }
    timer = PeriodicSweep.start("retention sweep", retention.sweepInterval(), this::sweep);
  }

  void onStop(@Observes ShutdownEvent event) {
    if (timer != null) {
      timer.stop();
    }
  }

  /** One sweep now; returns what it removed. */
  public Swept sweep() {
    Instant now = Instant.now();
    int samples = audit == null ? 0 : audit.expireSamples(now.minus(retention.auditSamples()));
    List<String> jobs = outputs.sweep(now.minus(retention.batchOutputs()));
    if (samples > 0 || !jobs.isEmpty()) {
      Log.infof("retention: removed %d audit samples older than %s and the outputs of %d batch jobs older than %s",
          samples, retention.auditSamples(), jobs.size(), retention.batchOutputs());
    }
    return new Swept(samples, jobs);
  }


  /** What one sweep removed. */
  public record Swept(int auditSamples, List<String> batchJobs) {}
}
