package dev.pier.grpc;

import dev.pier.grpc.v2.GRPCInferenceServiceGrpc;
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
import dev.pier.kernel.security.AccessDenied;
import dev.pier.kernel.security.Credentials;
import dev.pier.security.Gatekeeper;
import dev.pier.kernel.security.Permission;
import dev.pier.kernel.tensor.Signature;
import dev.pier.kernel.tensor.TensorSpec;
import dev.pier.registry.ModelVersion;
import dev.pier.runtime.InferenceResponse;
import dev.pier.runtime.Budget;
import dev.pier.runtime.PredictionService;
import dev.pier.runtime.prediction.PredictionCall;
import dev.pier.runtime.prediction.PredictionPipeline;
import dev.pier.runtime.prediction.Slot;
import dev.pier.runtime.prediction.WayIn;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.UUID;


/**
 * {@code inference.GRPCInferenceService}: decodes each infer message into a {@link PredictionCall} (way in
 * {@code grpc}) for the prediction pipeline every way in shares — the same authorization, resolution (version
 * number, alias, or the {@code production} alias when {@code model_version} is empty), validation, engines, audit
 * sample, probe detection and metrics as REST — and encodes its answer.
 * Pier's failures map to gRPC status codes: 400 → INVALID_ARGUMENT, 404 → NOT_FOUND, 413/429 → RESOURCE_EXHAUSTED,
 * 401 → UNAUTHENTICATED, 403 → PERMISSION_DENIED, 501 → UNIMPLEMENTED, 503 → UNAVAILABLE, else INTERNAL.
 */
final class InferenceService extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {
  private final PredictionService predictions;
  private final PredictionPipeline pipeline;
  private final String serverName;
  private final String serverVersion;
  private final Gatekeeper gatekeeper;

  /**
   * @param predictions answers the metadata calls
   * @param pipeline answers the infer calls (and checks their callers)
   * @param gatekeeper the shared policy check of the metadata calls; null serves everyone (tests of the protocol)
   */
  InferenceService(PredictionService predictions, PredictionPipeline pipeline, String serverName,
      String serverVersion, Gatekeeper gatekeeper) {
    this.predictions = predictions;
    this.pipeline = pipeline;
    this.serverName = serverName;
    this.serverVersion = serverVersion;
    this.gatekeeper = gatekeeper;
  }

  /**
   * The same check REST routes pass: credentials from the call's metadata, permission on the message's model.
   * Returns who called ({@code system} without a gatekeeper).
   */
  private String admit(Permission permission, String model) {
    if (gatekeeper == null) {
      return "system";
    }
    Credentials credentials = CallerMetadata.CREDENTIALS.get();
    return gatekeeper.admit(credentials == null ? new Credentials.None() : credentials, null,
        CallerMetadata.SOURCE.get(), permission, model).id();
  }

  private static String reference(String version) {
    return version == null || version.isEmpty() ? null : version;
  }

  @Override
  public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> out) {
    out.onNext(ServerLiveResponse.newBuilder().setLive(true).build());
    out.onCompleted();
  }

  @Override
  public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> out) {
    out.onNext(ServerReadyResponse.newBuilder().setReady(true).build());
    out.onCompleted();
  }

  @Override
  public void serverMetadata(ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> out) {
    out.onNext(ServerMetadataResponse.newBuilder().setName(serverName).setVersion(serverVersion).build());
    out.onCompleted();
  }

  @Override
  public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> out) {
    unary(out, () -> {
      admit(Permission.READ, request.getName());
      ModelVersion v = predictions.resolve(request.getName(), reference(request.getVersion()));
      return ModelReadyResponse.newBuilder().setReady(predictions.ready(v)).build();
    });
  }

  @Override
  public void modelMetadata(ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> out) {
    unary(out, () -> {
      admit(Permission.READ, request.getName());
      ModelVersion v = predictions.resolve(request.getName(), reference(request.getVersion()));
      Signature s = predictions.signature(v);
      ModelMetadataResponse.Builder b = ModelMetadataResponse.newBuilder().setName(v.model())
          .addVersions(Integer.toString(v.version())).setPlatform(predictions.platform(v));
      s.inputs().forEach(t -> b.addInputs(metadata(t)));
      s.outputs().forEach(t -> b.addOutputs(metadata(t)));
      return b.build();
    });
  }

  private static ModelMetadataResponse.TensorMetadata metadata(TensorSpec t) {
    ModelMetadataResponse.TensorMetadata.Builder b = ModelMetadataResponse.TensorMetadata.newBuilder()
        .setName(t.name()).setDatatype(t.datatype().name());
    for (long d : t.shape()) {
      b.addShape(d);
    }
    return b.build();
  }

  @Override
  public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> out) {
    unary(out, () -> infer(request));
  }

  private ModelInferResponse infer(ModelInferRequest request) {
    long arrival = System.nanoTime();
    if (request.getModelName().isEmpty()) {
      throw PierException.badRequest("model_name is required");
    }
    String requestId = CallerMetadata.REQUEST_ID.get() != null ? CallerMetadata.REQUEST_ID.get()
        : UUID.randomUUID().toString();
    Credentials credentials = CallerMetadata.CREDENTIALS.get();
    PredictionCall call = new PredictionCall(WayIn.GRPC, request.getModelName(), reference(request.getModelVersion()),
        null, requestId, CallerMetadata.SUBJECT.get(), arrival, Budget.WAIT)
        .credentials(credentials == null ? new Credentials.None() : credentials, null, CallerMetadata.SOURCE.get())
        .attributes(CallerMetadata.ATTRIBUTES.get()); // experiment targeting: metadata x-pier-attributes
    pipeline.runThrough(call, Slot.ADMIT); // the caller is checked before anything reads their message
    try {
      // the input hash is over the message's bytes, the kept input (raw-input capture on) is the request as OIP JSON
      call.request(GrpcTensors.request(request)).body(request.toByteArray(), PredictionCall.OPAQUE);
    } catch (RuntimeException e) {
      throw pipeline.fail(call, e);
    }
    InferenceResponse r = pipeline.answer(call);
    ModelInferResponse response = GrpcTensors.response(r, request.getRawInputContentsCount() > 0);
    // an experiment's arm answered: say which in the response's parameters (per message, so streams carry it too)
    return call.experiment() == null ? response : response.toBuilder().putParameters(EXPERIMENT,
        dev.pier.grpc.v2.InferParameter.newBuilder().setStringParam(call.experiment()).build()).build();
  }

  /** The response parameter naming the experiment and arm that answered: {@code <experiment id>=<arm>}. */
  public static final String EXPERIMENT = "experiment";

  /**
   * Bidirectional streaming: each request is answered in order on the same stream; a failed request yields a
   * response carrying {@code error_message} and the stream goes on.
   */
  @Override
  public StreamObserver<ModelInferRequest> modelStreamInfer(StreamObserver<ModelStreamInferResponse> out) {
    return GrpcStreams.eachAnswered(out, this::infer, e -> e instanceof PierException || e instanceof AccessDenied
        ? e.getMessage() : "internal error (" + e.getClass().getSimpleName() + ")");
  }

  private static <T> void unary(StreamObserver<T> out, java.util.function.Supplier<T> call) {
    T value;
    try {
      value = call.get();
    } catch (PierException e) {
      out.onError(status(e));
      return;
    } catch (AccessDenied e) {
      Status s = switch (e.status()) {
        case 401 -> Status.UNAUTHENTICATED;
        case 429 -> Status.RESOURCE_EXHAUSTED;
        default -> Status.PERMISSION_DENIED;
      };
      out.onError(s.withDescription(e.getMessage()).asRuntimeException());
      return;
    } catch (RuntimeException e) {
      out.onError(Status.INTERNAL.withDescription("internal error (" + e.getClass().getSimpleName() + ")")
          .withCause(e).asRuntimeException());
      return;
    }
    out.onNext(value);
    out.onCompleted();
  }

  static StatusRuntimeException status(PierException e) {
    return GrpcStatus.of(e);
  }

}
