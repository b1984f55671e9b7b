package dev.pier.registry.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.kernel.tensor.Signature;
import dev.pier.kernel.engine.Framework;
import java.nio.file.Path;

/**
 * What registration asks of the serving side before it stores a version: whether this build has the framework's
 * engine, what the artifact says about itself when that engine opens it, and whether a feature pipeline is one the
 * serving path can run. The registry knows nothing of engines or pipelines; the app that serves the registry's API
 * provides this (in Pier's api app, the model cache and the runtime's pipeline parser).
 */
public interface ServingChecks {
  /**
   * Opens the artifact with its framework's engine (staged, sized, loaded, closed) and returns the signature the model
   * carries, or {@code declared} where it carries none or this build has no such engine. 400 when it does not load.
   */
  Signature check(Framework framework, Path artifact, Signature declared);

  /** Whether this build can serve versions of {@code framework}. */
  boolean serves(Framework framework);

  /** 400 naming the field ({@code where}) unless {@code spec} is a feature pipeline the serving path can run. */
  void checkPipeline(JsonNode spec, String where);
}
