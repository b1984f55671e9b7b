package dev.pier.async;

import java.util.ArrayList;
import java.util.List;

/**
 * The AWS path of the worker: one SQS event (a batch of messages) from the event source mapping. Returns the
 * message ids to report as {@code batchItemFailures} (the mapping has {@code ReportBatchItemFailures} on), so only
 * those come back; the others are deleted by Lambda. A message that keeps failing moves to the dead-letter queue
 * after the queue's maximum receives — by then the record is FAILED after {@link AsyncSettings#maxAttempts()}.
 */
public final class AsyncSqsBatch {
  /**
   * One SQS record of the event: its message id and body (a prediction id, or an asynchronous endpoint's notification
   * delivered by SNS).
   */
  public record Message(String messageId, String body) {}

  private final AsyncWorker worker;

  public AsyncSqsBatch(AsyncWorker worker) {
    this.worker = worker;
  }

  public List<String> handle(List<Message> messages) {
    List<String> failures = new ArrayList<>();
    for (Message m : messages) {
      try {
        if (worker.handleMessage(m.body()) == AsyncWorker.Outcome.RETRY) {
          failures.add(m.messageId());
        }
      } catch (RuntimeException e) {
        failures.add(m.messageId());
      }
    }
    return failures;
  }
}
