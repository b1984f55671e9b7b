package dev.pier.grpc;

import dev.pier.runtime.prediction.AuthorizeStage;
import dev.pier.runtime.prediction.PredictionPipeline;
import dev.pier.runtime.prediction.Slot;

import dev.pier.runtime.PredictionService;
import dev.pier.runtime.RpcFrontend;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The OIP gRPC service on the plain server ({@code --grpc-port}, default 8081). Calls run on a bounded pool of
 * platform threads (engines make blocking JNI calls); messages up to 64 MiB are accepted, matching the REST limit's
 * order of magnitude. With {@link Options#tls()} the port speaks TLS only (the same PEM files as the HTTP port), so a
 * plaintext client cannot connect. Server reflection ({@code grpc.reflection.v1}) is served beside it, so
 * {@code grpcurl -plaintext 127.0.0.1:8081 list} works without the {@code .proto}. Closing drains: no new calls, in-flight ones get up to 30 s.
 */
public final class GrpcFrontend implements RpcFrontend {
  static final int MAX_MESSAGE_BYTES = 64 << 20;

  @Override
  public String name() {
    return "grpc";
  }

  private static PredictionPipeline pipeline(PredictionService predictions, Options options) {
    if (options.pipeline() != null || predictions == null) {
      return options.pipeline();
    }
    PredictionPipeline.Builder b = predictions.pipeline();
    if (options.gatekeeper() != null) {
      b.add(Slot.ADMIT, new AuthorizeStage(options.gatekeeper()));
    }
    return b.build();
  }

  @Override
  public Running start(PredictionService predictions, Options options) throws IOException {
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(4, Runtime.getRuntime().availableProcessors() * 4),
        Thread.ofPlatform().daemon().name("pier-grpc-", 0).factory());
    InetSocketAddress address = new InetSocketAddress(options.host(), options.port());
    NettyServerBuilder builder = options.tls() == null ? NettyServerBuilder.forAddress(address)
        : NettyServerBuilder.forAddress(address, TlsServerCredentials.create(
            options.tls().certificateChain().toFile(), options.tls().privateKey().toFile()));
    Server server = builder
        .executor(pool)
        .maxInboundMessageSize(MAX_MESSAGE_BYTES)
        .addService(ServerInterceptors.intercept(new InferenceService(predictions, pipeline(predictions, options),
            options.serverName(), options.serverVersion(), options.gatekeeper()), new CallerMetadata()))
        .addService(ProtoReflectionServiceV1.newInstance()) // what grpcurl asks first: the services and their types
        .build()
        .start();
    return new Running() {
      @Override
      public int port() {
        return server.getPort();
      }

      @Override
      public void close() {
        drain(server);
        pool.shutdownNow();
      }
    };
  }

  /**
   * Stops {@code server} as Pier's gRPC ports close: no new calls, the calls in flight given up to 30 s to finish,
   * then cancelled (also when the closing thread is interrupted, whose interrupt is kept).
   */
  public static void drain(Server server) {
    server.shutdown();
    try {
      if (!server.awaitTermination(30, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
