package dev.pier.kernel.security;

import java.util.List;

/**
 * An authenticated caller: who (the JWT subject or the API key's id) and what they were granted.
 *
 * @param id stable identifier written to the audit trail: {@code jwt:<subject>}, {@code key:<key id>} or
 *     {@code local} when authentication is off
 * @param ratePerSecond this caller's own request rate limit, or 0 for the configured default
 */
public record Principal(String id, Kind kind, List<Grant> grants, double ratePerSecond) {
  /** How the caller proved who they are. */
  public enum Kind {
    JWT,
    API_KEY,
    /** Claims an API gateway verified before the request reached us (Lambda behind the JWT authorizer). */
    GATEWAY,
    /** Authentication is off (local mode on 127.0.0.1): the single local user may do everything. */
    OPEN,
    /** Pier itself, acting outside any request (the first admin key written at start-up). */
    SYSTEM
  }

  private static final Principal OPEN_PRINCIPAL = new Principal("local", Kind.OPEN, List.of(Grant.of(Role.ADMIN, "*")), 0);
  private static final Principal SYSTEM_PRINCIPAL =
      new Principal("system", Kind.SYSTEM, List.of(Grant.of(Role.ADMIN, "*")), 0);

  public Principal {
    grants = List.copyOf(grants);
  }

  public Principal(String id, Kind kind, List<Grant> grants) {
    this(id, kind, grants, 0);
  }

  public static Principal open() {
    return OPEN_PRINCIPAL;
  }

  public static Principal system() {
    return SYSTEM_PRINCIPAL;
  }

  /** Whether this caller holds everything {@code grant} gives, on every model it can reach. */
  public boolean holds(Grant grant) {
    for (Permission p : grant.permissions()) {
      if (grants.stream().noneMatch(g -> g.includes(p, grant.modelPattern()))) {
        return false;
      }
    }
    return true;
  }

  public boolean allows(Permission permission, String model) {
    for (Grant g : grants) {
      if (g.allows(permission, model)) {
        return true;
      }
    }
    return false;
  }

  public boolean allowsSomeModel(Permission permission) {
    for (Grant g : grants) {
      if (g.allowsSomeModel(permission)) {
        return true;
      }
    }
    return false;
  }
}
