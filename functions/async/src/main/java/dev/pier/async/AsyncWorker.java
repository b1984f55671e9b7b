package dev.pier.async;

import dev.pier.kernel.PierException;
import dev.pier.security.privacy.PiiMasker;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Runs one async prediction per message, exactly once however often the message arrives: it claims the record
 * (conditional write, fresh lease token), reads the request, scores it, stores the PII-masked result (inline, or
 * in S3 under a key fixed by the id) and completes the record on the condition that it still holds the lease. A
 * worker that dies anywhere before completion leaves the record RUNNING; when its lease runs out the redelivered
 * message is claimed again and scored again, and only that second completion is written. A message for a finished
 * (or erased) prediction is simply acknowledged.
 *
 * <p>A version served by a SageMaker asynchronous endpoint ({@link AsyncEndpoints}) is not scored here: the worker
 * stages the request in S3, queues it on the endpoint ({@code InvokeEndpointAsync}, inference id = prediction id),
 * records where the endpoint will write (the record stays RUNNING, its lease stretched to the longest the endpoint
 * may take) and acknowledges the message. The endpoint's notification comes back through the same queue
 * ({@link #handleMessage}); the worker reads the answer from S3, turns it into the OIP response and completes the
 * record with the hand-off's lease token — the same conditional write as any completion, so a notification
 * delivered twice completes it once. An error notification fails it with the failure object's message.
 *
 * <p>Thread-safe: the local poller runs several at once, the Lambda one batch at a time.
 */
public final class AsyncWorker {
  /** What to do with the message that carried the id. */
  public enum Outcome {
    /** Delete it: the prediction is done (by this delivery or an earlier one) or no longer exists. */
    ACK,
    /** Leave it: it comes back after the visibility timeout (another worker holds a live lease, or a retryable error). */
    RETRY
  }

  private static final System.Logger LOG = System.getLogger(AsyncWorker.class.getName());
  private final AsyncTable table;
  private final AsyncObjects objects;
  private final AsyncScorer scorer;
  private final AsyncEndpoints endpoints;
  private final AsyncSettings settings;
  private final AsyncListener listener;
  private final CallbackSender callbacks;
  private final Clock clock;

  public AsyncWorker(AsyncTable table, AsyncObjects objects, AsyncScorer scorer, AsyncSettings settings,
      AsyncListener listener, CallbackSender callbacks, Clock clock) {
    this(table, objects, scorer, AsyncEndpoints.NONE, settings, listener, callbacks, clock);
  }

  /** @param endpoints the versions served by asynchronous endpoints, which are handed over instead of scored here */
  public AsyncWorker(AsyncTable table, AsyncObjects objects, AsyncScorer scorer, AsyncEndpoints endpoints,
      AsyncSettings settings, AsyncListener listener, CallbackSender callbacks, Clock clock) {
    this.table = table;
    this.objects = objects;
    this.scorer = scorer;
    this.endpoints = endpoints;
    this.settings = settings;
    this.listener = listener;
    this.callbacks = callbacks;
    this.clock = clock;
  }

  /** One work-queue message: a prediction id, or an asynchronous endpoint's notification (SNS-wrapped or raw). */
  public Outcome handleMessage(String body) {
    Optional<EndpointNotification> notification = EndpointNotification.parse(body);
    return notification.isPresent() ? notified(notification.get()) : handle(body);
  }

  public Outcome handle(String id) {
    Optional<AsyncTable.Claim> claimed = table.claim(id, settings.lease(), clock.instant());
    if (claimed.isEmpty()) {
      Optional<AsyncPrediction> p = table.get(id);
      return p.isEmpty() || p.get().state().done() ? Outcome.ACK : Outcome.RETRY;
    }
    AsyncTable.Claim claim = claimed.get();
    AsyncPrediction p = claim.prediction();
    listener.started(p.model(), Duration.between(p.createdAt(), clock.instant()));
    byte[] request = claim.inlineRequest() != null ? claim.inlineRequest() : objects.get(claim.requestKey());
    if (request == null) {
      return fail(claim, "the stored request is gone (expired or erased)");
    }
    String endpoint;
    try {
      endpoint = endpoints.endpointFor(p.model(), p.version());
    } catch (PierException e) {
      return e.status() < 500 && e.status() != 429 ? fail(claim, e.status() + ": " + e.getMessage()) : retry(claim, e);
    } catch (RuntimeException e) {
      return retry(claim, e);
    }
    if (endpoint != null) {
      return handOff(claim, request);
    }
    byte[] response;
    try {
      response = scorer.score(p.model(), p.version(), request);
    } catch (PierException e) {
      if (e.status() < 500 && e.status() != 429) {
        return fail(claim, e.status() + ": " + e.getMessage());
      }
      return retry(claim, e);
    } catch (RuntimeException e) {
      return retry(claim, e);
    }
    return complete(claim, response);
  }

  /** Masks and stores the OIP response and completes the record, if this claim's lease still holds. */
  private Outcome complete(AsyncTable.Claim claim, byte[] response) {
    AsyncPrediction p = claim.prediction();
    String id = p.id();
    byte[] result = PiiMasker.mask(new String(response, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
    boolean inline = result.length <= settings.inlineBytes();
    String resultKey = inline ? null : objects.putResult(id, result);
    if (!table.complete(id, claim.token(), inline ? new String(result, StandardCharsets.UTF_8) : null, resultKey,
        clock.instant())) {
      // The lease was lost between claim and completion: this worker stalled past it and another one took over,
      // which writes the one result. Nothing is left to do for this delivery.
      return Outcome.ACK;
    }
    objects.delete(claim.requestKey()); // done with it (null when it was inline); it may hold personal data
    Duration age = Duration.between(p.createdAt(), clock.instant());
    listener.completed(p.model(), age);
    if (p.callbackUrl() != null) {
      callbacks.send(p.callbackUrl(), "prediction.completed",
          AsyncJson.callback(p, AsyncState.SUCCEEDED, result, null), id);
    }
    return Outcome.ACK;
  }

  /** Queues the claimed prediction on its asynchronous endpoint and lets go of the message. */
  private Outcome handOff(AsyncTable.Claim claim, byte[] request) {
    AsyncPrediction p = claim.prediction();
    // The key is fixed by the id, so a retry after a crash stages the same object again.
    String key = claim.requestKey() != null ? claim.requestKey() : objects.putRequest(p.id(), request);
    AsyncTable.Claim staged = new AsyncTable.Claim(p, claim.token(), null, key);
    AsyncEndpoints.Invocation invocation;
    try {
      invocation = endpoints.invoke(p.model(), p.version(), objects.location(key), p.id());
    } catch (PierException e) {
      return e.status() < 500 && e.status() != 429 ? fail(staged, e.status() + ": " + e.getMessage())
          : retry(claim, e);
    } catch (RuntimeException e) {
      return retry(claim, e);
    }
    Instant now = clock.instant();
    // False means this worker stalled past its lease and another one took the prediction over: it queues the request
    // again and its notification is the one that completes the record (this invocation's is ignored as stale).
    table.handOff(p.id(), claim.token(), key, invocation, now, now.plus(endpoints.maxRun()));
    return Outcome.ACK;
  }

  /** An asynchronous endpoint finished a prediction (or gave up on it). */
  private Outcome notified(EndpointNotification n) {
    Optional<AsyncTable.HandedOff> waiting = table.handedOff(n.inferenceId());
    if (waiting.isEmpty()) {
      // Done or erased: a repeated delivery. Still QUEUED/RUNNING without a hand-off: the worker that queued it has not
      // recorded the hand-off yet, so look again after the visibility timeout.
      Optional<AsyncPrediction> p = table.get(n.inferenceId());
      return p.isEmpty() || p.get().state().done() ? Outcome.ACK : Outcome.RETRY;
    }
    AsyncTable.HandedOff off = waiting.get();
    AsyncTable.Claim claim = off.claim();
    AsyncPrediction p = claim.prediction();
    if (n.completed()) {
      if (!off.outputLocation().equals(n.outputLocation())) {
        LOG.log(System.Logger.Level.WARNING, "async prediction " + p.id() + ": ignoring a notification for "
            + n.outputLocation() + ", the prediction waits on " + off.outputLocation());
        return Outcome.ACK;
      }
      byte[] answer = objects.read(off.outputLocation());
      if (answer == null) {
        return fail(claim, "endpoint " + off.endpoint() + " answered, but its answer at " + off.outputLocation()
            + " is gone");
      }
      byte[] request = claim.requestKey() == null ? null : objects.get(claim.requestKey());
      byte[] response;
      try {
        response = endpoints.response(p.model(), p.version(), request, answer);
      } catch (RuntimeException e) {
        return failAndDrop(claim, "endpoint " + off.endpoint() + " answered with no valid OIP response: "
            + e.getMessage(), off.outputLocation());
      }
      Outcome outcome = complete(claim, response);
      objects.deleteAt(off.outputLocation()); // the unmasked answer: the record holds the masked one now
      return outcome;
    }
    if (n.failureLocation() != null && off.failureLocation() != null
        && !off.failureLocation().equals(n.failureLocation())) {
      LOG.log(System.Logger.Level.WARNING, "async prediction " + p.id() + ": ignoring a failure notification for "
          + n.failureLocation() + ", the prediction waits on " + off.failureLocation());
      return Outcome.ACK;
    }
    String failureLocation = n.failureLocation() != null ? n.failureLocation() : off.failureLocation();
    byte[] failure = failureLocation == null ? null : objects.read(failureLocation);
    String message = failure != null ? endpoints.failureMessage(failure)
        : n.failureReason() != null ? n.failureReason() : "no reason given";
    return failAndDrop(claim, "endpoint " + off.endpoint() + " failed: " + message, failureLocation);
  }

  private Outcome failAndDrop(AsyncTable.Claim claim, String error, String endpointObject) {
    Outcome outcome = fail(claim, error);
    objects.deleteAt(endpointObject);
    return outcome;
  }

  private Outcome retry(AsyncTable.Claim claim, RuntimeException e) {
    if (claim.prediction().attempts() >= settings.maxAttempts()) {
      return fail(claim, "gave up after " + claim.prediction().attempts() + " attempts: " + e.getMessage());
    }
    LOG.log(System.Logger.Level.WARNING, "async prediction " + claim.prediction().id() + " attempt "
        + claim.prediction().attempts() + " failed, will retry: " + PiiMasker.mask(String.valueOf(e.getMessage())));
    return Outcome.RETRY;
  }

  private Outcome fail(AsyncTable.Claim claim, String error) {
    AsyncPrediction p = claim.prediction();
    String masked = PiiMasker.mask(error);
    if (table.fail(p.id(), claim.token(), masked, clock.instant())) {
      objects.delete(claim.requestKey());
      listener.failed(p.model(), Duration.between(p.createdAt(), clock.instant()));
      if (p.callbackUrl() != null) {
        callbacks.send(p.callbackUrl(), "prediction.failed", AsyncJson.callback(p, AsyncState.FAILED, null, masked),
            p.id());
      }
    }
    return Outcome.ACK;
  }
}
