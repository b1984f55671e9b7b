package dev.pier.registry.api;

import java.nio.file.Path;

/** Where uploads are staged on local disk before registration; the app sweeps what a crash leaves there. */
public interface UploadDirectory {
  /** The directory, created if missing. */
  Path path();
}
