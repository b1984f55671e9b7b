package dev.pier.api.inference;

import dev.pier.security.Gatekeeper;
import dev.pier.runtime.PredictionService;
import dev.pier.api.PierConfig;

import dev.pier.runtime.RpcFrontend;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Starts the front ends this build carries besides REST (the OIP gRPC service on the plain server, on
 * {@code pier.grpc.port}, bound like the HTTP server, with TLS only when the HTTP server has a certificate
 * ({@code quarkus.http.ssl.certificate.files}: {@code ./pier up --tls-cert/--tls-key}), predicting through the
 * prediction pipeline REST uses) and drains them on shutdown. Inside Lambda there is no port
 * to listen on, so none starts there.
 */
@Singleton
public class RpcStartup {
  private final Map<String, RpcFrontend.Running> running = new ConcurrentHashMap<>();

  void onStart(@Observes StartupEvent event, PierConfig config, PredictionService service, Gatekeeper gatekeeper,
      Predictions predictions,
      @ConfigProperty(name = "quarkus.http.host", defaultValue = "127.0.0.1") String host,
      @ConfigProperty(name = "quarkus.http.ssl.certificate.files") Optional<List<java.nio.file.Path>> certificates,
      @ConfigProperty(name = "quarkus.http.ssl.certificate.key-files") Optional<List<java.nio.file.Path>> keys) {
    if (!config.grpc().enabled() || System.getenv("AWS_LAMBDA_FUNCTION_NAME") != null) {
      return;
    }
    RpcFrontend.Tls tls = certificates.isPresent() && keys.isPresent()
        ? new RpcFrontend.Tls(certificates.get().getFirst(), keys.get().getFirst()) : null;
    for (RpcFrontend frontend : ServiceLoader.load(RpcFrontend.class, RpcStartup.class.getClassLoader())) {
      try {
        RpcFrontend.Running r = frontend.start(service, new RpcFrontend.Options("pier",
            InferenceResource.SERVER_VERSION, host, config.grpc().port(), gatekeeper, tls, predictions.pipeline()));
        running.put(frontend.name(), r);
        Log.infof("%s listening on %s:%d%s", frontend.name(), host, r.port(), tls == null ? "" : " (TLS only)");
      } catch (IOException e) {
        throw new UncheckedIOException("could not start " + frontend.name() + " on port " + config.grpc().port(), e);
      }
    }
  }

  void onStop(@Observes ShutdownEvent event) {
    running.values().forEach(RpcFrontend.Running::close);
  }

  /** The port a front end listens on, or -1 when it is not running. */
  public int port(String name) {
    RpcFrontend.Running r = running.get(name);
    return r == null ? -1 : r.port();
  }
}
