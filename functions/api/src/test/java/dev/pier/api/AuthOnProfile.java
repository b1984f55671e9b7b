package dev.pier.api;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.nio.file.Path;
import java.util.Map;

/**
 * Local mode with authentication on: JWTs from {@link TestTokens}' issuer, every prediction sampled into the audit
 * trail with its (masked) input, the HTTP access log on and logging to a file the tests read.
 */
public class AuthOnProfile implements QuarkusTestProfile {
  /** The same in the test's and Quarkus' class loaders (a random one would differ), fresh for each test JVM. */
  static final String RUN = Long.toString(ProcessHandle.current().pid());
  static final Path LOG = Path.of("target/test-auth/server-" + RUN + ".log").toAbsolutePath();
  static final Path ADMIN_KEY = Path.of("target/test-auth/admin-" + RUN + ".key").toAbsolutePath();

  @Override
  public Map<String, String> getConfigOverrides() {
    return Map.ofEntries(
        Map.entry("pier.auth.enabled", "true"),
        Map.entry("pier.auth.jwt.issuer", TestTokens.ISSUER),
        Map.entry("pier.auth.jwt.jwks", TestTokens.JWKS.toString()),
        Map.entry("pier.auth.admin-key-file", ADMIN_KEY.toString()),
        // every test here fails authentication from 127.0.0.1 now and then; FailedAuthenticationLimitTest checks the limit
        Map.entry("pier.auth.failed-attempts.max", "100000"),
        Map.entry("pier.audit.prediction-sample-rate", "1"),
        Map.entry("pier.audit.include-input", "true"),
        Map.entry("quarkus.log.file.enabled", "true"),
        Map.entry("quarkus.log.file.path", LOG.toString()),
        Map.entry("quarkus.log.category.\"dev.pier\".level", "DEBUG"),
        Map.entry("quarkus.http.access-log.enabled", "true"),
        Map.entry("quarkus.http.access-log.pattern", "%r %s unit=%{i,X-Pier-Unit} subject=%{i,X-Pier-Subject}"));
  }
}
