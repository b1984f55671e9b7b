package dev.pier.runtime;

import dev.pier.security.Gatekeeper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A network front end besides REST that serves the prediction service, such as the OIP gRPC service. Found with
 * {@link java.util.ServiceLoader}, so a build that does not carry one (the Lambda zip) does not start one.
 */
public interface RpcFrontend {

  /** A short name for logs, e.g. {@code grpc}. */
  String name();

  /**
   * Starts serving as {@code options} say; closing the result stops it, letting in-flight calls finish. Every call
   * but health and server metadata passes the options' gatekeeper, the same check REST uses, and every prediction
   * goes through the options' prediction pipeline, the one every way in shares.
   */
  Running start(PredictionService predictions, Options options) throws IOException;

  /**
   * Plaintext, with the runtime's pipeline stages and the gatekeeper's check alone (no audit, probes or metrics):
   * {@link #start(PredictionService, Options)} with defaults.
   */
  default Running start(PredictionService predictions, String serverName, String serverVersion, String host,
      int port, Gatekeeper gatekeeper) throws IOException {
    return start(predictions, new Options(serverName, serverVersion, host, port, gatekeeper, null, null));
  }

  /**
   * How a front end serves.
   *
   * @param port 0: any free one
   * @param gatekeeper the shared policy check; null serves everyone (tests of the protocol alone)
   * @param tls the certificate to serve TLS only with; null for plaintext
   * @param pipeline what every prediction goes through; null: the prediction service's runtime stages, with the
   *     gatekeeper's check in {@link dev.pier.runtime.prediction.Slot#ADMIT}
   */
  record Options(String serverName, String serverVersion, String host, int port, Gatekeeper gatekeeper, Tls tls,
      dev.pier.runtime.prediction.PredictionPipeline pipeline) {}

  /** A PEM certificate chain and its PEM (PKCS#8) private key, the same files the HTTP port serves. */
  record Tls(Path certificateChain, Path privateKey) {
    public Tls {
      for (Path p : new Path[] {certificateChain, privateKey}) {
        if (p == null || !Files.isReadable(p)) {
          throw new IllegalArgumentException("TLS needs a readable PEM certificate and key, got " + p);
        }
      }
    }
  }

  /** A started front end. */
  interface Running extends AutoCloseable {
    int port();

    @Override
    void close();
  }
}
