package dev.pier.endpoints.server;

import dev.pier.grpc.GrpcFrontend;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The endpoint container's OIP gRPC port ({@code --grpc-port}, default 8081 as the platform's; {@code off} for none):
 * {@link EndpointGrpc} and server reflection, so {@code grpcurl -plaintext HOST:8081 list} works without the
 * {@code .proto}. Calls run on virtual threads, as the HTTP front's do (they block on the batcher). Messages up to the
 * REST body limit (256 MiB) are accepted. SageMaker routes only port 8080 ({@code /invocations}); this port is for ECS
 * tasks and local use. Closing drains: no new calls, in-flight ones get up to 30 s.
 */
final class EndpointGrpcServer implements AutoCloseable {
  static final int MAX_MESSAGE_BYTES = 256 << 20;
  private final Server server;
  private final ExecutorService executor;

  EndpointGrpcServer(EndpointServer endpoint, String host, int port) throws IOException {
    this.executor = Executors.newVirtualThreadPerTaskExecutor();
    this.server = NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
        .executor(executor)
        .maxInboundMessageSize(MAX_MESSAGE_BYTES)
        .addService(new EndpointGrpc(endpoint))
        .addService(ProtoReflectionServiceV1.newInstance())
        .build()
        .start();
  }

  int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    GrpcFrontend.drain(server);
    executor.close();
  }
}
