package dev.pier.runtime.prediction;

import dev.pier.kernel.security.Credentials;
import dev.pier.security.Gatekeeper;
import dev.pier.kernel.security.Permission;

/**
 * {@link Slot#ADMIT}: the shared policy check ({@link Gatekeeper}: authentication, the caller's rate limit and
 * permission to predict with the model) for ways in that did not authenticate the caller themselves. Presented
 * credentials may need I/O (an API key is read from DynamoDB, a JWT issuer's keys fetched): without a budget to block,
 * such a call declines; an anonymous one is checked at once.
 */
public final class AuthorizeStage implements Stage {
  private static final Credentials NONE = new Credentials.None();
  private final Gatekeeper gatekeeper;

  public AuthorizeStage(Gatekeeper gatekeeper) {
    this.gatekeeper = gatekeeper;
  }

  @Override
  public boolean apply(PredictionCall call) {
    if (call.principal() != null) {
      return true;
    }
    Credentials credentials = call.credentials() == null ? NONE : call.credentials();
    if (!(credentials instanceof Credentials.None) && !call.budget().mayBlock()) {
      return false;
    }
    call.admitted(gatekeeper.admit(credentials, call.gatewayClaims(), call.source(), Permission.PREDICT, call.model())
        .id());
    return true;
  }
}
