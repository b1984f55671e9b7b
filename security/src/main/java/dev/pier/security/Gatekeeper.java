package dev.pier.security;

import dev.pier.kernel.security.Principal;
import dev.pier.kernel.security.Permission;
import dev.pier.kernel.security.Role;
import dev.pier.kernel.security.Credentials;
import dev.pier.kernel.security.AccessDenied;
import dev.pier.kernel.security.Grant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The one policy check of every front end. {@link #admit} authenticates the caller, applies their rate limit and
 * checks one permission on one model (or on the platform when the model is null); it returns the principal or
 * throws {@link AccessDenied} (401, 403 or 429) with a message that says what is missing. REST calls it from a
 * request filter, gRPC from a server interceptor, the MLflow API from its own routes; each maps the denial to its
 * error format.
 *
 * <p>When authentication is off (local mode on 127.0.0.1 only), a request without credentials is the single local
 * user, allowed everything; credentials that are sent are still verified, so roles can be tried out locally.
 * Thread-safe.
 */
public final class Gatekeeper {
  private final boolean authRequired;
  private final JwtVerifier jwt;
  private final ApiKeys apiKeys;
  private final RateLimiter rateLimiter;
  private final FailedAuthentications failures;
  private final List<String> groupClaims;

  /**
   * @param jwt null when no issuer is configured (bearer JWTs are then refused)
   * @param apiKeys null when this deployment takes no API keys
   * @param failures failed authentications per source, refused once a source has used them up
   * @param groupClaims the claims whose values are grants, for claims an API gateway verified
   */
  public Gatekeeper(boolean authRequired, JwtVerifier jwt, ApiKeys apiKeys, RateLimiter rateLimiter,
      FailedAuthentications failures, List<String> groupClaims) {
    this.authRequired = authRequired;
    this.jwt = jwt;
    this.apiKeys = apiKeys;
    this.rateLimiter = rateLimiter;
    this.failures = failures;
    this.groupClaims = List.copyOf(groupClaims);
  }

  public boolean authRequired() {
    return authRequired;
  }

  /**
   * Authenticates, rate-limits and authorizes in one step.
   *
   * @param gatewayClaims claims an API gateway verified for this request, or null when it came another way
   * @param source the client's address, whose failed authentications are limited; null when unknown
   * @param model the model acted on; null for platform actions
   */
  public Principal admit(Credentials credentials, Map<String, ?> gatewayClaims, String source, Permission permission,
      String model) {
    Principal principal = identify(credentials, gatewayClaims, source);
    authorize(principal, permission, model);
    return principal;
  }

  /**
   * Who is calling, within their request rate: {@link #authenticate} and the principal's rate limit, the part of
   * {@link #admit} that needs no route (REST runs it before a request is matched to one).
   */
  public Principal identify(Credentials credentials, Map<String, ?> gatewayClaims, String source) {
    Principal principal = authenticate(credentials, gatewayClaims, source);
    rateLimiter.acquire(principal.id(), principal.ratePerSecond());
    return principal;
  }

  /**
   * Who is calling; 401 without valid credentials (unless authentication is off and none were sent), 429 without
   * looking at them when {@code source} has failed too often ({@link FailedAuthentications}).
   */
  public Principal authenticate(Credentials credentials, Map<String, ?> gatewayClaims, String source) {
    if (gatewayClaims != null && !gatewayClaims.isEmpty()) {
      return JwtVerifier.principal(gatewayClaims, Principal.Kind.GATEWAY, groupClaims);
    }
    if (credentials instanceof Credentials.None) {
      return verify(credentials);
    }
    failures.checkAllowed(source);
    try {
      return verify(credentials);
    } catch (AccessDenied e) {
      if (e.status() == 401) {
        failures.record(source);
      }
      throw e;
    }
  }

  private Principal verify(Credentials credentials) {
    return switch (credentials) {
      case Credentials.None n -> {
        if (authRequired) {
          throw AccessDenied.unauthenticated("authentication required: send 'Authorization: Bearer <JWT or API key>'"
              + " or '" + Credentials.API_KEY_HEADER + ": <API key>'");
        }
        yield Principal.open();
      }
      case Credentials.Malformed m -> throw AccessDenied.unauthenticated(m.problem());
      case Credentials.BearerJwt b -> {
        if (jwt == null) {
          throw AccessDenied.unauthenticated("this server accepts no JWTs (no issuer is configured: set"
              + " pier.auth.jwt.issuer and pier.auth.jwt.jwks); use an API key");
        }
        yield jwt.verify(b.token());
      }
      case Credentials.ApiKey k -> {
        if (apiKeys == null) {
          throw AccessDenied.unauthenticated("this server accepts no API keys");
        }
        yield apiKeys.verify(k.key());
      }
    };
  }

  /** 403 unless {@code principal} may do {@code permission} on {@code model} (on the platform when null). */
  public static void authorize(Principal principal, Permission permission, String model) {
    if (principal.allows(permission, model)) {
      return;
    }
    String granted = principal.grants().isEmpty() ? "no Pier roles"
        : principal.grants().stream().map(Grant::toString).collect(Collectors.joining(", "));
    String roles = Arrays.stream(Role.values()).filter(r -> r.permissions().contains(permission)).map(Role::id)
        .collect(Collectors.joining(", "));
    String what = model == null || permission.platformWide() ? permission.id() + " on the platform"
        : permission.id() + " on model '" + model + "'";
    throw AccessDenied.forbidden(principal.id() + " (" + granted + ") may not " + what + "; that needs role "
        + roles + (permission.platformWide() || model == null ? " on all models" : " on this model"));
  }

  /**
   * 403 unless {@code principal} holds every one of {@code grants} (permissions and model patterns) and, when it is
   * rate-limited itself, {@code ratePerSecond} is a limit no looser than its own: nobody hands on more than they have.
   */
  public static void authorizeGranting(Principal principal, List<Grant> grants, double ratePerSecond) {
    List<String> missing = grants.stream().filter(g -> !principal.holds(g)).map(Grant::toString).toList();
    if (!missing.isEmpty()) {
      String held = principal.grants().isEmpty() ? "no Pier roles"
          : principal.grants().stream().map(Grant::toString).collect(Collectors.joining(", "));
      throw AccessDenied.forbidden(principal.id() + " (" + held + ") may not grant " + String.join(", ", missing)
          + ": a key may carry only roles and model patterns its creator holds (admin on all models may grant any)");
    }
    if (principal.ratePerSecond() > 0 && (ratePerSecond <= 0 || ratePerSecond > principal.ratePerSecond())) {
      throw AccessDenied.forbidden(principal.id() + " is limited to " + principal.ratePerSecond()
          + " requests per second and may not create a key with a looser limit; set rate_per_second to at most that");
    }
  }

  /**
   * 403 unless {@code principal} holds every grant of the key {@code keyId} ({@code grants}): a caller may revoke only a
   * key it could have created, so a holder of the {@code keys} permission cannot revoke an admin's key and lock the
   * admins out.
   */
  public static void authorizeRevoking(Principal principal, String keyId, List<Grant> grants) {
    List<String> missing = grants.stream().filter(g -> !principal.holds(g)).map(Grant::toString).toList();
    if (!missing.isEmpty()) {
      String held = principal.grants().isEmpty() ? "no Pier roles"
          : principal.grants().stream().map(Grant::toString).collect(Collectors.joining(", "));
      throw AccessDenied.forbidden(principal.id() + " (" + held + ") may not revoke API key " + keyId
          + ", which carries " + String.join(", ", missing) + ": a key may be revoked only by a caller holding every"
          + " role and model pattern it carries (admin on all models may revoke any)");
    }
  }

  /** 403 unless {@code principal} holds {@code permission} on at least one model (for listings it then filters). */
  public static void authorizeSomeModel(Principal principal, Permission permission) {
    if (!principal.allowsSomeModel(permission)) {
      authorize(principal, permission, null);
    }
  }
}
