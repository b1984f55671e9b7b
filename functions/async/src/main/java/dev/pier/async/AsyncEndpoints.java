package dev.pier.async;

import java.time.Duration;

/**
 * SageMaker asynchronous inference for the worker: which versions are served by an asynchronous endpoint, how a
 * request staged in S3 is queued on it, and how its answer becomes the OIP response. The worker hands such a
 * prediction over and lets go of it; the endpoint's success or error notification (SNS, delivered to the work
 * queue) completes the record later ({@link AsyncWorker#handleMessage}).
 */
public interface AsyncEndpoints {
  /** No asynchronous endpoints: the worker scores every version itself (local mode, or none configured). */
  AsyncEndpoints NONE = new AsyncEndpoints() {
    @Override
    public String endpointFor(String model, int version) {
      return null;
    }

    @Override
    public Invocation invoke(String model, int version, String inputLocation, String inferenceId) {
      throw new IllegalStateException("no asynchronous endpoints are configured");
    }

    @Override
    public Duration maxRun() {
      return Duration.ZERO;
    }

    @Override
    public byte[] response(String model, int version, byte[] request, byte[] answer) {
      throw new IllegalStateException("no asynchronous endpoints are configured");
    }

    @Override
    public String failureMessage(byte[] failure) {
      return new String(failure, java.nio.charset.StandardCharsets.UTF_8);
    }
  };

  /** Where the endpoint will write the answer, or the failure, of one queued request ({@code s3://} URIs). */
  record Invocation(String endpoint, String outputLocation, String failureLocation) {}

  /** The asynchronous endpoint serving this version; null when the worker scores it itself. */
  String endpointFor(String model, int version);

  /**
   * Queues the OIP request staged at {@code inputLocation} on the version's endpoint ({@code InvokeEndpointAsync}).
   * A {@link dev.pier.kernel.PierException} with a 4xx status fails the prediction; anything else is retried.
   */
  Invocation invoke(String model, int version, String inputLocation, String inferenceId);

  /**
   * The longest an endpoint may keep a request (its time in SageMaker's queue plus its run): the hand-off's lease,
   * after which the prediction may be claimed and queued again when its message comes back.
   */
  Duration maxRun();

  /**
   * The endpoint's answer as the version's OIP response JSON, exactly as for a real-time call.
   *
   * @param request the OIP request that was queued (for its {@code id}); null when it is gone
   */
  byte[] response(String model, int version, byte[] request, byte[] answer);

  /** The message of the object SageMaker wrote to the failure path (the container's error body). */
  String failureMessage(byte[] failure);
}
