package dev.pier.api;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.util.Optional;

/** {@code pier.artifacts.*}: signing of model artifacts (see {@link ArtifactSigning}). */
@ConfigMapping(prefix = "pier.artifacts")
public interface ArtifactsConfig {
  /** Refuse versions without a valid artifact signature, at registration and at load. */
  @WithDefault("false")
  boolean requireSignature();

  /** The verifying key as a PEM file ({@code -----BEGIN PUBLIC KEY-----}); local mode and containers. */
  Optional<Path> signingPublicKey();

  /** A KMS key (id, alias or ARN; ECC_NIST_P256, SIGN_VERIFY) whose public key is fetched once at start. */
  Optional<String> signingKmsKeyId();
}
