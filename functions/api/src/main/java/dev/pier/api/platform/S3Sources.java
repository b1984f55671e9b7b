package dev.pier.api.platform;

import dev.pier.api.PierConfig;

import dev.pier.kernel.aws.S3SourcePolicy;
import dev.pier.kernel.aws.S3SourcePolicy.Location;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@link S3SourcePolicy} of this deployment: the configured (or default) allowed prefixes, and Pier's own
 * locations — the artifact store ({@code artifacts/}, {@code uploads/}, {@code endpoints/}), the async bucket, the
 * audit trail and batch plans ({@code jobs/}) — which no caller may name.
 */
@Singleton
public class S3Sources {
  private final S3SourcePolicy policy;

  public S3Sources(PierConfig config, SourcesConfig sources) {
    String artifacts = config.registry().artifactsBucket();
    String batch = config.batch().bucket();
    List<String> allowed = sources.allowedS3Prefixes().orElseGet(() -> config.mode() == PierConfig.Mode.local
        ? List.of("*") : List.of("s3://" + batch + "/", "s3://" + artifacts + "/mlflow/"));
    List<Location> reserved = new ArrayList<>(List.of(
        new Location(artifacts, "artifacts/"), new Location(artifacts, "uploads/"),
        new Location(artifacts, "endpoints/"), new Location(config.async().bucket(), ""),
        new Location(batch, "jobs/")));
    config.audit().bucket().ifPresent(b -> reserved.add(new Location(b, config.audit().prefix())));
    this.policy = S3SourcePolicy.of(allowed, reserved);
  }

  public S3SourcePolicy policy() {
    return policy;
  }
}
