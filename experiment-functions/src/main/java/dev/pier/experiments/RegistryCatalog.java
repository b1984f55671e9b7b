package dev.pier.experiments;

import dev.pier.registry.Alias;
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
  public void requireModel(String model) {
    registry.model(model);
  }

  @Override
  public void requireAlias(String model, String alias) {
    registry.alias(model, alias);
  }

  @Override
  public int aliasVersion(String model, String alias) {
    return registry.alias(model, alias).version();
  }

  @Override
  public void moveAlias(String model, String alias, int version, String actor) {
    registry.setAlias(model, alias, new Alias.Target(version, null), actor);
  }

  @Override
  public void announce(String type, String actor, java.util.Map<String, String> detail) {
    registry.announce(new dev.pier.registry.RegistryEvent(type, null, 0, null, actor, java.time.Instant.now(),
        detail));
  }
}
