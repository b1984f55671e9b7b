package dev.pier.api;

import dev.pier.api.inference.RpcStartup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pier.grpc.v2.GRPCInferenceServiceGrpc;
import dev.pier.grpc.v2.InferTensorContents;
import dev.pier.grpc.v2.ModelInferRequest;
import dev.pier.grpc.v2.ModelInferResponse;
import dev.pier.grpc.v2.ServerLiveRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The plain server starts the OIP gRPC service beside REST, serving the same models. */
@QuarkusTest
class GrpcWiringTest {
  @Inject RpcStartup rpc;

  @Test
  void thePlainServerServesTheDemoModelOverGrpcToo() throws Exception {
    int port = rpc.port("grpc");
    assertThat(port).isPositive();
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    try {
      var stub = GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
      assertThat(stub.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
      ModelInferResponse r = stub.modelInfer(ModelInferRequest.newBuilder().setModelName("demo")
          .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("input").setDatatype("FP32")
              .addShape(1).addShape(4).setContents(InferTensorContents.newBuilder()
                  .addFp32Contents(5.1f).addFp32Contents(3.5f).addFp32Contents(1.4f).addFp32Contents(0.2f)))
          .build());
      assertThat(r.getModelVersion()).isEqualTo("1");
      assertThat(r.getOutputs(1).getContents().getInt64Contents(0)).isZero();
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
