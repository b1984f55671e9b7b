package dev.pier.endpoints.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.endpoints.EcsEndpointClient;
import dev.pier.endpoints.EndpointClient;
import dev.pier.grpc.GrpcFrontend;
import dev.pier.grpc.v2.GRPCInferenceServiceGrpc;
import dev.pier.grpc.v2.InferTensorContents;
import dev.pier.grpc.v2.ModelInferRequest;
import dev.pier.grpc.v2.ModelInferResponse;
import dev.pier.grpc.v2.ModelMetadataRequest;
import dev.pier.kernel.PierException;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.AwsClients.AwsSettings;
import dev.pier.kernel.engine.Framework;
import dev.pier.kernel.tensor.Datatype;
import dev.pier.local.LocalAws;
import dev.pier.registry.ArtifactStore;
import dev.pier.registry.ModelRegistry;
import dev.pier.registry.ModelResolver;
import dev.pier.registry.ModelVersion;
import dev.pier.registry.NewVersion;
import dev.pier.registry.Placement;
import dev.pier.registry.RegistryTable;
import dev.pier.runtime.EndpointRouter;
import dev.pier.runtime.InferenceRequest;
import dev.pier.runtime.InferenceResponse;
import dev.pier.runtime.ModelCache;
import dev.pier.runtime.PredictionService;
import dev.pier.runtime.RpcFrontend;
import dev.pier.runtime.Tensor;
import dev.pier.runtime.onnx.OnnxEngine;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The platform's own prediction paths — the runtime pipeline the REST route runs, and the OIP gRPC service — for a
 * version registered with {@code "placement": {"kind": "ecs"}}: resolved from the registry, checked against its
 * signature here, and run by the ECS service (a real endpoint container behind a {@link LoadBalancer}), never loaded
 * in this process.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EcsPlatformRoutesTest {
  private Path dir;
  private LocalAws aws;
  private AwsClients clients;
  private ModelCache cache;
  private EndpointServer task;
  private LoadBalancer lb;
  private PredictionService predictions;
  private RpcFrontend.Running grpc;
  private ManagedChannel channel;
  private ModelVersion placed;

  @BeforeAll
  void start() throws Exception {
    dir = java.nio.file.Files.createTempDirectory("pier-ecs-routes");
    aws = LocalAws.start(dir.resolve("data"));
    clients = new AwsClients(new AwsSettings(aws.region(), aws.dynamoDbEndpoint(), aws.s3Endpoint(),
        aws.accessKeyId(), aws.secretAccessKey()));
    RegistryTable.createIfMissing(clients.dynamoDb(), "registry");
    ArtifactStore artifacts = new ArtifactStore(clients.s3(), "artifacts");
    artifacts.createBucketIfMissing();
    ModelRegistry registry = new ModelRegistry(clients.dynamoDb(), "registry", artifacts);
    placed = registry.register("iris", new NewVersion(Framework.ONNX,
        new OnnxEngine(1).load(EndpointServerTest.IRIS).signature(), null,
        new ModelVersion.Serving(null, new Placement(Placement.Kind.ECS, null, null, 1, null)), null),
        EndpointServerTest.IRIS, null);
    registry.setAlias("iris", "production", 1);

    task = new EndpointServer(new OnnxEngine(1).load(EndpointServerTest.IRIS), "onnxruntime_onnx", null,
        BatchPolicy.none(), "iris", 1, "127.0.0.1", 0);
    lb = new LoadBalancer();
    lb.register(task.port());
    cache = new ModelCache(artifacts, dir.resolve("staging"), 1 << 30, Duration.ofMinutes(5),
        List.of(new OnnxEngine(1)));
    EndpointRouter router = new EndpointRouter(new EndpointClient(null), v -> { }, new EndpointRouter.Ecs(
        new EcsEndpointClient(EcsEndpointClient.Settings.DEFAULT, Clock.systemUTC()), "pier-dev-gpu", lb.url()));
    predictions = new PredictionService(new ModelResolver(registry, Duration.ofSeconds(5), Duration.ofSeconds(60)),
        cache, router);
    grpc = new GrpcFrontend().start(predictions, "pier", "0.1.0", "127.0.0.1", 0, null);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", grpc.port()).usePlaintext().build();
  }

  @AfterAll
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    grpc.close();
    lb.close();
    task.close();
    cache.close();
    clients.close();
    aws.close();
  }

  private long containerRequests() {
    StringBuilder out = new StringBuilder();
    task.metrics().write(out);
    return out.toString().lines().filter(l -> l.startsWith("pier_endpoint_batch_size_count"))
        .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  @Test
  void theRestPipelineAndGrpcForwardTheVersionToTheEcsServiceAndRefuseBadInputFirst() {
    long before = containerRequests();
    InferenceResponse r = predictions.infer("iris", null, new InferenceRequest("rest-1", List.of(new Tensor("input",
        Datatype.FP32, new long[] {2, 4}, new float[] {5.1f, 3.5f, 1.4f, 0.2f, 6.7f, 3.0f, 5.2f, 2.3f})), List.of()));
    assertThat(r.id()).isEqualTo("rest-1");
    assertThat(r.modelVersion()).isEqualTo(1);
    assertThat((long[]) r.outputs().get(1).data()).containsExactly(0, 2);
    assertThat(containerRequests()).isEqualTo(before + 1); // the ECS service ran it
    assertThat(cache.isLoaded(placed)).isFalse(); // this process never loaded the model

    // a wrong shape is refused here, against the registered signature, before it reaches the GPU
    assertThatThrownBy(() -> predictions.infer("iris", null, new InferenceRequest("bad", List.of(new Tensor("input",
        Datatype.FP32, new long[] {1, 3}, new float[] {1, 2, 3})), List.of())))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(400));
    assertThat(containerRequests()).isEqualTo(before + 1);

    var stub = GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    InferTensorContents.Builder c = InferTensorContents.newBuilder();
    for (float v : new float[] {5.1f, 3.5f, 1.4f, 0.2f}) {
      c.addFp32Contents(v);
    }
    ModelInferResponse g = stub.modelInfer(ModelInferRequest.newBuilder().setModelName("iris").setId("grpc-1")
        .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("input").setDatatype("FP32")
            .addShape(1).addShape(4).setContents(c)).build());
    assertThat(g.getId()).isEqualTo("grpc-1");
    assertThat(g.getModelVersion()).isEqualTo("1");
    assertThat(containerRequests()).isEqualTo(before + 2);
    assertThat(stub.modelMetadata(ModelMetadataRequest.newBuilder().setName("iris").build()).getPlatform())
        .isEqualTo("ecs_service:pier-dev-gpu");
    assertThat(cache.isLoaded(placed)).isFalse();
  }
}
