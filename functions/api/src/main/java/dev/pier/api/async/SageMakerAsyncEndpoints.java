package dev.pier.api.async;

import dev.pier.async.AsyncEndpoints;
import dev.pier.endpoints.EndpointClient;
import dev.pier.kernel.PierException;
import dev.pier.registry.ModelVersion;
import dev.pier.runtime.EndpointRouter;
import dev.pier.runtime.PredictionService;
import dev.pier.runtime.oip.OipJson;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;

/**
 * The async worker's view of SageMaker asynchronous endpoints in AWS: a version is handed to one when it is placed on
 * an endpoint named in {@code pier.async.sagemaker-async-endpoints}; the call and the reading of the answer are the
 * {@link EndpointRouter}'s, as for real-time endpoint calls.
 */
final class SageMakerAsyncEndpoints implements AsyncEndpoints {
  private final PredictionService predictions;
  private final Set<String> names;
  private final Duration invocationTimeout;
  private final Duration requestTtl;

  SageMakerAsyncEndpoints(PredictionService predictions, Set<String> names, Duration invocationTimeout,
      Duration requestTtl) {
    if (invocationTimeout.toSeconds() < 1 || invocationTimeout.toSeconds() > 3600) {
      throw new IllegalArgumentException("pier.async.endpoint-invocation-timeout must be 1s..1h, got "
          + invocationTimeout);
    }
    if (requestTtl.toSeconds() < 60 || requestTtl.toSeconds() > 21600) {
      throw new IllegalArgumentException("pier.async.endpoint-request-ttl must be 1m..6h, got " + requestTtl);
    }
    this.predictions = predictions;
    this.names = Set.copyOf(names);
    this.invocationTimeout = invocationTimeout;
    this.requestTtl = requestTtl;
  }

  @Override
  public String endpointFor(String model, int version) {
    ModelVersion v = version(model, version);
    if (!v.onEndpoint()) {
      return null;
    }
    String name = EndpointRouter.endpointName(v);
    return names.contains(name) ? name : null;
  }

  @Override
  public Invocation invoke(String model, int version, String inputLocation, String inferenceId) {
    ModelVersion v = version(model, version);
    EndpointClient.AsyncInvocation i = router().invokeAsync(v, inputLocation, inferenceId, invocationTimeout,
        requestTtl);
    return new Invocation(EndpointRouter.endpointName(v), i.outputLocation(), i.failureLocation());
  }

  @Override
  public Duration maxRun() {
    return requestTtl.plus(invocationTimeout);
  }

  @Override
  public byte[] response(String model, int version, byte[] request, byte[] answer) {
    String requestId = request == null ? null : OipJson.parseRequest(request).id();
    return OipJson.writeResponse(EndpointRouter.response(version(model, version), answer, requestId));
  }

  @Override
  public String failureMessage(byte[] failure) {
    return EndpointClient.errorText(new String(failure, StandardCharsets.UTF_8));
  }

  private ModelVersion version(String model, int version) {
    return predictions.resolve(model, Integer.toString(version));
  }

  private EndpointRouter router() {
    EndpointRouter router = predictions.endpointRouter();
    if (router == null) {
      throw new PierException(503, "this server has no SageMaker runtime configured");
    }
    return router;
  }
}
