package dev.pier.endpoints;

import dev.pier.kernel.PierException;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import java.time.Duration;
import software.amazon.awssdk.services.sagemakerruntime.SageMakerRuntimeClient;
import software.amazon.awssdk.services.sagemakerruntime.model.InvokeEndpointAsyncResponse;
import software.amazon.awssdk.services.sagemakerruntime.model.InvokeEndpointResponse;
import software.amazon.awssdk.services.sagemakerruntime.model.ModelErrorException;
import software.amazon.awssdk.services.sagemakerruntime.model.ModelNotReadyException;
import software.amazon.awssdk.services.sagemakerruntime.model.ServiceUnavailableException;
import software.amazon.awssdk.services.sagemakerruntime.model.ValidationErrorException;

/**
 * Sends Open Inference Protocol JSON requests to models placed on SageMaker endpoints (GPU instances, or any
 * serving container that speaks OIP) through {@code sagemaker-runtime InvokeEndpoint}, and maps its failures to
 * Pier's: a 4xx from the container stays that 4xx with the container's message, an unknown endpoint or one that is
 * not ready is a 503 naming it. Asynchronous endpoints are called through {@code InvokeEndpointAsync}
 * ({@link #invokeAsync}): the request is read from S3 and the answer written to S3. Thread-safe.
 */
public final class EndpointClient {
  /** How long a caller of a scaled-to-zero model is told to wait by default (AWS: "several minutes" to scale out). */
  public static final Duration SCALE_OUT_RETRY_AFTER = Duration.ofSeconds(60);
  private final SageMakerRuntimeClient client;
  private final Duration scaleOutRetryAfter;

  public EndpointClient(SageMakerRuntimeClient client) {
    this(client, SCALE_OUT_RETRY_AFTER);
  }

  /** @param scaleOutRetryAfter the Retry-After of a request that found a scale-to-zero model at zero copies */
  public EndpointClient(SageMakerRuntimeClient client, Duration scaleOutRetryAfter) {
    this.client = client;
    this.scaleOutRetryAfter = scaleOutRetryAfter;
  }

  /** Invokes {@code endpointName} with an OIP JSON body and returns the container's OIP JSON answer. */
  public byte[] invoke(String endpointName, byte[] oipJson) {
    return invoke(endpointName, null, oipJson);
  }

  /**
   * Invokes {@code inferenceComponent} (null: the endpoint's model) on {@code endpointName}. A component scaled to zero
   * copies answers at once with a 503 and Retry-After ({@code scaleOutRetryAfter}); the request is not queued: the
   * failed invocation is what SageMaker counts as {@code NoCapacityInvocationFailures}, the metric whose alarm makes
   * Application Auto Scaling add a copy (and an instance) — the caller retries once it is there.
   */
  public byte[] invoke(String endpointName, String inferenceComponent, byte[] oipJson) {
    try {
      InvokeEndpointResponse r = client.invokeEndpoint(b -> b.endpointName(endpointName)
          .inferenceComponentName(inferenceComponent)
          .contentType("application/json").accept("application/json").body(SdkBytes.fromByteArray(oipJson)));
      return r.body().asByteArray();
    } catch (ModelErrorException e) {
      int status = e.originalStatusCode() == null ? 502 : e.originalStatusCode();
      String message = e.originalMessage() == null ? e.getMessage() : e.originalMessage();
      throw new PierException(status >= 400 && status < 500 ? status : 502,
          status >= 400 && status < 500 ? errorText(message) : "endpoint " + endpointName + " failed: " + message);
    } catch (ValidationErrorException e) {
      String message = e.awsErrorDetails().errorMessage();
      if (inferenceComponent != null && noCapacity(message)) {
        long seconds = Math.max(1, scaleOutRetryAfter.toSeconds());
        throw new PierException(503, "the model is scaled to zero on endpoint " + endpointName + " and is scaling out"
            + " (inference component " + inferenceComponent + " has no copy yet; SageMaker takes minutes to add an"
            + " instance); retry after " + seconds + " s", seconds);
      }
      throw new PierException(503, "endpoint " + endpointName + " is not available: " + message, e);
    } catch (ModelNotReadyException | ServiceUnavailableException e) {
      throw new PierException(503, "endpoint " + endpointName + " is not ready: " + e.getMessage(), e);
    } catch (SdkException e) {
      throw new PierException(503, "could not reach endpoint " + endpointName + ": " + e.getMessage(), e);
    }
  }

  /**
   * SageMaker's answer to an invocation of an inference component with no copies: "Inference Component has no
   * capacity to process this request. ApplicationAutoScaling may be in-progress (if configured) or try to increase the
   * capacity by invoking UpdateInferenceComponentRuntimeConfig API."
   */
  static boolean noCapacity(String message) {
    return message != null && message.toLowerCase(java.util.Locale.ROOT).contains("no capacity");
  }

  /** Where an asynchronous endpoint will write its answer, or its failure. */
  public record AsyncInvocation(String inferenceId, String outputLocation, String failureLocation) {}

  /**
   * Queues the OIP JSON request staged at {@code inputLocation} ({@code s3://bucket/key}) on the asynchronous
   * endpoint {@code endpointName}. SageMaker reads it when an instance is free (scaling up from zero first), runs it
   * for at most {@code invocationTimeout} and drops it when it waited longer than {@code requestTtl}.
   *
   * @param inferenceId names the request in SageMaker's notifications (Pier passes the prediction id)
   * @throws PierException 503 when the endpoint is unknown, not asynchronous or unreachable
   */
  public AsyncInvocation invokeAsync(String endpointName, String inputLocation, String inferenceId,
      Duration invocationTimeout, Duration requestTtl) {
    try {
      InvokeEndpointAsyncResponse r = client.invokeEndpointAsync(b -> b.endpointName(endpointName)
          .contentType("application/json").accept("application/json").inputLocation(inputLocation)
          .inferenceId(inferenceId)
          .invocationTimeoutSeconds((int) invocationTimeout.toSeconds())
          .requestTTLSeconds((int) requestTtl.toSeconds()));
      return new AsyncInvocation(r.inferenceId(), r.outputLocation(), r.failureLocation());
    } catch (ValidationErrorException e) {
      throw new PierException(503, "endpoint " + endpointName + " is not available for asynchronous inference: "
          + e.awsErrorDetails().errorMessage(), e);
    } catch (SdkException e) {
      throw new PierException(503, "could not reach endpoint " + endpointName + ": " + e.getMessage(), e);
    }
  }

  /** OIP containers answer {"error": "..."}: pass the message on without the JSON wrapping. */
  public static String errorText(String body) {
    if (body == null) {
      return "the endpoint refused the request";
    }
    String s = body.trim();
    if (s.startsWith("{\"error\"")) {
      try {
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(s).get("error").asText();
      } catch (Exception ignored) {
        // not the OIP error shape after all
      }
    }
    return s;
  }
}
