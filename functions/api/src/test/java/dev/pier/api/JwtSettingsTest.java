package dev.pier.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Issue 23.7: what bearer-JWT configuration a server starts with. Plain JUnit: {@link Security#jwtVerifier}. */
class JwtSettingsTest {
  private static PierConfig.Jwt jwt(String jwks, List<String> audience) {
    return new PierConfig.Jwt() {
      @Override
      public Optional<String> issuer() {
        return Optional.of(TestTokens.ISSUER);
      }

      @Override
      public Optional<String> jwks() {
        return Optional.of(jwks);
      }

      @Override
      public Optional<List<String>> audience() {
        return Optional.ofNullable(audience);
      }

      @Override
      public Optional<String> tokenUse() {
        return Optional.empty();
      }

      @Override
      public List<String> groupsClaims() {
        return List.of("cognito:groups");
      }
    };
  }

  @Test
  void awsModeWithAuthenticationOnRefusesToStartWithoutAJwtAudience() {
    assertThatThrownBy(() -> Security.jwtVerifier(jwt(TestTokens.JWKS.toString(), null), true))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("pier.auth.jwt.audience is required");
    assertThat(Security.jwtVerifier(jwt(TestTokens.JWKS.toString(), List.of("client-1")), true)).isNotNull();
    assertThat(Security.jwtVerifier(jwt(TestTokens.JWKS.toString(), null), false)).as("local mode").isNotNull();
  }

  @Test
  void aPlainHttpJwksUrlRefusesToStart() {
    assertThatThrownBy(() -> Security.jwtVerifier(jwt("http://issuer.test/.well-known/jwks.json", List.of("c")), true))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("pier.auth.jwt")
        .hasMessageContaining("plain http");
  }
}
