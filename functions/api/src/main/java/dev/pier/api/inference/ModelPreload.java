package dev.pier.api.inference;

import dev.pier.api.PierConfig;
import dev.pier.runtime.PredictionService;

import dev.pier.registry.ModelVersion;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.List;

/**
 * Loads (and warms up) the versions named in {@code pier.preload} at start, so the first request after a deploy or a
 * SnapStart restore does not pay for a model load. A version that cannot be loaded is logged and left to load on
 * demand: preloading never keeps a server from starting.
 */
@Singleton
public class ModelPreload {

  void onStart(@Observes @Priority(jakarta.interceptor.Interceptor.Priority.APPLICATION + 900) StartupEvent event,
      PierConfig config, PredictionService predictions) {
    for (String entry : config.preload().orElse(List.of())) {
      String spec = entry.trim();
      if (spec.isEmpty()) {
        continue;
      }
      int colon = spec.indexOf(':');
      String model = colon < 0 ? spec : spec.substring(0, colon);
      String reference = colon < 0 ? null : spec.substring(colon + 1);
      long start = System.nanoTime();
      try {
        ModelVersion version = predictions.resolve(model, reference);
        predictions.ready(version);
        Log.infof("preloaded %s v%d in %d ms", model, version.version(), (System.nanoTime() - start) / 1_000_000);
      } catch (RuntimeException e) {
        Log.warnf("could not preload '%s': %s; it will load on its first request", spec, e.getMessage());
      }
    }
  }
}
