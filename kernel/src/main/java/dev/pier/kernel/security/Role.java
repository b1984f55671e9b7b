package dev.pier.kernel.security;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** The roles a JWT group or an API key can carry, each a fixed set of {@link Permission}s. */
public enum Role {
  VIEWER(EnumSet.of(Permission.READ)),
  PREDICTOR(EnumSet.of(Permission.READ, Permission.PREDICT)),
  DATA_SCIENTIST(EnumSet.of(Permission.READ, Permission.PREDICT, Permission.REGISTER)),
  APPROVER(EnumSet.of(Permission.READ, Permission.PREDICT, Permission.ALIAS, Permission.APPROVE)),
  ADMIN(EnumSet.allOf(Permission.class));

  private final Set<Permission> permissions;

  Role(Set<Permission> permissions) {
    this.permissions = permissions;
  }

  public Set<Permission> permissions() {
    return permissions;
  }

  /** {@code viewer}, {@code predictor}, {@code data-scientist}, {@code approver}, {@code admin}. */
  public String id() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The role with this id, or null. */
  public static Role parse(String id) {
    for (Role r : values()) {
      if (r.id().equals(id)) {
        return r;
      }
    }
    return null;
  }
}
