package dev.pier.runtime;

import dev.pier.endpoints.EndpointClient;
import dev.pier.registry.ModelVersion;
import dev.pier.runtime.oip.OipJson;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Serves endpoint-placed versions: forwards the (already checked) OIP request to the version's SageMaker endpoint
 * and reads the OIP answer back, naming the version Pier routed to. Asynchronous endpoints get the request from S3
 * ({@link #invokeAsync}) and write their answer to S3, which {@link #response} reads back the same way.
 */
public final class EndpointRouter {
  private final EndpointClient client;
  private final Consumer<ModelVersion> beforeInvoke;

  /**
   * @param beforeInvoke called with the version before each call; local mode uses it to host the version on the
   *     SageMaker-runtime stand-in the first time it is asked for
   */
  public EndpointRouter(EndpointClient client, Consumer<ModelVersion> beforeInvoke) {
    this.client = client;
    this.beforeInvoke = beforeInvoke;
  }

  public static String endpointName(ModelVersion v) {
    return v.placement().endpointFor(v.model(), v.version());
  }

  public InferenceResponse infer(ModelVersion version, InferenceRequest request) {
    beforeInvoke.accept(version);
    byte[] answer = client.invoke(endpointName(version), OipJson.writeRequest(request));
    return response(version, answer, request.id());
  }

  /**
   * Queues a request staged in S3 on the version's asynchronous endpoint ({@code InvokeEndpointAsync}).
   *
   * @param inputLocation {@code s3://bucket/key} of the OIP JSON request
   * @param inferenceId names the request in the endpoint's notifications
   */
  public EndpointClient.AsyncInvocation invokeAsync(ModelVersion version, String inputLocation, String inferenceId,
      Duration invocationTimeout, Duration requestTtl) {
    beforeInvoke.accept(version);
    return client.invokeAsync(endpointName(version), inputLocation, inferenceId, invocationTimeout, requestTtl);
  }

  /**
   * The endpoint's OIP JSON answer as the version's response, for the request with OIP id {@code requestId} (null
   * when it had none).
   */
  public static InferenceResponse response(ModelVersion version, byte[] answer, String requestId) {
    InferenceResponse r = OipJson.parseResponse(answer, version.model(), version.version());
    return new InferenceResponse(r.modelName(), r.modelVersion(), requestId, r.outputs());
  }
}
