package dev.pier.kernel.security;

import java.util.Arrays;
import java.util.Set;

/**
 * A role or a single permission on the models whose names match a pattern ({@code *} matches any run of
 * characters). Written {@code role[:pattern]} or {@code permission[:pattern]}; no pattern means every model:
 * {@code admin}, {@code predictor:fraud-*}, {@code alias:iris}.
 */
public record Grant(Set<Permission> permissions, String name, String modelPattern) {

  public Grant {
    permissions = Set.copyOf(permissions);
  }

  public static Grant of(Role role, String modelPattern) {
    return new Grant(role.permissions(), role.id(), modelPattern == null ? "*" : modelPattern);
  }

  /** Parses {@code role[:pattern]} or {@code permission[:pattern]}; throws IllegalArgumentException naming the problem. */
  public static Grant parse(String text) {
    String s = text.trim();
    int colon = s.indexOf(':');
    String name = colon < 0 ? s : s.substring(0, colon);
    String pattern = colon < 0 ? "*" : s.substring(colon + 1);
    if (pattern.isEmpty() || !pattern.matches("[A-Za-z0-9._*-]+")) {
      throw new IllegalArgumentException("grant '" + text + "': model pattern must be letters, digits, '.', '_', '-' and '*'");
    }
    Role role = Role.parse(name);
    if (role != null) {
      return of(role, pattern);
    }
    Permission permission = Permission.parse(name);
    if (permission != null) {
      return new Grant(Set.of(permission), permission.id(), pattern);
    }
    throw new IllegalArgumentException("grant '" + text + "': '" + name + "' is neither a role ("
        + String.join(", ", Arrays.stream(Role.values()).map(Role::id).toList()) + ") nor a permission ("
        + String.join(", ", Arrays.stream(Permission.values()).map(Permission::id).toList()) + ")");
  }

  /**
   * Whether this grant allows {@code permission} on {@code model}. Platform-wide permissions, and a null model
   * (an action on no particular model), need the pattern {@code *}.
   */
  public boolean allows(Permission permission, String model) {
    if (!permissions.contains(permission)) {
      return false;
    }
    if (permission.platformWide() || model == null) {
      return modelPattern.equals("*");
    }
    return matches(modelPattern, model);
  }

  /** Whether this grant allows {@code permission} on at least one model. */
  public boolean allowsSomeModel(Permission permission) {
    return permissions.contains(permission);
  }

  /**
   * Whether this grant gives {@code permission} on every model {@code pattern} can match: the test for handing a
   * grant on to someone else. Conservative: the pattern is read as a name whose {@code *}s this grant's own wildcards
   * must absorb, so {@code fraud-*} includes {@code fraud-eu-*} and {@code fraud-x}, but not {@code *} or {@code fraud*}.
   */
  public boolean includes(Permission permission, String pattern) {
    if (!permissions.contains(permission)) {
      return false;
    }
    if (permission.platformWide() || modelPattern.equals("*")) {
      return modelPattern.equals("*");
    }
    // Sound because this grant's literal pieces hold no '*': each '*' of the other pattern falls inside a run one
    // of this grant's wildcards matches, and that run matches whatever the '*' stands for.
    return matches(modelPattern, pattern);
  }

  static boolean matches(String pattern, String name) {
    if (pattern.equals("*")) {
      return true; // every request of a caller granted on all models comes here: no split per request
    }
    // Glob with '*' only: split on '*' and find the pieces in order; the first piece anchors the start, the last the end.
    String[] parts = pattern.split("\\*", -1);
    if (parts.length == 1) {
      return pattern.equals(name);
    }
    if (!name.startsWith(parts[0])) {
      return false;
    }
    int at = parts[0].length();
    for (int i = 1; i < parts.length - 1; i++) {
      int found = name.indexOf(parts[i], at);
      if (found < 0) {
        return false;
      }
      at = found + parts[i].length();
    }
    String last = parts[parts.length - 1];
    return name.length() - at >= last.length() && name.endsWith(last);
  }

  @Override
  public String toString() {
    return modelPattern.equals("*") ? name : name + ":" + modelPattern;
  }
}
