package dev.pier.runtime;

import dev.pier.endpoints.EndpointClient;
import dev.pier.registry.ModelVersion;
import dev.pier.runtime.oip.OipJson;
import java.util.function.Consumer;

/**
 * Serves endpoint-placed versions: forwards the (already checked) OIP request to the version's SageMaker endpoint
 * and reads the OIP answer back, naming the version Pier routed to.
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

  InferenceResponse infer(ModelVersion version, InferenceRequest request) {
    beforeInvoke.accept(version);
    byte[] answer = client.invoke(endpointName(version), OipJson.writeRequest(request));
    InferenceResponse r = OipJson.parseResponse(answer, version.model(), version.version());
    return new InferenceResponse(r.modelName(), r.modelVersion(), request.id(), r.outputs());
  }
}
