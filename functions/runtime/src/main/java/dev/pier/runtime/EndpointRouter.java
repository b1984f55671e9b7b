package dev.pier.runtime;

import dev.pier.endpoints.EcsEndpointClient;
import dev.pier.endpoints.EndpointClient;
import dev.pier.kernel.PierException;
import dev.pier.registry.ModelVersion;
import dev.pier.runtime.oip.OipJson;
import java.net.URI;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Serves endpoint-placed versions: forwards the (already checked) OIP request to the version's SageMaker endpoint
 * and reads the OIP answer back, naming the version Pier routed to. Asynchronous endpoints get the request from S3
 * ({@link #invokeAsync}) and write their answer to S3, which {@link #response} reads back the same way.
 *
 * <p>ECS-placed versions ({@code "kind": "ecs"}) are forwarded to the ECS service's load balancer ({@link Ecs}) with
 * {@link EcsEndpointClient}; the answer names the version the service ran (during a rolling update, the old or the
 * new one). Without an {@link Ecs} (local mode: there is no ECS service) they are served in this process.
 */
public final class EndpointRouter {
  private final EndpointClient client;
  private final Consumer<ModelVersion> beforeInvoke;
  private final Ecs ecs;

  /**
   * Where ECS-placed versions are sent.
   *
   * @param client the HTTP client (timeouts, connect retries, a circuit breaker per service)
   * @param service the ECS service a version placed with no {@code endpoint_name} runs on
   *     ({@code pier.endpoints.ecs.service})
   * @param url that service's load balancer ({@code pier.endpoints.ecs.url}); null when it is not configured, which
   *     makes every ECS-placed request a 503 naming the setting
   */
  public record Ecs(EcsEndpointClient client, String service, URI url) {}

  /**
   * @param beforeInvoke called with the version before each call; local mode uses it to host the version on the
   *     SageMaker-runtime stand-in the first time it is asked for
   */
  public EndpointRouter(EndpointClient client, Consumer<ModelVersion> beforeInvoke) {
    this(client, beforeInvoke, null);
  }

  /** @param ecs where ECS-placed versions go; null to serve them in the calling process (local mode) */
  public EndpointRouter(EndpointClient client, Consumer<ModelVersion> beforeInvoke, Ecs ecs) {
    this.client = client;
    this.beforeInvoke = beforeInvoke;
    this.ecs = ecs;
  }

  public static String endpointName(ModelVersion v) {
    return v.placement().endpointFor(v.model(), v.version());
  }

  /**
   * The version's inference component on a scale-to-zero endpoint ({@code instance_count} 0), as the deployer names
   * it; null for an endpoint whose model is the version.
   */
  public static String inferenceComponent(ModelVersion v) {
    return v.placement().scalesToZero() && v.artifact().sha256() != null
        ? dev.pier.registry.Placement.versionedName(endpointName(v), v.version(), v.artifact().sha256()) : null;
  }

  /** Whether {@code v} is served elsewhere (a SageMaker endpoint, or the ECS service when one is configured). */
  public boolean forwards(ModelVersion v) {
    return v.onEndpoint() || (ecs != null && onEcs(v));
  }

  /** Whether a version is served elsewhere, for a process that may have no router ({@code router} null). */
  public static boolean forwards(EndpointRouter router, ModelVersion v) {
    return router == null ? v.onEndpoint() : router.forwards(v);
  }

  private static boolean onEcs(ModelVersion v) {
    return v.placement() != null && v.placement().onEcs();
  }

  /** Where a forwarded version is served, as the model metadata's {@code platform} says. */
  public String platform(ModelVersion v) {
    return onEcs(v) ? "ecs_service:" + ecsService(v) : "sagemaker_endpoint:" + endpointName(v);
  }

  private String ecsService(ModelVersion v) {
    return v.placement().endpointName() != null ? v.placement().endpointName() : ecs.service();
  }

  public InferenceResponse infer(ModelVersion version, InferenceRequest request) {
    if (onEcs(version) && ecs != null) {
      return inferOnEcs(version, request);
    }
    beforeInvoke.accept(version);
    byte[] answer = client.invoke(endpointName(version), inferenceComponent(version), OipJson.writeRequest(request));
    return response(version, answer, request.id());
  }

  private InferenceResponse inferOnEcs(ModelVersion version, InferenceRequest request) {
    String named = version.placement().endpointName();
    String service = named != null ? named : ecs.service() != null ? ecs.service() : "(pier.endpoints.ecs.service)";
    if (ecs.url() == null || (named != null && !named.equals(ecs.service()))) {
      throw new PierException(503, "version " + version.version() + " of '" + version.model() + "' is placed on ECS"
          + " service " + service + ", and this server knows no URL for it: set pier.endpoints.ecs.url (the load"
          + " balancer of pier.endpoints.ecs.service" + (ecs.service() == null ? "" : ", " + ecs.service()) + ")");
    }
    EcsEndpointClient.Answer a = ecs.client().invoke(ecs.url(), service, version.model(),
        OipJson.writeRequest(request));
    InferenceResponse r = OipJson.parseResponse(a.body(), version.model(),
        a.version() != null ? a.version() : version.version());
    return new InferenceResponse(r.modelName(), r.modelVersion(), request.id(), r.outputs());
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
