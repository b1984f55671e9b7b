package dev.pier.async;

import dev.pier.kernel.PierException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * Accepts async predictions and answers for them. {@link #submit} stores the record first and only then queues its
 * id, so a queued id always has a record; when the queue refuses, the record is removed again and the caller gets
 * {@link AsyncQueue.QueueUnavailable} (a 503): nothing is accepted that could be lost. Thread-safe.
 */
public final class AsyncPredictions {
  private final AsyncTable table;
  private final AsyncObjects objects;
  private final AsyncQueue queue;
  private final AsyncSettings settings;
  private final AsyncListener listener;
  private final Clock clock;

  public AsyncPredictions(AsyncTable table, AsyncObjects objects, AsyncQueue queue, AsyncSettings settings,
      AsyncListener listener, Clock clock) {
    this.table = table;
    this.objects = objects;
    this.queue = queue;
    this.settings = settings;
    this.listener = listener;
    this.clock = clock;
  }

  /** What {@link #submit} did: the prediction, and whether it was new (false: an idempotent replay). */
  public record Accepted(AsyncPrediction prediction, boolean created) {}

  /**
   * @throws PierException 422 when the submission's idempotency key was used for a different request
   * @throws AsyncQueue.QueueUnavailable when the work queue cannot take it (nothing was accepted)
   */
  public Accepted submit(AsyncSubmission s) {
    String id = UUID.randomUUID().toString();
    Instant now = clock.instant();
    boolean inline = s.request().length <= settings.inlineBytes();
    String requestKey = inline ? null : objects.putRequest(id, s.request());
    String stored;
    try {
      stored = table.create(id, s, now, now.plus(settings.retention()), inline ? s.request() : null, requestKey);
    } catch (RuntimeException e) {
      objects.delete(requestKey);
      throw e;
    }
    if (!stored.equals(id)) {
      objects.delete(requestKey);
      AsyncPrediction earlier = table.get(stored).orElseThrow(() -> PierException.unprocessable(
          "Idempotency-Key names a prediction that no longer exists (expired or erased); use a new key"));
      return new Accepted(earlier, false);
    }
    AsyncPrediction queued = table.get(id).orElseThrow(); // as accepted: a worker may claim it as soon as it is sent
    try {
      queue.send(id);
    } catch (AsyncQueue.QueueUnavailable e) {
      table.delete(id).ifPresent(o -> objects.delete(o.requestKey()));
      throw e;
    }
    listener.queued(s.model());
    return new Accepted(queued, true);
  }

  public Optional<AsyncPrediction> get(String id) {
    return table.get(id);
  }

  /** The JSON view of a prediction: its state and, once it succeeded, the OIP response. */
  public Optional<String> view(String id) {
    return table.get(id).map(this::view);
  }

  public String view(AsyncPrediction p) {
    byte[] result = null;
    if (p.state() == AsyncState.SUCCEEDED) {
      result = p.result() != null ? p.result().getBytes(StandardCharsets.UTF_8) : objects.get(p.resultKey());
    }
    return AsyncJson.view(p, result);
  }

  /** Removes every prediction about a data subject — records, idempotency keys, S3 objects; returns how many. */
  public int eraseSubject(String subjectHash) {
    int removed = 0;
    for (String id : table.bySubject(subjectHash)) {
      Optional<AsyncTable.Objects> gone = table.delete(id);
      if (gone.isPresent()) {
        objects.delete(gone.get().requestKey());
        objects.delete(gone.get().resultKey());
        removed++;
      }
    }
    return removed;
  }

  /**
   * Local mode, at start: queues again every prediction a previous process left unfinished (ElasticMQ keeps its
   * messages in memory, so a stop or SIGKILL loses them; the records survive) and removes S3 objects older than the
   * retention (no lifecycle rules locally). Returns how many were queued again.
   */
  public int recover() {
    int requeued = 0;
    for (String id : table.unfinished()) {
      queue.send(id);
      requeued++;
    }
    objects.expire(clock.instant().minus(settings.retention()));
    return requeued;
  }
}
