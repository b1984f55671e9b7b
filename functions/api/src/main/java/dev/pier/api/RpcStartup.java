package dev.pier.api;

import dev.pier.runtime.RpcFrontend;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Starts the front ends this build carries besides REST (the OIP gRPC service on the plain server, on
 * {@code pier.grpc.port}, bound like the HTTP server) and drains them on shutdown. Inside Lambda there is no port
 * to listen on, so none starts there.
 */
@Singleton
public class RpcStartup {
  private final Map<String, RpcFrontend.Running> running = new ConcurrentHashMap<>();

  void onStart(@Observes StartupEvent event, Platform platform, Security security,
      @ConfigProperty(name = "quarkus.http.host", defaultValue = "127.0.0.1") String host) {
    PierConfig config = platform.config();
    if (!config.grpc().enabled() || System.getenv("AWS_LAMBDA_FUNCTION_NAME") != null) {
      return;
    }
    for (RpcFrontend frontend : ServiceLoader.load(RpcFrontend.class, RpcStartup.class.getClassLoader())) {
      try {
        RpcFrontend.Running r = frontend.start(platform.predictions(), "pier", InferenceResource.SERVER_VERSION,
            host, config.grpc().port(), security.gatekeeper());
        running.put(frontend.name(), r);
        Log.infof("%s listening on %s:%d", frontend.name(), host, r.port());
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
