package dev.pier.security;

import dev.pier.kernel.security.Credentials;
import dev.pier.kernel.security.AccessDenied;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 23.11: failed authentications are limited per source. The clock is a counter the test moves. */
class FailedAuthenticationsTest {
  private final AtomicLong now = new AtomicLong(1_000);
  private final FailedAuthentications failures = new FailedAuthentications(3, Duration.ofMinutes(1), now::get);

  private static void isRateLimited(Runnable check, long seconds) {
    assertThatThrownBy(check::run).isInstanceOfSatisfying(AccessDenied.class, e -> {
      assertThat(e.status()).isEqualTo(429);
      assertThat(e.retryAfterSeconds()).isEqualTo(seconds);
    });
  }

  @Test
  void aSourceIsRefusedAfterMaxFailuresUntilOneHasDrained() {
    for (int i = 0; i < 3; i++) {
      failures.checkAllowed("10.0.0.1");
      failures.record("10.0.0.1");
    }
    isRateLimited(() -> failures.checkAllowed("10.0.0.1"), 20); // 3 per minute drain one every 20 s
    failures.checkAllowed("10.0.0.2");
    now.addAndGet(Duration.ofSeconds(20).toNanos());
    failures.checkAllowed("10.0.0.1");
  }

  @Test
  void aZeroLimitIsNotLimited() {
    FailedAuthentications off = new FailedAuthentications(0, Duration.ZERO, now::get);
    for (int i = 0; i < 10; i++) {
      off.record("10.0.0.1");
      off.record(null);
    }
    off.checkAllowed("10.0.0.1");
    off.checkAllowed(null);
  }

  @Test
  void requestsWithoutAKnownSourceShareOneBucketRatherThanGoingUnlimited() {
    for (int i = 0; i < 3; i++) {
      failures.checkAllowed(null);
      failures.record(null);
    }
    isRateLimited(() -> failures.checkAllowed(null), 20);
    assertThatThrownBy(() -> failures.checkAllowed(null)).hasMessageContaining("from an unknown address");
    failures.checkAllowed("10.0.0.1"); // a known address has its own bucket
    now.addAndGet(Duration.ofSeconds(20).toNanos());
    failures.checkAllowed(null);
  }

  @Test
  void aSourceOverItsFailedAuthenticationsGets429WithoutItsCredentialsBeingChecked(@TempDir Path dir)
      throws Exception {
    TestIssuer issuer = new TestIssuer();
    List<String> groups = List.of("cognito:groups");
    JwtVerifier jwt = new JwtVerifier(TestIssuer.ISSUER, issuer.writeJwks(dir.resolve("jwks.json")).toString(),
        List.of(), null, groups);
    Gatekeeper gatekeeper = new Gatekeeper(true, jwt, null, new RateLimiter(0, 0), failures, groups);
    Credentials forged = bearer(new TestIssuer().token("mallory", List.of("admin"), Instant.now().plusSeconds(60)));
    Credentials valid = bearer(issuer.token("alice", List.of("admin"), Instant.now().plusSeconds(60)));
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> gatekeeper.authenticate(forged, null, "10.0.0.9"))
          .isInstanceOfSatisfying(AccessDenied.class, e -> assertThat(e.status()).isEqualTo(401));
    }
    isRateLimited(() -> gatekeeper.authenticate(valid, null, "10.0.0.9"), 20);
    assertThat(gatekeeper.authenticate(valid, null, "10.0.0.10").id()).isEqualTo("jwt:alice");
    // no credentials guess nothing: not counted, and still the plain 401
    assertThatThrownBy(() -> gatekeeper.authenticate(new Credentials.None(), null, "10.0.0.11"))
        .isInstanceOfSatisfying(AccessDenied.class, e -> assertThat(e.status()).isEqualTo(401));
  }

  private static Credentials bearer(String token) {
    return Credentials.from(h -> h.equals("Authorization") ? "Bearer " + token : null);
  }
}
