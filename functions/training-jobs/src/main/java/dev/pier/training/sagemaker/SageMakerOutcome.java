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

  /**
   * An ended training job's DescribeTrainingJob answer in the state machine's shape (what {@link #of} reads), for the
   * worker's steps that describe jobs themselves (Automatic Model Tuning's trials, watched trials).
   */
  public static com.fasterxml.jackson.databind.node.ObjectNode json(
      software.amazon.awssdk.services.sagemaker.model.DescribeTrainingJobResponse d) {
    var o = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("name", d.trainingJobName());
    var metrics = o.putArray("metrics");
    d.finalMetricDataList().forEach(m -> metrics.addObject().put("MetricName", m.metricName())
        .put("Value", m.value()));
    if (d.trainingTimeInSeconds() != null) {
      o.put("seconds", d.trainingTimeInSeconds());
    }
    if (d.billableTimeInSeconds() != null) {
      o.put("billable", d.billableTimeInSeconds());
    }
    if (d.modelArtifacts() != null) {
      o.put("model", d.modelArtifacts().s3ModelArtifacts());
    }
    return o;
  }

  /** Training time SageMaker did not bill (managed spot's saving), never negative. */
  public double savedSeconds() {
    return Math.max(0, trainingSeconds - billableSeconds);
  }
}
