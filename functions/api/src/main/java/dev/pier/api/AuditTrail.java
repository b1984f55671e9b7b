package dev.pier.api;

import dev.pier.registry.ModelRegistry;

import dev.pier.security.audit.AuditEvent;
import dev.pier.security.audit.AuditJson;
import dev.pier.security.audit.AuditLog;
import dev.pier.security.audit.PredictionSampler;
import dev.pier.security.privacy.PiiMasker;
import dev.pier.registry.Alias;
import dev.pier.registry.ModelVersion;
import dev.pier.registry.RegistryListener;
import io.quarkus.arc.Arc;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Records state changes (registry versions and aliases, API keys, erasures) and a configurable sample of
 * predictions in the audit trail, with the principal and request id of the request that made them. Free text is
 * masked for personal data; a prediction's input is kept as its SHA-256 unless raw-input capture is on (then masked).
 * Every entry is also one DEBUG line in category {@code dev.pier.audit}.
 */
@Singleton
public class AuditTrail {
  private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger("dev.pier.audit");
  private final Security security;
  private final AuditLog log;
  private final PredictionSampler sampler;

  public AuditTrail(Security security, ModelRegistry registry) {
    this.security = security;
    this.log = security.audit();
    var config = security.auditConfig();
    this.sampler = new PredictionSampler(this::write, config.predictionSampleRate(), config.includeInput(),
        security.subjects());
    registry.addListener(new RegistryListener() {
      @Override
      public void versionCreated(ModelVersion v) {
        // versions registered by reference (MLflow sources outside S3) have neither framework nor artifact
        record("version.register", v.model(), v.version(), Map.of(
            "framework", v.framework() == null ? "unknown" : v.framework().id(),
            "sha256", v.artifact().sha256() == null ? "none" : v.artifact().sha256()));
      }

      @Override
      public void aliasMoved(Alias a) {
        Caller caller = caller();
        String action = caller != null && "rollback".equals(caller.operation()) ? "alias.rollback" : "alias.set";
        Map<String, String> details = new LinkedHashMap<>();
        details.put("alias", a.name());
        details.put("revision", Long.toString(a.revision()));
        if (a.canary() != null) {
          details.put("canary", a.canary().toString());
        }
        record(action, a.model(), a.version(), details);
      }
    });
  }

  void onStart(@Observes StartupEvent event) {
    // constructed at start so registry changes made during start-up (the demo seed) are recorded too
  }

  /** A state change by the current caller. */
  public void record(String action, String model, Integer version, Map<String, String> details) {
    Caller caller = caller();
    Map<String, String> masked = new LinkedHashMap<>();
    details.forEach((k, v) -> masked.put(k, PiiMasker.mask(v)));
    write(new AuditEvent(UUID.randomUUID().toString(), Instant.now(), caller == null ? "system" : caller.principalId(),
        action, model, version, caller == null ? null : caller.requestId(), null, null, null, masked));
  }

  /** Decides and writes prediction samples: the prediction pipeline's AUDIT stage, for every way in. */
  public PredictionSampler sampler() {
    return sampler;
  }

  private void write(AuditEvent event) {
    if (LOG.isDebugEnabled()) {
      LOG.debug(AuditJson.write(event));
    }
    if (log == null) {
      if (!event.sample()) {
        Log.info("audit " + AuditJson.write(event)); // no store configured: the log is the trail (CloudWatch in AWS)
      }
      return;
    }
    log.append(event);
  }

  private static Caller caller() {
    var container = Arc.container();
    if (container == null || !container.requestContext().isActive()) {
      return null;
    }
    Caller caller = container.instance(Caller.class).get();
    return caller.principal() == null ? null : caller;
  }
}
