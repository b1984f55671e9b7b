package dev.pier.runtime;

import java.io.IOException;

/**
 * A network front end besides REST that serves the prediction service, such as the OIP gRPC service. Found with
 * {@link java.util.ServiceLoader}, so a build that does not carry one (the Lambda zip) does not start one.
 */
public interface RpcFrontend {

  /** A short name for logs, e.g. {@code grpc}. */
  String name();

  /**
   * Starts serving on {@code host:port} (port 0: any free one); closing the result stops it, letting in-flight
   * calls finish. Every call but health and server metadata passes {@code gatekeeper}, the same check REST uses.
   */
  Running start(PredictionService predictions, String serverName, String serverVersion, String host, int port,
      dev.pier.kernel.security.Gatekeeper gatekeeper) throws IOException;

  /** A started front end. */
  interface Running extends AutoCloseable {
    int port();

    @Override
    void close();
  }
}
