package dev.pier.async;

import dev.pier.kernel.PierException;
import dev.pier.kernel.privacy.PiiMasker;
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
  private final AsyncSettings settings;
  private final AsyncListener listener;
  private final CallbackSender callbacks;
  private final Clock clock;

  public AsyncWorker(AsyncTable table, AsyncObjects objects, AsyncScorer scorer, AsyncSettings settings,
      AsyncListener listener, CallbackSender callbacks, Clock clock) {
    this.table = table;
    this.objects = objects;
    this.scorer = scorer;
    this.settings = settings;
    this.listener = listener;
    this.callbacks = callbacks;
    this.clock = clock;
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
