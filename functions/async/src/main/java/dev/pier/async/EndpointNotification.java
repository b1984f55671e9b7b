package dev.pier.async;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Optional;

/**
 * A SageMaker asynchronous inference notification, as the endpoint publishes it to its success or error SNS topic
 * ({@code AsyncInferenceConfig.NotificationConfig}) and SNS delivers it to the work queue: the SNS envelope
 * ({@code "Type": "Notification"}, the SageMaker JSON as the string {@code Message}) or, with raw message delivery,
 * the SageMaker JSON itself ({@code "eventSource": "aws:sagemaker"}).
 *
 * @param inferenceId the id passed to {@code InvokeEndpointAsync}: the prediction id
 * @param completed {@code invocationStatus} is {@code Completed}; otherwise the inference failed (or expired)
 * @param outputLocation {@code responseParameters.outputLocation}; null on failure
 * @param failureLocation {@code responseParameters.failureLocation}; may be null on failure (older notifications and
 *     requests that never ran carry none)
 * @param failureReason SageMaker's {@code failureReason}; null on success
 */
public record EndpointNotification(String inferenceId, boolean completed, String outputLocation,
    String failureLocation, String failureReason) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The notification a work-queue message carries; empty when the body is none (a prediction id, or other JSON). */
  public static Optional<EndpointNotification> parse(String body) {
    if (body == null || body.isBlank() || body.strip().charAt(0) != '{') {
      return Optional.empty();
    }
    try {
      JsonNode node = JSON.readTree(body);
      if ("Notification".equals(node.path("Type").asText()) && node.path("Message").isTextual()) {
        node = JSON.readTree(node.get("Message").asText());
      }
      if (!"aws:sagemaker".equals(node.path("eventSource").asText()) || !node.path("inferenceId").isTextual()) {
        return Optional.empty();
      }
      JsonNode response = node.path("responseParameters");
      return Optional.of(new EndpointNotification(node.get("inferenceId").asText(),
          "Completed".equals(node.path("invocationStatus").asText()), text(response, "outputLocation"),
          text(response, "failureLocation"), text(node, "failureReason")));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.path(field);
    return v.isTextual() ? v.asText() : null;
  }
}
