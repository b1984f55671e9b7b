package dev.pier.async;

import java.time.Duration;
import java.util.List;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

/**
 * The work queue: each message body is one prediction id, nothing else — the record in DynamoDB holds the work, so
 * a lost or duplicated message never loses or repeats a prediction. SQS in AWS, ElasticMQ in local mode, through
 * the same SDK client.
 */
public final class AsyncQueue {
  private final SqsClient sqs;
  private final String url;

  public AsyncQueue(SqsClient sqs, String url) {
    this.sqs = sqs;
    this.url = url;
  }

  /** Local mode: the queue's URL, creating it with the given visibility timeout when it does not exist. */
  public static String createIfMissing(SqsClient sqs, String name, Duration visibilityTimeout) {
    try {
      return sqs.getQueueUrl(b -> b.queueName(name)).queueUrl();
    } catch (QueueDoesNotExistException e) {
      return sqs.createQueue(b -> b.queueName(name).attributes(java.util.Map.of(
          QueueAttributeName.VISIBILITY_TIMEOUT, Long.toString(Math.max(1, visibilityTimeout.toSeconds()))))).queueUrl();
    }
  }

  /** @throws QueueUnavailable when SQS cannot take the message */
  public void send(String id) {
    try {
      sqs.sendMessage(b -> b.queueUrl(url).messageBody(id));
    } catch (SdkException e) {
      throw new QueueUnavailable("the async work queue is unavailable: " + e.getMessage(), e);
    }
  }

  /** Up to {@code max} messages, waiting up to {@code wait} for the first (long polling). */
  public List<Message> receive(int max, Duration wait) {
    return sqs.receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(Math.min(10, max))
        .waitTimeSeconds((int) wait.toSeconds())
        .messageSystemAttributeNamesWithStrings("ApproximateReceiveCount")).messages();
  }

  public void delete(String receiptHandle) {
    sqs.deleteMessage(b -> b.queueUrl(url).receiptHandle(receiptHandle));
  }

  /** The work queue refused a message; the caller answers 503 with Retry-After and accepts nothing. */
  public static final class QueueUnavailable extends RuntimeException {
    public QueueUnavailable(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
