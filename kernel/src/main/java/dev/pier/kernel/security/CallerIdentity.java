package dev.pier.kernel.security;

/**
 * Who is making the current request: the principal that registry changes, reviews and audit entries name, and what it
 * may see. The one place request handlers of every domain ask; the serving app backs it with the authenticated
 * identity (or, in open local mode, the name the client gives).
 */
public interface CallerIdentity {
  /** The principal's name; never null. */
  String principal();

  /**
   * Whether the caller holds {@code permission} on {@code model}: what listings and searches filter their items by,
   * so a key scoped to some models sees only those.
   */
  boolean allows(Permission permission, String model);
}
