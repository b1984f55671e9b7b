package dev.pier.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.pier.grpc.v2.GRPCInferenceServiceGrpc;
import dev.pier.grpc.v2.InferTensorContents;
import dev.pier.grpc.v2.ModelInferRequest;
import dev.pier.grpc.v2.ModelInferResponse;
import dev.pier.grpc.v2.ModelMetadataRequest;
import dev.pier.grpc.v2.ModelMetadataResponse;
import dev.pier.grpc.v2.ModelReadyRequest;
import dev.pier.grpc.v2.ModelStreamInferResponse;
import dev.pier.grpc.v2.ServerLiveRequest;
import dev.pier.grpc.v2.ServerMetadataRequest;
import dev.pier.grpc.v2.ServerReadyRequest;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.AwsClients.AwsSettings;
import dev.pier.local.LocalAws;
import dev.pier.registry.ArtifactStore;
import dev.pier.kernel.engine.Framework;
import dev.pier.registry.ModelRegistry;
import dev.pier.registry.ModelResolver;
import dev.pier.registry.NewVersion;
import dev.pier.registry.RegistryTable;
import dev.pier.runtime.ModelCache;
import dev.pier.runtime.PredictionService;
import dev.pier.runtime.RpcFrontend;
import dev.pier.runtime.onnx.OnnxEngine;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The OIP gRPC service over a real Netty server and channel, with the iris model in the local stand-ins. */
class GrpcInferenceServiceTest {
  static final Path MODELS = Path.of("../../tests/fixtures/models");
  @TempDir static Path dir;
  static LocalAws aws;
  static AwsClients clients;
  static ModelCache cache;
  static RpcFrontend.Running server;
  static ManagedChannel channel;
  static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;
  static JsonNode reference;

  @BeforeAll
  static void start() throws Exception {
    aws = LocalAws.start(dir.resolve("data"));
    clients = new AwsClients(new AwsSettings(aws.region(), aws.dynamoDbEndpoint(), aws.s3Endpoint(),
        aws.accessKeyId(), aws.secretAccessKey()));
    RegistryTable.createIfMissing(clients.dynamoDb(), "registry");
    ArtifactStore artifacts = new ArtifactStore(clients.s3(), "artifacts");
    artifacts.createBucketIfMissing();
    ModelRegistry registry = new ModelRegistry(clients.dynamoDb(), "registry", artifacts);
    registry.register("iris", new NewVersion(Framework.ONNX,
        new OnnxEngine(1).load(MODELS.resolve("iris-mlp.onnx")).signature(), null, Map.of(), Map.of()),
        MODELS.resolve("iris-mlp.onnx"), null);
    registry.setAlias("iris", "production", 1);
    cache = new ModelCache(artifacts, dir.resolve("staging"), 1 << 30, Duration.ofMinutes(5),
        List.of(new OnnxEngine(1)));
    PredictionService predictions = new PredictionService(
        new ModelResolver(registry, Duration.ofSeconds(5), Duration.ofSeconds(60)), cache);
    server = new GrpcFrontend().start(predictions, "pier", "0.1.0", "127.0.0.1", 0, null);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    stub = GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    reference = new ObjectMapper().readTree(MODELS.resolve("iris-mlp.reference.json").toFile());
  }

  @AfterAll
  static void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
    cache.close();
    clients.close();
    aws.close();
  }

  private static ModelInferRequest.InferInputTensor.Builder irisInput(int rows) {
    return ModelInferRequest.InferInputTensor.newBuilder().setName("input").setDatatype("FP32")
        .addShape(rows).addShape(4);
  }

  private static ModelInferRequest typedRequest(String version) {
    InferTensorContents.Builder c = InferTensorContents.newBuilder();
    reference.get("input").forEach(row -> row.forEach(v -> c.addFp32Contents((float) v.asDouble())));
    return ModelInferRequest.newBuilder().setModelName("iris").setModelVersion(version).setId("r1")
        .addInputs(irisInput(4).setContents(c)).build();
  }

  @Test
  void healthAndServerMetadataAnswer() {
    assertThat(stub.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
    assertThat(stub.serverReady(ServerReadyRequest.getDefaultInstance()).getReady()).isTrue();
    assertThat(stub.serverMetadata(ServerMetadataRequest.getDefaultInstance()).getName()).isEqualTo("pier");
  }

  @Test
  void modelMetadataAndReadinessFollowTheProductionAlias() {
    ModelMetadataResponse m = stub.modelMetadata(ModelMetadataRequest.newBuilder().setName("iris").build());
    assertThat(m.getVersionsList()).containsExactly("1");
    assertThat(m.getPlatform()).isEqualTo("onnxruntime_onnx");
    assertThat(m.getInputs(0).getName()).isEqualTo("input");
    assertThat(m.getInputs(0).getShapeList()).containsExactly(-1L, 4L);
    assertThat(stub.modelReady(ModelReadyRequest.newBuilder().setName("iris").setVersion("1").build()).getReady())
        .isTrue();
  }

  @Test
  void typedContentsPredictTheReferenceOutputs() {
    ModelInferResponse r = stub.modelInfer(typedRequest(""));
    assertThat(r.getModelName()).isEqualTo("iris");
    assertThat(r.getModelVersion()).isEqualTo("1");
    assertThat(r.getId()).isEqualTo("r1");
    ModelInferResponse.InferOutputTensor probabilities = r.getOutputs(0);
    assertThat(probabilities.getName()).isEqualTo("probabilities");
    assertThat(probabilities.getShapeList()).containsExactly(4L, 3L);
    int k = 0;
    for (JsonNode row : reference.get("probabilities")) {
      for (JsonNode p : row) {
        assertThat((double) probabilities.getContents().getFp32Contents(k++)).isCloseTo(p.asDouble(), offset(1e-5));
      }
    }
    assertThat(r.getOutputs(1).getContents().getInt64ContentsList()).containsExactly(0L, 2L, 1L, 2L);
  }

  @Test
  void rawContentsInGiveRawContentsOut() {
    ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    b.putFloat(5.1f).putFloat(3.5f).putFloat(1.4f).putFloat(0.2f);
    ModelInferResponse r = stub.modelInfer(ModelInferRequest.newBuilder().setModelName("iris").setModelVersion("1")
        .addInputs(irisInput(1)).addRawInputContents(ByteString.copyFrom(b.array())).build());
    assertThat(r.getRawOutputContentsCount()).isEqualTo(2);
    long label = r.getRawOutputContents(1).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertThat(label).isZero();
  }

  @Test
  void unknownModelsAndVersionsAreNotFound() {
    assertThatThrownBy(() -> stub.modelInfer(ModelInferRequest.newBuilder(typedRequest("")).setModelName("nope").build()))
        .isInstanceOf(StatusRuntimeException.class)
        .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND))
        .hasMessageContaining("model 'nope' not found");
    assertThatThrownBy(() -> stub.modelInfer(typedRequest("7")))
        .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
  }

  @Test
  void badTensorsAreInvalidArgumentNamingTheProblem() {
    ModelInferRequest wrongShape = ModelInferRequest.newBuilder().setModelName("iris")
        .addInputs(irisInput(1).clearShape().addShape(1).addShape(3)
            .setContents(InferTensorContents.newBuilder().addFp32Contents(1).addFp32Contents(2).addFp32Contents(3)))
        .build();
    assertThatThrownBy(() -> stub.modelInfer(wrongShape))
        .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getCode())
            .isEqualTo(Status.Code.INVALID_ARGUMENT))
        .hasMessageContaining("does not match the model's [-1,4]");
    ModelInferRequest shortData = ModelInferRequest.newBuilder().setModelName("iris")
        .addInputs(irisInput(2).setContents(InferTensorContents.newBuilder().addFp32Contents(1))).build();
    assertThatThrownBy(() -> stub.modelInfer(shortData)).hasMessageContaining("has 8 elements but data has 1");
    ModelInferRequest wrongType = ModelInferRequest.newBuilder().setModelName("iris")
        .addInputs(irisInput(1).setDatatype("FP64")
            .setContents(InferTensorContents.newBuilder().addFp64Contents(1).addFp64Contents(2).addFp64Contents(3)
                .addFp64Contents(4)))
        .build();
    assertThatThrownBy(() -> stub.modelInfer(wrongType)).hasMessageContaining("datatype FP64 does not match");
    ModelInferRequest noInputs = ModelInferRequest.newBuilder().setModelName("iris").build();
    assertThatThrownBy(() -> stub.modelInfer(noInputs)).hasMessageContaining("'inputs' must not be empty");
  }

  @Test
  void aStreamAnswersEachRequestInOrderAndCarriesErrorsWithoutEndingTheStream() throws Exception {
    List<ModelStreamInferResponse> answers = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(1);
    StreamObserver<ModelInferRequest> requests = GRPCInferenceServiceGrpc.newStub(channel).modelStreamInfer(
        new StreamObserver<>() {
          @Override
          public void onNext(ModelStreamInferResponse value) {
            answers.add(value);
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
    requests.onNext(typedRequest(""));
    requests.onNext(ModelInferRequest.newBuilder(typedRequest("")).setModelName("nope").build());
    requests.onNext(typedRequest("1"));
    requests.onCompleted();
    assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
    assertThat(answers).hasSize(3);
    assertThat(answers.get(0).getInferResponse().getModelVersion()).isEqualTo("1");
    assertThat(answers.get(1).getErrorMessage()).contains("model 'nope' not found");
    assertThat(answers.get(2).getInferResponse().getOutputsCount()).isEqualTo(2);
  }
}
