package dev.pier.api.platform;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** {@code pier.experiments.exposures.*}: how the queued experiment exposures and per-arm model metrics are written. */
@ConfigMapping(prefix = "pier.experiments.exposures")
public interface ExposureWriterConfig {
  /** How often the writer drains the queues (in Lambda they are also written after every event). */
  @WithDefault("1s")
  Duration writeInterval();
}
