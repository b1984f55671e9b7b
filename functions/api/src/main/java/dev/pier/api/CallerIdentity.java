package dev.pier.api;

/**
 * Who is making the current request: the principal that registry changes, reviews and audit entries name. The one
 * place request handlers ask; authentication backs it with the authenticated identity by providing another bean.
 */
public interface CallerIdentity {
  /** The principal's name; never null. */
  String principal();
}
