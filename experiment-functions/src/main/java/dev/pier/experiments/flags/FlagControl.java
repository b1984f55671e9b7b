package dev.pier.experiments.flags;

/** What experiments need of the flags service: read a flag, and roll a variant out as its default. */
public interface FlagControl {

  /** The flag; a 404 {@code PierException} when there is none. */
  Flag get(String key);

  /**
   * Makes the flag serve {@code variant} by default (what units no targeting rule matches get), as {@code actor}, on
   * condition that the flag is still at the revision read (else a 409), with an audit entry in the same write.
   * Already serving it: the flag, unchanged.
   */
  Flag serveByDefault(String key, String variant, String actor, String reason);
}
