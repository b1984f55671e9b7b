package dev.pier.registry;

/** Told of every change this process makes to the registry, after it is durable. */
public interface RegistryListener {
  default void versionCreated(ModelVersion version) {}

  default void aliasMoved(Alias alias) {}

  /** Every change, versions and alias moves included, in the order this process made them durable. */
  default void changed(RegistryEvent event) {}
}
