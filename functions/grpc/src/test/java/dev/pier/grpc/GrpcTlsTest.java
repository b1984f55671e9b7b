package dev.pier.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.grpc.v2.GRPCInferenceServiceGrpc;
import dev.pier.grpc.v2.ServerLiveRequest;
import dev.pier.runtime.RpcFrontend;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With a certificate the gRPC port speaks TLS only: a client trusting the issuing CA is served, a plaintext client
 * is not, and neither is a TLS client that does not trust the CA. Certificates come from openssl (a test CA and a
 * server certificate for 127.0.0.1 signed by it), made fresh for the run.
 */
class GrpcTlsTest {
  @TempDir static Path dir;
  static RpcFrontend.Running server;

  @BeforeAll
  static void startWithACertificateFromATestCa() throws Exception {
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
        "-subj", "/CN=Pier test CA", "-keyout", "ca.key", "-out", "ca.pem");
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "server.key",
        "-out", "server.csr");
    Files.writeString(dir.resolve("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "1",
        "-extfile", "san.ext", "-out", "server.pem");
    server = new GrpcFrontend().start(null, new RpcFrontend.Options("pier", "test", "127.0.0.1", 0, null,
        new RpcFrontend.Tls(dir.resolve("server.pem"), dir.resolve("server.key")), null));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aClientTrustingTheTestCaIsServedOverTls() throws Exception {
    ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", server.port(),
        TlsChannelCredentials.newBuilder().trustManager(dir.resolve("ca.pem").toFile()).build()).build();
    try {
      assertThat(GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
          .serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void aPlaintextClientIsRefused() {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    try {
      assertThatThrownBy(() -> GRPCInferenceServiceGrpc.newBlockingStub(channel)
          .withDeadlineAfter(10, TimeUnit.SECONDS).serverLive(ServerLiveRequest.getDefaultInstance()))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isIn(Status.Code.UNAVAILABLE, Status.Code.INTERNAL));
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void aTlsClientThatDoesNotTrustTheCaIsRefused() {
    ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", server.port(),
        TlsChannelCredentials.create()).build();
    try {
      assertThatThrownBy(() -> GRPCInferenceServiceGrpc.newBlockingStub(channel)
          .withDeadlineAfter(10, TimeUnit.SECONDS).serverLive(ServerLiveRequest.getDefaultInstance()))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    } finally {
      channel.shutdownNow();
    }
  }

  private static void openssl(String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command)
        .directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("openssl " + String.join(" ", args) + " failed: " + out);
    }
  }
}
