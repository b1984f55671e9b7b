package dev.pier.grpc;

import dev.pier.grpc.v2.ModelInferRequest;
import dev.pier.grpc.v2.ModelInferResponse;
import dev.pier.grpc.v2.ModelStreamInferResponse;
import io.grpc.stub.StreamObserver;
import java.util.function.Function;

/** {@code ModelStreamInfer} as the platform and the endpoint container both serve it. */
public final class GrpcStreams {
  private GrpcStreams() {}

  /**
   * Answers each request of the stream in order with {@code answer}; a request that fails yields a response carrying
   * {@code error_message} ({@code describe} of its exception) and the stream goes on.
   */
  public static StreamObserver<ModelInferRequest> eachAnswered(StreamObserver<ModelStreamInferResponse> out,
      Function<ModelInferRequest, ModelInferResponse> answer, Function<RuntimeException, String> describe) {
    return new StreamObserver<>() {
      @Override
      public void onNext(ModelInferRequest request) {
        ModelStreamInferResponse response;
        try {
          response = ModelStreamInferResponse.newBuilder().setInferResponse(answer.apply(request)).build();
        } catch (RuntimeException e) {
          response = ModelStreamInferResponse.newBuilder().setErrorMessage(describe.apply(e)).build();
        }
        synchronized (out) {
          out.onNext(response);
        }
      }

      @Override
      public void onError(Throwable t) {
        // the client went away; nothing to answer
      }

      @Override
      public void onCompleted() {
        synchronized (out) {
          out.onCompleted();
        }
      }
    };
  }
}
