package dev.pier.api.async;

import io.smallrye.config.WithDefault;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** {@code pier.async.*}: async predictions (README, "Async predictions"). */
public interface AsyncConfig {
  /** The DynamoDB table of async prediction records (with TTL on {@code expiresAt}). */
  @WithDefault("pier-async-predictions")
  String table();

  /** The S3 bucket for requests and results too large for the record ({@code async-requests/}, {@code async-results/}). */
  @WithDefault("pier-async")
  String bucket();

  /** The work queue's name (local mode creates it); in AWS set {@link #queueUrl()}. */
  @WithDefault("pier-async-predictions")
  String queue();

  /** The work queue's URL in AWS. */
  Optional<String> queueUrl();

  /** Endpoint override for SQS; unset means the region's endpoint (local mode uses ElasticMQ). */
  Optional<URI> sqsEndpoint();

  /** How long a worker holds a claimed prediction; also the local queue's visibility timeout. */
  @WithDefault("60s")
  Duration lease();

  /** Claims of a prediction that keeps failing with a server error before it is marked FAILED. */
  @WithDefault("5")
  int maxAttempts();

  /** Requests and results up to this many bytes stay in the record; larger ones go to S3. */
  @WithDefault("65536")
  int inlineBytes();

  /**
   * Local mode: predictions the in-process worker runs at once; 0 runs no worker here (another process works the
   * queue, e.g. the Lambda handler's SQS path in its tests).
   */
  @WithDefault("4")
  int workers();

  /**
   * HMAC key (any string, 32+ characters advised) that signs callbacks, like a webhook secret. Local mode generates
   * one in {@code <data-dir>/async/callback.key} when unset; in AWS requests with a callback URL are refused without it.
   */
  Optional<String> callbackSecret();

  /**
   * AWS mode: SageMaker endpoints deployed as asynchronous endpoints (the CDK endpoints stack sets its own). Async
   * predictions of versions placed on one of them are queued on it with {@code InvokeEndpointAsync} and completed from
   * its SNS notification instead of being scored by the worker; other endpoint-placed versions keep the real-time
   * call. Ignored in local mode.
   */
  Optional<List<String>> sagemakerAsyncEndpoints();

  /** {@code InvokeEndpointAsync}'s {@code InvocationTimeoutSeconds}: the longest one request may run (1 s to 1 h). */
  @WithDefault("15m")
  Duration endpointInvocationTimeout();

  /** {@code InvokeEndpointAsync}'s {@code RequestTTLSeconds}: the longest one may wait in the endpoint's queue (1 min to 6 h). */
  @WithDefault("6h")
  Duration endpointRequestTtl();
}
