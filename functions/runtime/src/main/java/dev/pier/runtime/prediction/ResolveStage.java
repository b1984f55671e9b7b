package dev.pier.runtime.prediction;

import dev.pier.registry.ModelResolver;
import dev.pier.registry.ModelVersion;

/**
 * {@link Slot#RESOLVE}: the version that answers — a version number, an alias, or alias {@code production} — from
 * memory once warm; an alias with a canary picks by the call's unit (sticky) or at random. Without a budget to block,
 * declines when that would read the registry. Experiment assignment picks the arm here, after it (the server's
 * experiment stage).
 */
public final class ResolveStage implements Stage {
  private final ModelResolver resolver;

  public ResolveStage(ModelResolver resolver) {
    this.resolver = resolver;
  }

  @Override
  public boolean apply(PredictionCall call) {
    if (call.version() != null) {
      return true;
    }
    ModelVersion version = resolver.resolve(call.model(), call.reference(), call.unit(), call.budget().mayBlock());
    if (version == null) {
      return false;
    }
    call.version(version);
    return true;
  }
}
