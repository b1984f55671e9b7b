package dev.pier.api.security;

import io.smallrye.config.ConfigMapping;
import java.util.List;
import java.util.Optional;

/**
 * {@code pier.outbound.*}: the URLs Pier calls out to (webhooks, async callbacks); see
 * {@link dev.pier.security.outbound.OutboundUrlPolicy} and README, "Security".
 */
@ConfigMapping(prefix = "pier.outbound")
public interface OutboundConfig {
  /**
   * Host names, addresses and CIDR ranges Pier may call although they are internal (loopback, private, link-local,
   * CGNAT, unique-local): e.g. {@code hooks.internal.example,10.20.0.0/16}. Unset: none.
   */
  Optional<List<String>> allowedHosts();
}
