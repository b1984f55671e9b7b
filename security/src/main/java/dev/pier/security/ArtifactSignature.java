package dev.pier.security;

import dev.pier.kernel.PierException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;

/**
 * Checks a model version's signature over its artifact: ECDSA on the NIST P-256 curve with SHA-256 (what AWS KMS
 * calls {@code ECC_NIST_P256} with {@code ECDSA_SHA_256}), DER-encoded and base64'd. What is signed is the
 * artifact's SHA-256 digest, so {@code openssl dgst -sha256 -sign key.pem model.onnx} and KMS {@code Sign} with
 * {@code MessageType=DIGEST} over that digest produce the same kind of signature, and verification needs only the
 * digest the registry already records (JCA {@code NONEwithECDSA}), never the artifact's bytes again.
 *
 * <p>The signature lives in the version's properties under {@link #PROPERTY}. With {@code required}, registration
 * refuses unsigned or badly signed versions (400) and loading refuses a version whose recorded digest and signature
 * no longer verify (500: the registry or the key was tampered with). Immutable, thread-safe.
 */
public final class ArtifactSignature {
  public static final String PROPERTY = "pier.artifact-signature";
  private final PublicKey key;
  private final boolean required;

  /** @param key the verifying key; null only when signatures are not required (then none can be checked) */
  public ArtifactSignature(PublicKey key, boolean required) {
    if (required && key == null) {
      throw new IllegalStateException("artifact signatures are required but no public key is configured: set"
          + " pier.artifacts.signing-public-key (a PEM file) or pier.artifacts.signing-kms-key-id");
    }
    if (key != null && !(key instanceof ECPublicKey ec && ec.getParams().getCurve().getField().getFieldSize() == 256)) {
      throw new IllegalStateException("the artifact signing key must be an EC P-256 public key (KMS ECC_NIST_P256)");
    }
    this.key = key;
    this.required = required;
  }

  public boolean required() {
    return required;
  }

  /**
   * At registration: 400 when a signature is required and missing, or when one is given and does not verify
   * against the artifact's digest.
   */
  public void checkRegistration(String sha256Hex, Map<String, String> properties) {
    String signature = properties.get(PROPERTY);
    if (signature == null) {
      if (required) {
        throw PierException.badRequest("this Pier requires signed artifacts: add metadata.artifact_signature, the"
            + " base64 ECDSA P-256 signature of the artifact's SHA-256 (" + sha256Hex + ")");
      }
      return;
    }
    if (key == null) {
      throw PierException.badRequest("metadata.artifact_signature was given but this Pier has no signing public key"
          + " to check it with (pier.artifacts.signing-public-key)");
    }
    if (!verifies(key, sha256Hex, signature)) {
      throw PierException.badRequest("metadata.artifact_signature does not verify: it is not a signature of this"
          + " artifact (SHA-256 " + sha256Hex + ") by the configured signing key");
    }
  }

  /** Before a version is loaded: refuses (500) one whose signature is required and missing or does not verify. */
  public void checkLoad(String model, int version, String sha256Hex, String signature) {
    if (!required) {
      return;
    }
    if (signature == null || !verifies(key, sha256Hex, signature)) {
      throw new PierException(500, "refusing to load " + model + " v" + version + ": its artifact signature "
          + (signature == null ? "is missing" : "does not verify with the configured signing key")
          + " (SHA-256 " + sha256Hex + ")");
    }
  }

  /** Whether {@code base64Der} is a valid ECDSA signature by {@code key} over the SHA-256 digest {@code sha256Hex}. */
  public static boolean verifies(PublicKey key, String sha256Hex, String base64Der) {
    try {
      byte[] digest = HexFormat.of().parseHex(sha256Hex);
      byte[] der = Base64.getDecoder().decode(base64Der.strip());
      Signature ecdsa = Signature.getInstance("NONEwithECDSA");
      ecdsa.initVerify(key);
      ecdsa.update(digest);
      return ecdsa.verify(der);
    } catch (IllegalArgumentException | GeneralSecurityException e) {
      return false; // not base64, not DER, not hex: not a valid signature
    }
  }

  /** A public key from X.509 SubjectPublicKeyInfo DER (what KMS {@code GetPublicKey} returns). */
  public static PublicKey publicKey(byte[] der) {
    try {
      return KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(der));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("not an EC public key: " + e.getMessage(), e);
    }
  }

  /** A public key from a PEM file ({@code -----BEGIN PUBLIC KEY-----}, as {@code openssl ec -pubout} writes). */
  public static PublicKey publicKeyPem(Path file) {
    try {
      String pem = Files.readString(file);
      int begin = pem.indexOf("-----BEGIN PUBLIC KEY-----");
      int end = pem.indexOf("-----END PUBLIC KEY-----");
      if (begin < 0 || end < begin) {
        throw new IllegalStateException(file + " holds no PEM public key (-----BEGIN PUBLIC KEY-----)");
      }
      String body = pem.substring(begin + "-----BEGIN PUBLIC KEY-----".length(), end).replaceAll("\\s", "");
      return publicKey(Base64.getDecoder().decode(body));
    } catch (IOException e) {
      throw new UncheckedIOException("could not read the signing public key " + file, e);
    }
  }
}
