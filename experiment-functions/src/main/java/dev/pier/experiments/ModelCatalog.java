package dev.pier.experiments;

/**
 * What the experiments need to know about models: that the arms' versions and the alias exist. Each check throws
 * the registry's 404 {@code PierException} naming what is missing.
 */
public interface ModelCatalog {

  void requireVersion(String model, int version);

  /** That the model exists (a holdout on it). */
  void requireModel(String model);

  void requireAlias(String model, String alias);

  /** The version the alias points at. */
  int aliasVersion(String model, String alias);

  /**
   * Points the alias at {@code version} as {@code actor} (an automatic decision): the registry's approval rules apply
   * (a protected alias takes approved versions only, else a 409 the caller records as waiting), and the change is an
   * audit entry and a registry event there.
   */
  void moveAlias(String model, String alias, int version, String actor);

  /**
   * Publishes a platform change that is not a registry write (a flag rolled out by an experiment) as a registry event
   * of {@code type}, no model, to the registry's listeners (webhooks, EventBridge). Nothing by default.
   */
  default void announce(String type, String actor, java.util.Map<String, String> detail) {
  }
}
