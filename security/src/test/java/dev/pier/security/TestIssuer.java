package dev.pier.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.Date;
import java.util.List;

/** A JWT issuer for tests: an RSA key pair made by the JDK, its public JWKS written to a file. */
final class TestIssuer {
  static final String ISSUER = "https://issuer.test";
  private final KeyPair keys;

  TestIssuer() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(2048);
      keys = g.generateKeyPair();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  Path writeJwks(Path file) throws IOException {
    RSAKey jwk = new RSAKey.Builder((RSAPublicKey) keys.getPublic()).keyID("k1").build();
    Files.writeString(file, new JWKSet(jwk).toString());
    return file;
  }

  String token(String subject, List<String> groups, Instant expires) {
    return token(ISSUER, subject, groups, expires);
  }

  /** A token from {@link #ISSUER} for {@code alice}, good for a minute, carrying {@code claims} as well. */
  String tokenWith(java.util.Map<String, Object> claims) {
    try {
      JWTClaimsSet.Builder b = new JWTClaimsSet.Builder().issuer(ISSUER).subject("alice")
          .claim("cognito:groups", List.of("admin")).expirationTime(Date.from(Instant.now().plusSeconds(60)));
      claims.forEach(b::claim);
      SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k1").build(), b.build());
      jwt.sign(new RSASSASigner((RSAPrivateKey) keys.getPrivate()));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  String token(String issuer, String subject, List<String> groups, Instant expires) {
    try {
      SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k1").build(),
          new JWTClaimsSet.Builder().issuer(issuer).subject(subject).claim("cognito:groups", groups)
              .expirationTime(Date.from(expires)).build());
      jwt.sign(new RSASSASigner((RSAPrivateKey) keys.getPrivate()));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }
}
