package dev.pier.api.security;

import dev.pier.api.PierConfig;
import dev.pier.registry.ModelRegistry;
import dev.pier.runtime.ModelCache;
import dev.pier.api.registry.ArtifactsConfig;

import dev.pier.kernel.PierException;
import dev.pier.security.ArtifactSignature;
import dev.pier.registry.ArtifactStore;
import dev.pier.security.ArtifactSignature;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.Optional;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;

/**
 * Optional signing of model artifacts. With {@code pier.artifacts.require-signature=true}, registration takes only
 * versions whose {@code metadata.artifact_signature} verifies (400 otherwise) and the model cache verifies it again
 * before loading. The public key is a PEM file ({@code pier.artifacts.signing-public-key}) or, in AWS, fetched once
 * at start from KMS ({@code pier.artifacts.signing-kms-key-id}, an ECC_NIST_P256 SIGN_VERIFY key). Verification is
 * plain JCA ({@link ArtifactSignature}); KMS is only asked for the public key.
 */
@Singleton
public class ArtifactSigning {
  private final ArtifactSignature signature;

  public ArtifactSigning(PierConfig pier, ModelCache models, ModelRegistry registry, ArtifactsConfig config) {
    boolean required = config.requireSignature();
    Optional<Path> pemFile = config.signingPublicKey();
    Optional<String> kmsKeyId = config.signingKmsKeyId();
    if (pemFile.isPresent() && kmsKeyId.isPresent()) {
      throw new IllegalStateException("set pier.artifacts.signing-public-key or pier.artifacts.signing-kms-key-id,"
          + " not both");
    }
    PublicKey key = pemFile.map(ArtifactSignature::publicKeyPem)
        .or(() -> kmsKeyId.map(id -> fromKms(id, pier.region().orElse(null))))
        .orElse(null);
    this.signature = new ArtifactSignature(key, required);
    models.verifySignaturesWith(signature);
    registry.verifySignaturesWith(signature); // every way of registering, not only this class's callers
    if (required) {
      Log.infof("artifact signatures are required (key from %s)", pemFile.map(Path::toString)
          .orElseGet(() -> "KMS " + kmsKeyId.orElseThrow()));
    }
  }

  void onStart(@Observes StartupEvent event) {
    // built at start, so a missing or malformed key stops the server before it serves, and the cache checks loads
  }

  public boolean required() {
    return signature.required();
  }

  /** One {@code GetPublicKey} call; the key is cached for the life of the process. */
  private static PublicKey fromKms(String keyId, String region) {
    var builder = KmsClient.builder().httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create());
    if (region != null) {
      builder.region(Region.of(region));
    }
    try (KmsClient kms = builder.build()) {
      var response = kms.getPublicKey(b -> b.keyId(keyId));
      if (!"ECC_NIST_P256".equals(response.keySpecAsString())) {
        throw new IllegalStateException("KMS key " + keyId + " is " + response.keySpecAsString()
            + "; artifact signing needs an ECC_NIST_P256 SIGN_VERIFY key");
      }
      return ArtifactSignature.publicKey(response.publicKey().asByteArray());
    }
  }
}
