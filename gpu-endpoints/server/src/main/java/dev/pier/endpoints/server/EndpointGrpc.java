package dev.pier.endpoints.server;

import dev.pier.grpc.GrpcStatus;
import dev.pier.grpc.GrpcStreams;
import dev.pier.grpc.GrpcTensors;
import dev.pier.grpc.v2.GRPCInferenceServiceGrpc;
import dev.pier.grpc.v2.InferParameter;
import dev.pier.grpc.v2.ModelInferRequest;
import dev.pier.grpc.v2.ModelInferResponse;
import dev.pier.grpc.v2.ModelMetadataRequest;
import dev.pier.grpc.v2.ModelMetadataResponse;
import dev.pier.grpc.v2.ModelReadyRequest;
import dev.pier.grpc.v2.ModelReadyResponse;
import dev.pier.grpc.v2.ModelStreamInferResponse;
import dev.pier.grpc.v2.ServerLiveRequest;
import dev.pier.grpc.v2.ServerLiveResponse;
import dev.pier.grpc.v2.ServerMetadataRequest;
import dev.pier.grpc.v2.ServerMetadataResponse;
import dev.pier.grpc.v2.ServerReadyRequest;
import dev.pier.grpc.v2.ServerReadyResponse;
import dev.pier.kernel.PierException;
import dev.pier.kernel.tensor.TensorSpec;
import dev.pier.runtime.InferenceRequest;
import dev.pier.runtime.InferenceResponse;
import dev.pier.runtime.Tensor;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code inference.GRPCInferenceService} on the endpoint container: the platform's service (same {@code .proto}, same
 * tensor codec, {@link GrpcTensors}, same status codes, {@link GrpcStatus}) for the one model this container serves.
 * Each infer message goes through {@link EndpointServer#predict} — the signature check and the dynamic batcher REST
 * uses — so gRPC and REST requests are batched together. A message's {@code parameters.priority} ({@code int64_param},
 * 1 = highest) picks the batcher's priority level, as Triton's gRPC does.
 */
final class EndpointGrpc extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {
  private final EndpointServer endpoint;

  EndpointGrpc(EndpointServer endpoint) {
    this.endpoint = endpoint;
  }

  @Override
  public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> out) {
    out.onNext(ServerLiveResponse.newBuilder().setLive(true).build());
    out.onCompleted();
  }

  @Override
  public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> out) {
    out.onNext(ServerReadyResponse.newBuilder().setReady(endpoint.ready()).build());
    out.onCompleted();
  }

  @Override
  public void serverMetadata(ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> out) {
    out.onNext(ServerMetadataResponse.newBuilder().setName("pier-endpoint").setVersion("0.1.0").build());
    out.onCompleted();
  }

  @Override
  public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> out) {
    unary(out, () -> {
      served(request.getName(), request.getVersion());
      return ModelReadyResponse.newBuilder().setReady(endpoint.ready()).build();
    });
  }

  @Override
  public void modelMetadata(ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> out) {
    unary(out, () -> {
      served(request.getName(), request.getVersion());
      ModelMetadataResponse.Builder b = ModelMetadataResponse.newBuilder().setName(endpoint.modelName())
          .addVersions(Integer.toString(endpoint.version())).setPlatform(endpoint.platform());
      endpoint.signature().inputs().forEach(t -> b.addInputs(metadata(t)));
      endpoint.signature().outputs().forEach(t -> b.addOutputs(metadata(t)));
      return b.build();
    });
  }

  @Override
  public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> out) {
    unary(out, () -> infer(request));
  }

  /** Each request answered in order on the stream; a failed one yields {@code error_message} and the stream goes on. */
  @Override
  public StreamObserver<ModelInferRequest> modelStreamInfer(StreamObserver<ModelStreamInferResponse> out) {
    return GrpcStreams.eachAnswered(out, this::infer,
        e -> e instanceof PierException ? e.getMessage() : "the model failed: " + e);
  }

  private ModelInferResponse infer(ModelInferRequest message) {
    served(message.getModelName(), message.getModelVersion());
    int priority = priority(message);
    InferenceRequest request = GrpcTensors.request(message);
    List<Tensor> outputs = endpoint.predict(request, priority);
    return GrpcTensors.response(new InferenceResponse(endpoint.modelName(), endpoint.version(), request.id(), outputs),
        message.getRawInputContentsCount() > 0);
  }

  /** The message's {@code parameters.priority}: 0 (the policy's default) when absent. */
  static int priority(ModelInferRequest message) {
    InferParameter p = message.getParametersMap().get("priority");
    if (p == null) {
      return 0;
    }
    if (p.getParameterChoiceCase() != InferParameter.ParameterChoiceCase.INT64_PARAM || p.getInt64Param() < 1
        || p.getInt64Param() > Integer.MAX_VALUE) {
      throw PierException.badRequest("parameters.priority must be an int64_param from 1 (highest), got "
          + p.toString().strip());
    }
    return (int) p.getInt64Param();
  }

  /** 404 unless the message names this container's model (and its version, or none). */
  private void served(String model, String version) {
    if (model.isEmpty()) {
      throw PierException.badRequest("model_name is required");
    }
    if (!model.equals(endpoint.modelName())) {
      throw PierException.notFound("model '" + model + "' is not served here; this endpoint serves '"
          + endpoint.modelName() + "'");
    }
    if (!version.isEmpty() && !version.equals(Integer.toString(endpoint.version()))) {
      throw PierException.notFound("version " + version + " of '" + model + "' is not served here; this endpoint"
          + " serves version " + endpoint.version());
    }
  }

  private static ModelMetadataResponse.TensorMetadata metadata(TensorSpec t) {
    ModelMetadataResponse.TensorMetadata.Builder b = ModelMetadataResponse.TensorMetadata.newBuilder()
        .setName(t.name()).setDatatype(t.datatype().name());
    for (long d : t.shape()) {
      b.addShape(d);
    }
    return b.build();
  }

  private static <T> void unary(StreamObserver<T> out, Supplier<T> call) {
    T value;
    try {
      value = call.get();
    } catch (PierException e) {
      out.onError(GrpcStatus.of(e));
      return;
    } catch (RuntimeException e) {
      out.onError(Status.INTERNAL.withDescription("the model failed: " + e).withCause(e).asRuntimeException());
      return;
    }
    out.onNext(value);
    out.onCompleted();
  }
}
