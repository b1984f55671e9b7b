package dev.pier.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.kernel.PierException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArtifactSignatureTest {
  private static final byte[] ARTIFACT = "model bytes".getBytes();
  private static final String SHA = sha256(ARTIFACT);

  @Test
  void anEcdsaP256SignatureOverTheArtifactVerifiesFromItsDigestAlone() throws Exception {
    KeyPair key = p256();
    assertThat(ArtifactSignature.verifies(key.getPublic(), SHA, sign(key, ARTIFACT))).isTrue();
  }

  @Test
  void aSignatureOfOtherBytesByAnotherKeyOrNotBase64DoesNotVerify() throws Exception {
    KeyPair key = p256();
    assertThat(ArtifactSignature.verifies(key.getPublic(), SHA, sign(key, "other".getBytes()))).isFalse();
    assertThat(ArtifactSignature.verifies(p256().getPublic(), SHA, sign(key, ARTIFACT))).isFalse();
    assertThat(ArtifactSignature.verifies(key.getPublic(), SHA, "not base64!")).isFalse();
    assertThat(ArtifactSignature.verifies(key.getPublic(), SHA, Base64.getEncoder().encodeToString(new byte[8])))
        .isFalse();
  }

  @Test
  void theDocumentedOpensslCommandsProduceAKeyAndASignaturePierAccepts(@TempDir Path dir) throws Exception {
    Files.write(dir.resolve("model.onnx"), ARTIFACT);
    run(dir, "openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "signing-key.pem");
    run(dir, "openssl", "ec", "-in", "signing-key.pem", "-pubout", "-out", "signing-pub.pem");
    run(dir, "sh", "-c", "openssl dgst -sha256 -sign signing-key.pem model.onnx | base64 -w0 > model.sig");
    var key = ArtifactSignature.publicKeyPem(dir.resolve("signing-pub.pem"));
    new ArtifactSignature(key, true).checkRegistration(SHA,
        Map.of(ArtifactSignature.PROPERTY, Files.readString(dir.resolve("model.sig"))));
  }

  @Test
  void registrationIs400WhenRequiredAndMissingOrWhenTheSignatureIsWrong() throws Exception {
    KeyPair key = p256();
    ArtifactSignature required = new ArtifactSignature(key.getPublic(), true);
    assertThatThrownBy(() -> required.checkRegistration(SHA, Map.of())).isInstanceOf(PierException.class)
        .hasMessageContaining("requires signed artifacts").extracting(e -> ((PierException) e).status()).isEqualTo(400);
    String wrong = sign(p256(), ARTIFACT);
    assertThatThrownBy(() -> required.checkRegistration(SHA, Map.of(ArtifactSignature.PROPERTY, wrong)))
        .isInstanceOf(PierException.class).hasMessageContaining("does not verify");
  }

  @Test
  void requiringSignaturesWithoutAKeyOrWithANonP256KeyRefusesToStart() throws Exception {
    assertThatThrownBy(() -> new ArtifactSignature(null, true)).hasMessageContaining("no public key is configured");
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    assertThatThrownBy(() -> new ArtifactSignature(rsa.generateKeyPair().getPublic(), true))
        .hasMessageContaining("EC P-256");
  }

  static KeyPair p256() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  static String sign(KeyPair key, byte[] bytes) throws Exception {
    Signature ecdsa = Signature.getInstance("SHA256withECDSA");
    ecdsa.initSign(key.getPrivate());
    ecdsa.update(bytes);
    return Base64.getEncoder().encodeToString(ecdsa.sign());
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void run(Path dir, String... command) throws Exception {
    Process p = new ProcessBuilder(List.of(command)).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0).as(String.join(" ", command) + ": " + out)
        .isTrue();
  }
}
