package dev.pier.security.privacy;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A data subject's id (a user id, an e-mail…) as Pier stores it: HMAC-SHA256 under a secret key, so records can be
 * found again for erasure but the id cannot be read back or guessed from a list of likely e-mails without the key.
 */
public final class SubjectHash {
  private final byte[] key;

  public SubjectHash(byte[] key) {
    if (key.length < 16) {
      throw new IllegalArgumentException("the subject key must have at least 16 bytes");
    }
    this.key = key.clone();
  }

  public String of(String subject) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(subject.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
