package dev.pier.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pier.runtime.RpcFrontend;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What grpcurl does first: ask the server, through reflection, which services it has and what their types are. */
class GrpcReflectionTest {
  @Test
  void reflectionListsTheInferenceServiceAndDescribesItsFile() throws Exception {
    RpcFrontend.Running server = new GrpcFrontend().start(null,
        new RpcFrontend.Options("pier", "test", "127.0.0.1", 0, null, null, null));
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    try {
      List<ServerReflectionResponse> answers = ask(channel,
          ServerReflectionRequest.newBuilder().setListServices("").build(),
          ServerReflectionRequest.newBuilder().setFileContainingSymbol("inference.GRPCInferenceService").build());

      assertThat(answers.get(0).getListServicesResponse().getServiceList()).extracting(ServiceResponse::getName)
          .contains("inference.GRPCInferenceService", "grpc.reflection.v1.ServerReflection");
      assertThat(answers.get(1).getFileDescriptorResponse().getFileDescriptorProtoCount()).isPositive();
      assertThat(answers.get(1).getFileDescriptorResponse().getFileDescriptorProto(0).toStringUtf8())
          .contains("ModelInfer");
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.close();
    }
  }

  private static List<ServerReflectionResponse> ask(ManagedChannel channel, ServerReflectionRequest... requests)
      throws Exception {
    List<ServerReflectionResponse> answers = new ArrayList<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> out = ServerReflectionGrpc.newStub(channel).serverReflectionInfo(
        new StreamObserver<>() {
          @Override
          public void onNext(ServerReflectionResponse value) {
            answers.add(value);
          }

          @Override
          public void onError(Throwable t) {
            done.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            done.complete(null);
          }
        });
    for (ServerReflectionRequest r : requests) {
      out.onNext(r);
    }
    out.onCompleted();
    done.get(30, TimeUnit.SECONDS);
    return answers;
  }
}
