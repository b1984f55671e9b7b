package dev.pier.api.async;

import dev.pier.api.ApiErrors;
import dev.pier.api.PierConfig;
import dev.pier.api.inference.Predictions;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.local.LocalStandIns;
import dev.pier.api.privacy.RetentionConfig;
import dev.pier.registry.events.WebhookDispatcher;

import dev.pier.async.AsyncEndpoints;
import dev.pier.async.AsyncObjects;
import dev.pier.async.AsyncPoller;
import dev.pier.async.AsyncPredictions;
import dev.pier.async.AsyncQueue;
import dev.pier.async.AsyncScorer;
import dev.pier.async.AsyncSettings;
import dev.pier.async.AsyncSqsBatch;
import dev.pier.async.AsyncTable;
import dev.pier.async.AsyncWorker;
import dev.pier.async.CallbackSender;
import dev.pier.kernel.PierException;
import dev.pier.runtime.Budget;
import dev.pier.runtime.PredictionService;
import dev.pier.runtime.prediction.PredictionCall;
import dev.pier.runtime.prediction.PredictionPipeline;
import dev.pier.runtime.prediction.Slot;
import dev.pier.runtime.prediction.WayIn;
import dev.pier.runtime.oip.OipJson;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.event.Observes;
import io.quarkus.arc.Unremovable;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Wires async predictions: the record table, the bucket for large bodies, the work queue and the worker. In local
 * mode it creates the table, bucket and an ElasticMQ queue, re-queues what a previous process left unfinished and
 * runs the worker in-process ({@link AsyncPoller}); in AWS the queue is SQS ({@code pier.async.queue-url}) and the
 * same {@link AsyncWorker} runs behind the SQS-triggered handler (the {@link AsyncSqsBatch} produced here). Produces
 * the async predictions, that SQS batch handler and whether callbacks can be signed here ({@link AsyncCallbacks}).
 *
 * <p>Endpoint-placed versions are scored by the worker through the same {@link PredictionService}, i.e. a real-time
 * {@code InvokeEndpoint} call made from the worker, not from the caller's request — except in AWS on the endpoints
 * named in {@code pier.async.sagemaker-async-endpoints}, SageMaker asynchronous endpoints: there the worker stages the
 * request in S3, queues it with {@code InvokeEndpointAsync} and lets go; the endpoint's SNS success or error
 * notification, delivered to the same work queue, completes the record ({@link SageMakerAsyncEndpoints},
 * {@link AsyncWorker}).
 */
@Singleton
public class AsyncWiring {
  private final SqsClient sqs;
  private final AsyncPredictions predictions;
  private final AsyncWorker worker;
  private final AsyncPoller poller;
  private final String callbackSecret;
  private final boolean local;

  public AsyncWiring(PierConfig config, AwsClients aws, Optional<LocalStandIns> standIns, PredictionService service,
      Predictions pipeline, WebhookDispatcher dispatcher, AsyncMetrics metrics, RetentionConfig retention) {
    AsyncConfig async = config.async();
    this.local = standIns.isPresent();
    AsyncSettings settings = new AsyncSettings(async.lease(), async.maxAttempts(), retention.asyncResults(),
        async.inlineBytes());
    this.sqs = aws.client(SqsClient.builder(),
        local ? standIns.get().sqsEndpoint() : async.sqsEndpoint().orElse(null));
    AsyncTable table = new AsyncTable(aws.dynamoDb(), async.table());
    AsyncObjects objects = new AsyncObjects(aws.s3(), async.bucket());
    String queueUrl;
    if (local) {
      AsyncTable.createIfMissing(aws.dynamoDb(), async.table());
      objects.createBucketIfMissing();
      queueUrl = AsyncQueue.createIfMissing(sqs, async.queue(), async.lease());
    } else {
      queueUrl = async.queueUrl().orElse(null);
    }
    AsyncQueue queue = new AsyncQueue(sqs, queueUrl == null ? "unset:pier.async.queue-url" : queueUrl);
    this.callbackSecret = async.callbackSecret().orElseGet(() -> local ? localCallbackSecret(config.dataDir()) : null);
    PredictionPipeline predictions = pipeline.pipeline();
    // way in async: the stored request is decoded into a call for the pipeline every way in shares
    AsyncScorer scorer = (model, version, request) -> {
      // checked at intake: scored for the system, as the caller is not kept
      PredictionCall call = new PredictionCall(WayIn.ASYNC, model, Integer.toString(version), PredictionCall.SYSTEM,
          null, null, System.nanoTime(), Budget.WAIT).body(request, -1);
      predictions.runThrough(call, Slot.ADMIT);
      try {
        call.request(OipJson.parseRequest(request));
      } catch (RuntimeException e) {
        throw predictions.fail(call, e);
      }
      return OipJson.writeResponse(predictions.answer(call));
    };
    CallbackSender callbacks = callbackSecret == null ? CallbackSender.NONE
        : (url, type, body, id) -> dispatcher.post(url, callbackSecret, type, body, id);
    AsyncEndpoints endpoints = local || async.sagemakerAsyncEndpoints().orElse(List.of()).isEmpty()
        ? AsyncEndpoints.NONE
        : new SageMakerAsyncEndpoints(service, Set.copyOf(async.sagemakerAsyncEndpoints().get()),
            async.endpointInvocationTimeout(), async.endpointRequestTtl());
    this.worker = new AsyncWorker(table, objects, scorer, endpoints, settings, metrics, callbacks, Clock.systemUTC());
    this.predictions = new AsyncPredictions(table, objects, queue, settings, metrics, Clock.systemUTC());
    this.poller = local && async.workers() > 0 ? new AsyncPoller(queue, worker, async.workers()) : null;
    if (!local && queueUrl == null) {
      Log.warn("pier.async.queue-url is not set: Prefer: respond-async requests are answered 503");
    }
  }

  void onStart(@Observes StartupEvent event) {
    if (local) {
      int requeued = predictions.recover();
      if (requeued > 0) {
        Log.infof("async: queued again %d predictions a previous process left unfinished", requeued);
      }
      if (poller != null) {
        poller.start();
      }
    }
  }

  @Produces
  @Singleton
  AsyncPredictions predictions() {
    return predictions;
  }

  /** The worker behind the SQS event source mapping in AWS. */
  @Produces
  @Singleton
  @Unremovable // looked up by the Lambda handler or tests, not injected
  AsyncSqsBatch sqsBatch() {
    return new AsyncSqsBatch(worker);
  }

  @Produces
  @Singleton
  AsyncCallbacks callbacks() {
    return new AsyncCallbacks(callbackSecret != null);
  }

  private static String localCallbackSecret(String dataDir) {
    Path file = Path.of(dataDir, "async", "callback.key");
    try {
      if (Files.exists(file)) {
        return Files.readString(file).trim();
      }
      byte[] key = new byte[32];
      new SecureRandom().nextBytes(key);
      String secret = Base64.getEncoder().encodeToString(key);
      Files.createDirectories(file.getParent());
      Files.writeString(Files.createFile(file, PosixFilePermissions.asFileAttribute(
          PosixFilePermissions.fromString("rw-------"))), secret);
      return secret;
    } catch (IOException e) {
      throw new UncheckedIOException("could not read or write " + file, e);
    }
  }

  /** A 503 with Retry-After (via {@link ApiErrors}) when the queue refused a submission. */
  static PierException unavailable(AsyncQueue.QueueUnavailable e) {
    return PierException.unavailable("async predictions cannot be accepted right now (the work queue is unavailable);"
        + " nothing was accepted, retry later", e);
  }

  @PreDestroy
  void close() {
    if (poller != null) {
      poller.close();
    }
    sqs.close();
  }
}
