package dev.pier.api;

import dev.pier.kernel.aws.AwsClients;

import dev.pier.security.audit.AuditLog;
import dev.pier.security.audit.FileAuditLog;
import dev.pier.security.audit.S3AuditLog;
import dev.pier.security.privacy.SubjectHash;
import dev.pier.security.ApiKeys;
import dev.pier.security.FailedAuthentications;
import dev.pier.security.Gatekeeper;
import dev.pier.kernel.security.Grant;
import dev.pier.security.JwtVerifier;
import dev.pier.kernel.security.Principal;
import dev.pier.security.RateLimiter;
import dev.pier.kernel.security.Role;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Wires authentication, the audit trail and the subject hash once per process, and decides whether this server may
 * run open: only in local mode bound to a loopback address. Anything else with authentication off refuses to start.
 */
@Singleton
public class Security {
  private final PierConfig config;
  private final Gatekeeper gatekeeper;
  private final ApiKeys apiKeys;
  private final AuditLog audit;
  private final SubjectHash subjects;
  private final String host;

  public Security(PierConfig config, AwsClients aws) {
    this.config = config;
    this.host = ConfigProvider.getConfig().getOptionalValue("quarkus.http.host", String.class).orElse("0.0.0.0");
    boolean local = config.mode() == PierConfig.Mode.local;
    boolean loopback = local && isLoopback(host);
    boolean required = config.auth().enabled().orElse(!loopback);
    if (!required && !loopback) {
      throw new IllegalStateException("refusing to start with authentication off: the server is "
          + (local ? "bound to " + host + ", not 127.0.0.1" : "in AWS mode")
          + ". Remove pier.auth.enabled=false, or bind to 127.0.0.1 in local mode.");
    }
    var jwtConfig = config.auth().jwt();
    JwtVerifier jwt = jwtVerifier(jwtConfig, required && !local);
    if (local) {
      ApiKeys.createTableIfMissing(aws.dynamoDb(), config.auth().apiKeys().table());
    }
    this.apiKeys = new ApiKeys(aws.dynamoDb(), config.auth().apiKeys().table());
    this.gatekeeper = new Gatekeeper(required, jwt, apiKeys,
        new RateLimiter(config.auth().rateLimit().perSecond(), config.auth().rateLimit().burst()),
        new FailedAuthentications(config.auth().failedAttempts().max(), config.auth().failedAttempts().window()),
        jwtConfig.groupsClaims());
    Path auditDir = Path.of(config.audit().dir().orElseGet(() -> Path.of(config.dataDir(), "audit").toString()));
    if (!config.audit().enabled()) {
      this.audit = null;
    } else if (config.audit().bucket().isPresent()) {
      this.audit = new S3AuditLog(aws.s3(), config.audit().bucket().get(), config.audit().prefix(),
          config.audit().objectLockDays(), config.audit().objectLockMode());
    } else if (local) {
      this.audit = new FileAuditLog(auditDir);
    } else {
      Log.warn("pier.audit.bucket is not set: audit entries go to the log only and cannot be queried");
      this.audit = null;
    }
    this.subjects = new SubjectHash(subjectKey(local ? auditDir : null));
    // expiry of prediction samples: RetentionSweeper (pier.retention.audit-samples), at start and periodically
    if (required) {
      Log.infof("authentication is on: bearer JWTs %s, API keys from table %s",
          jwt == null ? "off (no pier.auth.jwt.issuer)" : "from " + jwtConfig.issuer().get(),
          config.auth().apiKeys().table());
      bootstrapAdminKey(local);
    } else {
      Log.warnf("AUTHENTICATION IS OFF: anyone who can reach %s has full control of this Pier (local mode, single"
          + " user). Start with --auth, or bind to another address, to require credentials.", host);
    }
  }

  /**
   * The bearer-JWT verifier {@code config} describes, or null when it names no issuer. Where tokens must name this
   * server's audience ({@code audienceRequired}: authentication on in AWS mode), a configuration without one refuses
   * to start: any token the issuer made for another application would pass.
   */
  static JwtVerifier jwtVerifier(PierConfig.Jwt config, boolean audienceRequired) {
    if (config.issuer().isPresent() != config.jwks().isPresent()) {
      throw new IllegalStateException("pier.auth.jwt.issuer and pier.auth.jwt.jwks must be set together");
    }
    if (config.issuer().isEmpty()) {
      return null;
    }
    List<String> audiences = config.audience().orElse(List.of());
    if (audienceRequired && audiences.isEmpty()) {
      throw new IllegalStateException("pier.auth.jwt.audience is required in AWS mode with authentication on: name"
          + " this API's audience or Cognito app client id(s), or a token " + config.issuer().get()
          + " issued for any other application would be accepted");
    }
    try {
      return new JwtVerifier(config.issuer().get(), config.jwks().get(), audiences, config.tokenUse().orElse(null),
          config.groupsClaims());
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("pier.auth.jwt: " + e.getMessage(), e);
    }
  }

  void onStart(@Observes StartupEvent event, Instance<Security> self) {
    self.get(); // build it (and refuse to start open) before the first request, not at it
  }

  public Gatekeeper gatekeeper() {
    return gatekeeper;
  }

  public ApiKeys apiKeys() {
    return apiKeys;
  }

  /** The audit trail, or null when it is off or has no queryable store. */
  public AuditLog audit() {
    return audit;
  }

  /** Whether claims from API Gateway's JWT authorizer (Lambda request context) identify the caller. */
  public boolean gatewayClaimsTrusted() {
    return config.auth().gatewayClaims();
  }

  public SubjectHash subjects() {
    return subjects;
  }

  public PierConfig.Audit auditConfig() {
    return config.audit();
  }

  /** Shown on GET /v2 while authentication is off. */
  public String openWarning() {
    return gatekeeper.authRequired() ? null
        : "authentication is off: anyone who can reach " + host + " has full control (local mode)";
  }

  /** Writes a first admin key where configured, when no active admin key exists yet. */
  private void bootstrapAdminKey(boolean local) {
    var file = config.auth().adminKeyFile().map(Path::of)
        .or(() -> local ? java.util.Optional.of(Path.of(config.dataDir(), "admin.key")) : java.util.Optional.empty());
    if (file.isEmpty() || apiKeys.hasActiveAdmin()) {
      return;
    }
    try {
      var created = apiKeys.create("bootstrap-admin", List.of(Grant.of(Role.ADMIN, "*")), 0, Principal.system());
      Path f = file.get().toAbsolutePath();
      Files.createDirectories(f.getParent());
      Files.deleteIfExists(f);
      Files.createFile(f, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(f, created.key() + "\n");
      Log.infof("created admin API key %s; the key is in %s (readable by this user only)", created.info().id(), f);
    } catch (IOException e) {
      throw new UncheckedIOException("could not write the admin key file", e);
    }
  }

  private byte[] subjectKey(Path auditDir) {
    if (config.audit().subjectKey().isPresent()) {
      return Base64.getDecoder().decode(config.audit().subjectKey().get());
    }
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    if (auditDir == null) {
      return key;
    }
    Path file = auditDir.resolve("subject.key");
    try {
      if (Files.exists(file)) {
        return Base64.getDecoder().decode(Files.readString(file).trim());
      }
      Files.createDirectories(auditDir);
      Files.writeString(file, Base64.getEncoder().encodeToString(key));
      return key;
    } catch (IOException e) {
      throw new UncheckedIOException("could not read or write " + file, e);
    }
  }

  private static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  @PreDestroy
  void close() {
    if (audit != null) {
      audit.close();
    }
  }
}
