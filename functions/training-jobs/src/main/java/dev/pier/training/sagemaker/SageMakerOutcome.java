package dev.pier.training.sagemaker;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one SageMaker training job reported when its {@code .sync} ended, as the training state machine keeps it from
 * DescribeTrainingJob: its name, {@code FinalMetricDataList} (metric name → final value), {@code TrainingTimeInSeconds},
 * {@code BillableTimeInSeconds} (less than the training time for a managed-spot job: the difference is spot's saving)
 * and the model artifact's S3 URI.
 */
public record SageMakerOutcome(String name, Map<String, Double> metrics, double trainingSeconds,
    double billableSeconds, String modelUri) {

  /** Reads the state machine's {@code {"name", "metrics", "seconds", "billable", "model"}}. */
  public static SageMakerOutcome of(JsonNode node) {
    Map<String, Double> metrics = new LinkedHashMap<>();
    for (JsonNode m : node.path("metrics")) {
      if (m.path("Value").isNumber()) {
        metrics.put(m.path("MetricName").asText(), m.path("Value").asDouble());
      }
    }
    double training = node.path("seconds").asDouble(0);
    double billable = node.path("billable").isNumber() ? node.path("billable").asDouble() : training;
    JsonNode model = node.path("model");
    return new SageMakerOutcome(node.path("name").asText(), Map.copyOf(metrics), training, billable,
        model.isTextual() ? model.asText() : null);
  }

  /** Training time SageMaker did not bill (managed spot's saving), never negative. */
  public double savedSeconds() {
    return Math.max(0, trainingSeconds - billableSeconds);
  }
}
