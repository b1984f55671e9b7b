package dev.pier.api;

import io.smallrye.config.WithDefault;
import java.net.URI;
import java.time.Duration;
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
}
