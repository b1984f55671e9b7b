package dev.pier.api.platform;

import dev.pier.api.PierConfig;
import dev.pier.runtime.ModelCache;
import java.util.Optional;
import dev.pier.api.security.ArtifactSigning;

import dev.pier.kernel.PierException;
import dev.pier.kernel.local.LocalStandIns;
import dev.pier.kernel.engine.Framework;
import dev.pier.registry.ModelRegistry;
import dev.pier.registry.ModelVersion;
import dev.pier.registry.NewVersion;
import dev.pier.runtime.LoadedModel;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * Gets a platform ready before it serves: wires it (starting the stand-ins in local mode) and, in local mode,
 * registers the demo model as {@code demo} with alias {@code production} when that alias is missing. Seeding is
 * idempotent (an Idempotency-Key), so a start killed halfway through seeds exactly once on the next start.
 */
@Singleton
public class LocalBootstrap {
  static final String DEMO_KEY = "pier-demo-seed-v1";

  void onStart(@Observes StartupEvent event, PierConfig config, Optional<LocalStandIns> standIns, ModelRegistry registry,
      ModelCache models, ArtifactSigning signing) {
    if (standIns.isEmpty() || !config.demo().seed()) {
      return;
    }
    if (signing.required()) {
      Log.info("not seeding the demo model: artifact signatures are required and the demo is not signed by your key");
      return;
    }
    try {
      registry.alias("demo", "production");
      return; // already there: the user may have moved it, so leave it alone
    } catch (PierException e) {
      if (e.status() != 404) {
        throw e;
      }
    }
    try {
      Path file = Files.createTempFile("pier-demo", ".onnx");
      try (InputStream in = standIns.get().demoModel()) {
        Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        NewVersion request = new NewVersion(Framework.ONNX, null,
            "Iris species classifier (MLP). Input: sepal length, sepal width, petal length, petal width (cm);"
                + " outputs: class probabilities and label (0 setosa, 1 versicolor, 2 virginica).",
            Map.of("source", "pier-demo"), Map.of());
        try (LoadedModel loaded = models.engine(Framework.ONNX).load(file)) {
          request = request.withSignature(loaded.signature());
        }
        ModelVersion v = registry.register("demo", request, file, DEMO_KEY);
        registry.setAlias("demo", "production", v.version());
        Log.infof("registered the demo model as demo v%d (alias production)", v.version());
      } finally {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not seed the demo model", e);
    }
  }
}
