package dev.pier.api.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.async.AsyncSqsBatch;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The SQS event that an event source mapping hands a function (a batch of {@code Records}, each with
 * {@code eventSource} {@code aws:sqs}), and the partial batch response it expects back when
 * {@code ReportBatchItemFailures} is on: {@code {"batchItemFailures":[{"itemIdentifier":"<messageId>"}]}}.
 */
final class SqsBatchEvent {
  private SqsBatchEvent() {}

  /**
   * The messages of {@code event} (an {@link EventShape#RECORDS} event) when it is an SQS event, else empty.
   *
   * @throws IOException when the event is not JSON
   */
  static Optional<List<AsyncSqsBatch.Message>> read(ObjectMapper json, byte[] event) throws IOException {
    JsonNode records = json.readTree(event).get("Records");
    if (!records.isArray() || records.isEmpty()) {
      return Optional.empty();
    }
    List<AsyncSqsBatch.Message> messages = new ArrayList<>(records.size());
    for (JsonNode record : records) {
      if (!"aws:sqs".equals(record.path("eventSource").asText()) || !record.path("messageId").isTextual()
          || !record.path("body").isTextual()) {
        return Optional.empty();
      }
      messages.add(new AsyncSqsBatch.Message(record.get("messageId").asText(), record.get("body").asText()));
    }
    return Optional.of(messages);
  }

  /** The partial batch response naming the messages to deliver again (an empty list acknowledges all). */
  static byte[] response(ObjectMapper json, List<String> failedMessageIds) throws IOException {
    ObjectNode response = json.createObjectNode();
    ArrayNode failures = response.putArray("batchItemFailures");
    failedMessageIds.forEach(id -> failures.addObject().put("itemIdentifier", id));
    return json.writeValueAsBytes(response);
  }
}
