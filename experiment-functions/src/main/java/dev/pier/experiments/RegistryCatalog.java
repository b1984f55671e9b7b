package dev.pier.experiments;

import dev.pier.registry.ModelRegistry;

/** The {@link ModelCatalog} backed by Pier's model registry. */
public final class RegistryCatalog implements ModelCatalog {

  private final ModelRegistry registry;

  public RegistryCatalog(ModelRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void requireVersion(String model, int version) {
    registry.version(model, version);
  }

  @Override
  public void requireAlias(String model, String alias) {
    registry.alias(model, alias);
  }
}
