package dev.pier.api;

import dev.pier.api.inference.RpcStartup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.grpc.v2.GRPCInferenceServiceGrpc;
import dev.pier.grpc.v2.InferTensorContents;
import dev.pier.grpc.v2.ModelInferRequest;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * With the HTTP port's certificate configured (what {@code ./pier up --tls-cert/--tls-key} sets), the gRPC port
 * serves the same certificate and TLS only: a client trusting the test CA infers, a plaintext client cannot.
 */
@QuarkusTest
@TestProfile(GrpcTlsWiringTest.WithCertificate.class)
class GrpcTlsWiringTest {
  static final Path DIR = Path.of("target/test-tls/" + ProcessHandle.current().pid()).toAbsolutePath();

  /** A test CA and a server certificate for 127.0.0.1 signed by it, made with openssl. */
  public static class WithCertificate implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      try {
        if (!Files.exists(DIR.resolve("server.pem"))) {
          Files.createDirectories(DIR);
          openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
              "-subj", "/CN=Pier test CA", "-keyout", "ca.key", "-out", "ca.pem");
          openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "server.key",
              "-out", "server.csr");
          Files.writeString(DIR.resolve("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
          openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
              "-days", "1", "-extfile", "san.ext", "-out", "server.pem");
        }
      } catch (Exception e) {
        throw new IllegalStateException("could not make the test certificates with openssl", e);
      }
      return Map.of("quarkus.http.ssl.certificate.files", DIR.resolve("server.pem").toString(),
          "quarkus.http.ssl.certificate.key-files", DIR.resolve("server.key").toString(),
          "quarkus.http.insecure-requests", "disabled");
    }

    private static void openssl(String... args) throws Exception {
      List<String> command = new java.util.ArrayList<>(List.of("openssl"));
      command.addAll(List.of(args));
      Process p = new ProcessBuilder(command).directory(DIR.toFile()).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("openssl " + String.join(" ", args) + " failed: " + out);
      }
    }
  }

  @Inject RpcStartup rpc;

  private static final ModelInferRequest DEMO = ModelInferRequest.newBuilder().setModelName("demo")
      .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("input").setDatatype("FP32")
          .addShape(1).addShape(4).setContents(InferTensorContents.newBuilder()
              .addFp32Contents(5.1f).addFp32Contents(3.5f).addFp32Contents(1.4f).addFp32Contents(0.2f)))
      .build();

  @Test
  void aClientTrustingTheCaInfersOverTls() throws Exception {
    ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", rpc.port("grpc"),
        TlsChannelCredentials.newBuilder().trustManager(DIR.resolve("ca.pem").toFile()).build()).build();
    try {
      var stub = GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
      assertThat(stub.modelInfer(DEMO).getModelVersion()).isEqualTo("1");
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void aPlaintextClientIsRefused() throws Exception {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", rpc.port("grpc")).usePlaintext().build();
    try {
      var stub = GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
      assertThatThrownBy(() -> stub.modelInfer(DEMO)).isInstanceOfSatisfying(StatusRuntimeException.class,
          e -> assertThat(e.getStatus().getCode()).isIn(Status.Code.UNAVAILABLE, Status.Code.INTERNAL));
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
