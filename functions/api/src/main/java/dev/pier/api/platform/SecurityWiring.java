package dev.pier.api.platform;

import dev.pier.api.Security;
import dev.pier.security.ApiKeys;
import dev.pier.security.Gatekeeper;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The parts of {@link Security} that consumers can take on their own, so that a class needing only API keys or the
 * gatekeeper is injected with that rather than with the whole of {@code Security}. {@code Security} still builds them
 * once per process (it decides whether the server may run open). Wiring only.
 */
@Singleton
public class SecurityWiring {
  @Produces
  @Singleton
  Gatekeeper gatekeeper(Security security) {
    return security.gatekeeper();
  }

  @Produces
  @Singleton
  ApiKeys apiKeys(Security security) {
    return security.apiKeys();
  }
}
