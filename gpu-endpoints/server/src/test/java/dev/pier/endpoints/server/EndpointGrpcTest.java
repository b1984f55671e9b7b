package dev.pier.endpoints.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.pier.endpoints.server.EndpointServerTest.RecordingModel;
import dev.pier.grpc.v2.GRPCInferenceServiceGrpc;
import dev.pier.grpc.v2.InferParameter;
import dev.pier.grpc.v2.InferTensorContents;
import dev.pier.grpc.v2.ModelInferRequest;
import dev.pier.grpc.v2.ModelInferResponse;
import dev.pier.grpc.v2.ModelMetadataRequest;
import dev.pier.grpc.v2.ModelMetadataResponse;
import dev.pier.grpc.v2.ModelReadyRequest;
import dev.pier.grpc.v2.ModelStreamInferResponse;
import dev.pier.grpc.v2.ServerReadyRequest;
import dev.pier.kernel.tensor.Datatype;
import dev.pier.runtime.InferenceRequest;
import dev.pier.runtime.InferenceResponse;
import dev.pier.runtime.Tensor;
import dev.pier.runtime.oip.OipJson;
import dev.pier.runtime.onnx.OnnxEngine;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The endpoint's OIP gRPC port with the real ONNX Runtime engine and the iris MLP, beside its REST front. */
class EndpointGrpcTest {
  private final List<AutoCloseable> open = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void close() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private record Served(EndpointServer rest, GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub,
      GRPCInferenceServiceGrpc.GRPCInferenceServiceStub async) {}

  private Served serve(dev.pier.runtime.LoadedModel model, BatchPolicy policy) throws Exception {
    EndpointServer rest = new EndpointServer(model, "onnxruntime_onnx", null, policy, "iris", 3, "127.0.0.1", 0);
    open.add(rest);
    EndpointGrpcServer grpc = new EndpointGrpcServer(rest, "127.0.0.1", 0);
    open.add(grpc);
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", grpc.port()).usePlaintext().build();
    open.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    return new Served(rest, GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS),
        GRPCInferenceServiceGrpc.newStub(channel));
  }

  private static ModelInferRequest typed(String id, float... flowers) {
    InferTensorContents.Builder c = InferTensorContents.newBuilder();
    for (float f : flowers) {
      c.addFp32Contents(f);
    }
    return ModelInferRequest.newBuilder().setModelName("iris").setId(id)
        .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("input").setDatatype("FP32")
            .addShape(flowers.length / 4).addShape(4).setContents(c)).build();
  }

  private static ModelInferRequest raw(String id, float... flowers) {
    ByteBuffer b = ByteBuffer.allocate(flowers.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : flowers) {
      b.putFloat(f);
    }
    return ModelInferRequest.newBuilder().setModelName("iris").setModelVersion("3").setId(id)
        .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("input").setDatatype("FP32")
            .addShape(flowers.length / 4).addShape(4))
        .addRawInputContents(ByteString.copyFrom(b.array())).build();
  }

  private byte[] rest(EndpointServer s, String id, float... flowers) throws Exception {
    byte[] body = OipJson.writeRequest(new InferenceRequest(id, List.of(new Tensor("input", Datatype.FP32,
        new long[] {flowers.length / 4, 4}, flowers)), List.of()));
    HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port()
        + "/invocations")).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  private static float[] probabilities(ModelInferResponse r) {
    assertThat(r.getOutputs(0).getName()).isEqualTo("probabilities");
    if (r.getRawOutputContentsCount() > 0) {
      ByteBuffer b = r.getRawOutputContents(0).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
      float[] f = new float[b.remaining() / 4];
      b.asFloatBuffer().get(f);
      return f;
    }
    List<Float> l = r.getOutputs(0).getContents().getFp32ContentsList();
    float[] f = new float[l.size()];
    for (int i = 0; i < f.length; i++) {
      f[i] = l.get(i);
    }
    return f;
  }

  @Test
  void answersAsRestDoesForTheSameRowsTypedAndRaw() throws Exception {
    Served s = serve(new OnnxEngine(1).load(EndpointServerTest.IRIS), BatchPolicy.none());
    float[] rows = {5.1f, 3.5f, 1.4f, 0.2f, 6.7f, 3.0f, 5.2f, 2.3f};
    InferenceResponse viaRest = OipJson.parseResponse(rest(s.rest(), "r", rows), "iris", 3);
    float[] expected = (float[]) viaRest.outputs().get(0).data();

    ModelInferResponse typed = s.stub().modelInfer(typed("g1", rows));
    assertThat(typed.getId()).isEqualTo("g1");
    assertThat(typed.getModelName()).isEqualTo("iris");
    assertThat(typed.getModelVersion()).isEqualTo("3");
    assertThat(typed.getOutputsList()).extracting(ModelInferResponse.InferOutputTensor::getName)
        .containsExactly("probabilities", "label");
    assertThat(probabilities(typed)).containsExactly(expected);
    assertThat(typed.getOutputs(1).getContents().getInt64ContentsList()).containsExactly(0L, 2L); // the fixture's labels

    ModelInferResponse raw = s.stub().modelInfer(raw("g2", rows));
    assertThat(raw.getRawOutputContentsCount()).as("raw in, raw out").isEqualTo(2);
    assertThat(probabilities(raw)).containsExactly(expected);

    assertThat(s.stub().serverReady(ServerReadyRequest.getDefaultInstance()).getReady()).isTrue();
    assertThat(s.stub().modelReady(ModelReadyRequest.newBuilder().setName("iris").setVersion("3").build()).getReady())
        .isTrue();
    ModelMetadataResponse m = s.stub().modelMetadata(ModelMetadataRequest.newBuilder().setName("iris").build());
    assertThat(m.getPlatform()).isEqualTo("onnxruntime_onnx");
    assertThat(m.getVersionsList()).containsExactly("3");
    assertThat(m.getInputs(0).getName()).isEqualTo("input");
    assertThat(m.getInputs(0).getShapeList()).containsExactly(-1L, 4L);
  }

  @Test
  void refusesBadMessagesWithTheStatusAndMessageRestGivesBeforeTheEngine() throws Exception {
    RecordingModel model = new RecordingModel(new OnnxEngine(1).load(EndpointServerTest.IRIS));
    Served s = serve(model, new BatchPolicy(4, List.of(), 1000, 2, 1, 0, 0, 1, null));
    record Case(ModelInferRequest message, String code, String text) {}
    ModelInferRequest ok = typed("x", 1, 2, 3, 4);
    List<Case> cases = List.of(
        new Case(ok.toBuilder().setInputs(0, ok.getInputs(0).toBuilder().setDatatype("FP64")
            .setContents(InferTensorContents.newBuilder().addAllFp64Contents(List.of(1d, 2d, 3d, 4d)))).build(),
            "INVALID_ARGUMENT", "input 'input': datatype FP64 does not match the model's FP32"),
        new Case(typed("x", 1, 2, 3, 4, 5, 6, 7, 8).toBuilder().setInputs(0, typed("x", 1, 2, 3, 4, 5, 6, 7, 8)
            .getInputs(0).toBuilder().clearShape().addShape(2).addShape(2).addShape(2)).build(),
            "INVALID_ARGUMENT", "input 'input': shape [2,2,2] does not match the model's [-1,4]"),
        new Case(typed("x", new float[20]), "INVALID_ARGUMENT",
            "the request's batch of 5 rows exceeds the model's max_batch_size 4"),
        new Case(ok.toBuilder().putParameters("priority", InferParameter.newBuilder().setInt64Param(3).build())
            .build(), "INVALID_ARGUMENT", "parameters.priority must be between 1 and 2"),
        new Case(ok.toBuilder().putParameters("priority", InferParameter.newBuilder().setStringParam("high").build())
            .build(), "INVALID_ARGUMENT", "parameters.priority must be an int64_param from 1 (highest)"),
        new Case(ok.toBuilder().setModelName("other").build(), "NOT_FOUND", "model 'other' is not served here"),
        new Case(ok.toBuilder().setModelVersion("4").build(), "NOT_FOUND", "version 4 of 'iris' is not served here"),
        new Case(ok.toBuilder().setModelName("").build(), "INVALID_ARGUMENT", "model_name is required"));
    for (Case c : cases) {
      assertThatThrownBy(() -> s.stub().modelInfer(c.message())).as(c.text())
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode().name()).isEqualTo(c.code());
            assertThat(e.getStatus().getDescription()).contains(c.text());
          });
    }
    assertThat(model.calls).as("nothing reached the engine").isEmpty();
    assertThat(s.stub().modelInfer(ok.toBuilder().putParameters("priority",
        InferParameter.newBuilder().setInt64Param(2).build()).build()).getOutputsCount()).isEqualTo(2);
    assertThat(model.calls).containsExactly(1);
  }

  @Test
  void grpcAndRestRequestsShareOneBatcher() throws Exception {
    RecordingModel held = new RecordingModel(new OnnxEngine(1).load(EndpointServerTest.IRIS));
    Served s = serve(held, new BatchPolicy(8, List.of(), 1_000_000, 1, 1, 0, 0, 1, null));
    held.hold();
    java.util.concurrent.ExecutorService clients = java.util.concurrent.Executors.newCachedThreadPool();
    open.add(clients::shutdownNow);
    float[] first = new float[8 * 4];
    java.util.Arrays.fill(first, 1f);
    CompletableFuture<ModelInferResponse> filling = CompletableFuture.supplyAsync(() -> s.stub().modelInfer(
        raw("full", first)), clients);
    held.entered.await(30, TimeUnit.SECONDS); // the engine holds the first batch; the next requests queue together
    CompletableFuture<ModelInferResponse> viaGrpc = CompletableFuture.supplyAsync(() -> s.stub().modelInfer(
        typed("g", 6.7f, 3.0f, 5.2f, 2.3f)), clients);
    awaitQueued(s.rest(), 1);
    CompletableFuture<byte[]> viaRest = CompletableFuture.supplyAsync(() -> {
      try {
        return rest(s.rest(), "r", 5.1f, 3.5f, 1.4f, 0.2f, 4.9f, 3.0f, 1.4f, 0.2f);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, clients);
    awaitQueued(s.rest(), 2);
    held.release();
    assertThat(filling.get(30, TimeUnit.SECONDS).getId()).isEqualTo("full");
    ModelInferResponse g = viaGrpc.get(30, TimeUnit.SECONDS);
    InferenceResponse r = OipJson.parseResponse(viaRest.get(30, TimeUnit.SECONDS), "iris", 3);
    assertThat(held.calls).as("the gRPC row and the two REST rows in one engine call").containsExactly(8, 3);
    assertThat(g.getOutputs(1).getContents().getInt64ContentsList()).containsExactly(2L);
    assertThat((long[]) r.outputs().get(1).data()).containsExactly(0, 0);
  }

  @Test
  void streamsAnswerInOrderAndAFailedMessageDoesNotEndTheStream() throws Exception {
    Served s = serve(new OnnxEngine(1).load(EndpointServerTest.IRIS), BatchPolicy.none());
    List<ModelStreamInferResponse> got = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(1);
    StreamObserver<ModelInferRequest> send = s.async().modelStreamInfer(new StreamObserver<>() {
      @Override
      public void onNext(ModelStreamInferResponse value) {
        got.add(value);
      }

      @Override
      public void onError(Throwable t) {
        done.countDown();
      }

      @Override
      public void onCompleted() {
        done.countDown();
      }
    });
    send.onNext(typed("a", 5.1f, 3.5f, 1.4f, 0.2f));
    send.onNext(typed("b", 1, 2, 3).toBuilder().setModelName("iris").build());
    send.onNext(raw("c", 6.7f, 3.0f, 5.2f, 2.3f));
    send.onCompleted();
    assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(got).hasSize(3);
    assertThat(got.get(0).getInferResponse().getId()).isEqualTo("a");
    assertThat(got.get(1).getErrorMessage()).contains("input 'input'");
    assertThat(got.get(2).getInferResponse().getId()).isEqualTo("c");
  }

  private static void awaitQueued(EndpointServer s, int n) throws InterruptedException {
    for (int t = 0; t < 30_000 && s.batcher().queued() != n; t++) {
      Thread.sleep(1);
    }
    assertThat(s.batcher().queued()).isEqualTo(n);
  }
}
