package dev.pier.experiments;

/**
 * What the experiments need to know about models: that the arms' versions and the alias exist. Each check throws
 * the registry's 404 {@code PierException} naming what is missing.
 */
public interface ModelCatalog {

  void requireVersion(String model, int version);

  void requireAlias(String model, String alias);
}
