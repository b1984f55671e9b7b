package dev.pier.api.registry;

import dev.pier.api.security.ArtifactSigning;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code pier.artifacts.*}: signing of model artifacts (see {@link ArtifactSigning}) and the sweep of what
 * interrupted registrations leave behind (see {@link ArtifactSweeper}).
 */
@ConfigMapping(prefix = "pier.artifacts")
public interface ArtifactsConfig {
  /** Refuse versions without a valid artifact signature, at registration and at load. */
  @WithDefault("false")
  boolean requireSignature();

  /** The verifying key as a PEM file ({@code -----BEGIN PUBLIC KEY-----}); local mode and containers. */
  Optional<Path> signingPublicKey();

  /** A KMS key (id, alias or ARN; ECC_NIST_P256, SIGN_VERIFY) whose public key is fetched once at start. */
  Optional<String> signingKmsKeyId();

  /**
   * How long an unreferenced stored artifact, a completed upload or a temporary upload file is left alone before a
   * sweep removes it: longer than any registration takes (hashing, checking and storing a 10 GB model), since a
   * registration stores its artifact before it writes its version.
   */
  @WithDefault("1h")
  java.time.Duration sweepGrace();

  /** Multipart uploads of artifacts started this long ago and never completed are aborted (local mode's sweep). */
  @WithDefault("24h")
  java.time.Duration abortIncompleteUploadsAfter();

  /** How often the sweep runs (it also runs at start). */
  @WithDefault("1h")
  java.time.Duration sweepInterval();
}
