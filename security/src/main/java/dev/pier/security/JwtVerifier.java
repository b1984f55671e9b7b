package dev.pier.security;

import dev.pier.kernel.security.Principal;
import dev.pier.kernel.security.AccessDenied;
import dev.pier.kernel.security.Grant;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Verifies bearer JWTs: signature against the issuer's JWKS (a local file, or an https URL fetched and cached with
 * key rotation handled by Nimbus), issuer, expiry, and whom the token was issued to. Cognito marks its tokens with
 * {@code token_use}: an access token names its app client in {@code client_id} and has no {@code aud}, an ID token
 * names it in {@code aud}; other issuers' tokens carry {@code aud}. A token is for this server when the claim its
 * kind uses names one of the configured audiences; a {@code token_use} other than {@code access} or {@code id}, or
 * other than the one configured, is refused. Roles come from group claims
 * ({@code cognito:groups}, {@code groups}, {@code roles} by default) whose values are {@link Grant}s such as {@code
 * predictor} or {@code data-scientist:fraud-*}; values that are not grants (other groups) are ignored.
 * Thread-safe.
 */
public final class JwtVerifier {
  private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384,
      JWSAlgorithm.RS512, JWSAlgorithm.PS256, JWSAlgorithm.ES256, JWSAlgorithm.ES384);
  private static final Set<String> TOKEN_USES = Set.of("access", "id");
  private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
  private final Set<String> audiences;
  private final String tokenUse;
  private final List<String> groupClaims;

  /**
   * @param jwks a file path, or an {@code https://} URL of the issuer's JWKS (plain http is refused: keys fetched
   *     over it can be swapped in transit, and every token signed with the swapped keys would pass)
   * @param audiences the audiences or Cognito app client ids a token must name; empty accepts any (local mode only:
   *     the server refuses to start that way in AWS mode)
   * @param tokenUse {@code access} or {@code id} to take only that kind of Cognito token; null takes both
   */
  public JwtVerifier(String issuer, String jwks, List<String> audiences, String tokenUse, List<String> groupClaims) {
    if (tokenUse != null && !TOKEN_USES.contains(tokenUse)) {
      throw new IllegalArgumentException("token use '" + tokenUse + "' is neither 'access' nor 'id'");
    }
    this.audiences = Set.copyOf(audiences);
    this.tokenUse = tokenUse;
    this.groupClaims = List.copyOf(groupClaims);
    processor.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS, source(jwks)));
    processor.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(null,
        new JWTClaimsSet.Builder().issuer(issuer).build(), Set.of("sub", "exp")));
  }

  private static JWKSource<SecurityContext> source(String jwks) {
    if (jwks.regionMatches(true, 0, "http://", 0, 7)) {
      throw new IllegalArgumentException("the JWKS URL " + jwks + " is plain http: use https (keys fetched over"
          + " http can be swapped in transit) or a local file");
    }
    if (jwks.startsWith("https://")) {
      try {
        return JWKSourceBuilder.create(URI.create(jwks).toURL()).build();
      } catch (MalformedURLException e) {
        throw new IllegalArgumentException("JWKS URL " + jwks + " is malformed", e);
      }
    }
    try {
      return new ImmutableJWKSet<>(JWKSet.parse(Files.readString(Path.of(jwks))));
    } catch (IOException e) {
      throw new UncheckedIOException("could not read the JWKS file " + jwks, e);
    } catch (ParseException e) {
      throw new IllegalArgumentException("the JWKS file " + jwks + " is not a JWK set: " + e.getMessage(), e);
    }
  }

  /** The caller the token names; 401 when it is not a valid, unexpired token from the configured issuer. */
  public Principal verify(String token) {
    JWTClaimsSet claims;
    try {
      claims = processor.process(token, null);
    } catch (ParseException e) {
      throw AccessDenied.unauthenticated("the bearer token is not a JWT (" + e.getMessage() + ")");
    } catch (BadJOSEException e) {
      throw AccessDenied.unauthenticated("the bearer token was rejected: " + e.getMessage());
    } catch (com.nimbusds.jose.JOSEException e) {
      throw AccessDenied.unauthenticated("the bearer token could not be verified: " + e.getMessage());
    } catch (RuntimeException e) {
      // the token is the caller's text: whatever a parser trips over in it is bad credentials, not a server fault
      throw AccessDenied.unauthenticated("the bearer token could not be read (" + e.getClass().getSimpleName() + ")");
    }
    checkRecipient(claims);
    return principal(claims.getClaims(), Principal.Kind.JWT, groupClaims);
  }

  /** 401 unless the token is a kind this server takes, issued to one of its audiences. */
  private void checkRecipient(JWTClaimsSet claims) {
    Object use = claims.getClaim("token_use");
    if (use != null && !TOKEN_USES.contains(use.toString())) {
      throw AccessDenied.unauthenticated("the bearer token's token_use is '" + use + "'; only access and ID tokens"
          + " are taken");
    }
    if (tokenUse != null && !tokenUse.equals(use)) {
      throw AccessDenied.unauthenticated("the bearer token's token_use is " + (use == null ? "missing" : "'" + use + "'")
          + "; this server takes only " + tokenUse + " tokens");
    }
    if (audiences.isEmpty()) {
      return;
    }
    List<String> aud = claims.getAudience();
    Object clientId = claims.getClaim("client_id");
    boolean byAudience = aud.stream().anyMatch(audiences::contains);
    boolean byClient = clientId != null && audiences.contains(clientId.toString());
    boolean forUs = use == null ? byAudience || byClient : use.equals("access") ? byClient : byAudience;
    if (!forUs) {
      throw AccessDenied.unauthenticated("the bearer token was issued for another application ("
          + (use != null && use.equals("access") ? "client_id " + clientId : "aud " + aud)
          + "), not for this server");
    }
  }

  /**
   * A principal from claims someone already verified (API Gateway's JWT authorizer passes them in the request
   * context, arrays flattened to strings such as {@code "[admin predictor]"}).
   */
  public static Principal principal(Map<String, ?> claims, Principal.Kind kind, List<String> groupClaims) {
    Object subject = claims.get("sub");
    if (subject == null || subject.toString().isBlank()) {
      throw AccessDenied.unauthenticated("the token has no subject ('sub' claim)");
    }
    List<Grant> grants = new ArrayList<>();
    for (String claim : groupClaims) {
      for (String value : values(claims.get(claim))) {
        try {
          grants.add(Grant.parse(value));
        } catch (IllegalArgumentException notOurs) {
          // a group that names no Pier role: other applications' groups live in the same pool
        }
      }
    }
    return new Principal("jwt:" + subject, kind, grants);
  }

  private static List<String> values(Object claim) {
    if (claim == null) {
      return List.of();
    }
    if (claim instanceof Collection<?> c) {
      return c.stream().map(Object::toString).toList();
    }
    String s = claim.toString().trim();
    if (s.startsWith("[") && s.endsWith("]")) {
      s = s.substring(1, s.length() - 1);
    }
    List<String> out = new ArrayList<>();
    for (String part : s.split("[,\\s]+")) {
      String v = part.trim();
      if (v.startsWith("\"") && v.endsWith("\"") && v.length() > 1) {
        v = v.substring(1, v.length() - 1);
      }
      if (!v.isEmpty()) {
        out.add(v);
      }
    }
    return out;
  }
}
