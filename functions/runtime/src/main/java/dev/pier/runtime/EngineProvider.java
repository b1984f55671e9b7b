package dev.pier.runtime;

import dev.pier.kernel.engine.Framework;
import java.util.Objects;
import java.util.function.Function;

/**
 * What every engine's {@link InferenceEngine.Provider} is: a framework and a cheap constructor from
 * {@link EngineSettings}. An engine module subclasses it with a public no-argument constructor (which
 * {@link java.util.ServiceLoader} needs) and lists the subclass in
 * {@code META-INF/services/dev.pier.runtime.InferenceEngine$Provider}:
 *
 * <pre>{@code
 * public static final class Provider extends EngineProvider {
 *   public Provider() {
 *     super(Framework.XGBOOST, settings -> new XGBoostEngine(settings.intraOpThreads()));
 *   }
 * }
 * }</pre>
 */
public abstract class EngineProvider implements InferenceEngine.Provider {
  private final Framework framework;
  private final Function<EngineSettings, InferenceEngine> factory;

  protected EngineProvider(Framework framework, Function<EngineSettings, InferenceEngine> factory) {
    this.framework = Objects.requireNonNull(framework);
    this.factory = Objects.requireNonNull(factory);
  }

  @Override
  public final Framework framework() {
    return framework;
  }

  /** The engine; refuses one that serves another framework than this provider announced. */
  @Override
  public final InferenceEngine create(EngineSettings settings) {
    InferenceEngine engine = factory.apply(settings);
    if (engine.framework() != framework) {
      throw new IllegalStateException(getClass().getName() + " announced " + framework.id() + " but made an engine for "
          + engine.framework().id());
    }
    return engine;
  }
}
