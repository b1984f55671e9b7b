package dev.pier.api;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.Map;

/**
 * Local mode requiring signed artifacts. A fresh P-256 key pair per test JVM: the public key as the PEM file Pier
 * reads, the private key (PKCS#8, base64) next to it for the test to sign with.
 */
public class SigningProfile implements QuarkusTestProfile {
  static final Path DIR = Path.of("target/test-signing/" + ProcessHandle.current().pid()).toAbsolutePath();
  static final Path PUBLIC_KEY = DIR.resolve("signing-pub.pem");
  static final Path PRIVATE_KEY = DIR.resolve("signing-key.pkcs8");

  @Override
  public Map<String, String> getConfigOverrides() {
    try {
      if (!Files.exists(PUBLIC_KEY)) {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        var pair = g.generateKeyPair();
        Files.createDirectories(DIR);
        Files.writeString(PRIVATE_KEY, Base64.getEncoder().encodeToString(pair.getPrivate().getEncoded()));
        Files.writeString(PUBLIC_KEY, "-----BEGIN PUBLIC KEY-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(pair.getPublic().getEncoded())
            + "\n-----END PUBLIC KEY-----\n");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    return Map.of("pier.artifacts.require-signature", "true",
        "pier.artifacts.signing-public-key", PUBLIC_KEY.toString());
  }
}
