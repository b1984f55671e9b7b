package dev.pier.registry.api;

import java.nio.file.Path;

/** Where uploads are staged on local disk before registration; the app sweeps what a crash leaves there. */
public interface UploadDirectory {
  /** The directory, created if missing. */
  Path path();

  /**
   * Marks a registration in flight until closed: the sweep of stale temporary uploads then leaves every file touched
   * since shortly before it began (its multipart body, its copy of a big upload, what its archive unpacks to), however
   * long it takes.
   */
  default InFlight begin() {
    return () -> {};
  }

  /** A registration in flight; close it when it is done, failed or not. */
  interface InFlight extends AutoCloseable {
    @Override
    void close();
  }
}
