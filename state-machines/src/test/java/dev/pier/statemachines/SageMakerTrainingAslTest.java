package dev.pier.statemachines;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * sagemaker-training.asl.json's data flow on the local runner, with SageMaker's {@code createTrainingJob.sync} answered
 * by a stand-in that records the request: what a spot and an on-demand job ask SageMaker for.
 */
class SageMakerTrainingAslTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, String> PLACES = Map.of("SageMakerRoleArn", "arn:aws:iam::1:role/sm",
      "TrainingBucket", "pier-batch", "TrainingKmsKey", "arn:aws:kms:eu-west-1:1:key/k");

  private static JsonNode request(boolean spot) throws Exception {
    List<JsonNode> requests = new CopyOnWriteArrayList<>();
    LocalStateMachineRunner runner = LocalStateMachineRunner.builder()
        .task("arn:aws:states:::sagemaker:createTrainingJob.sync", (parameters, context) -> {
          requests.add(parameters);
          return JSON.readTree("{\"TrainingJobStatus\": \"Completed\", \"BillableTimeInSeconds\": 42}");
        }).build();
    JsonNode input = JSON.readTree("""
        {"job_id": "tj-1", "name": "tj-1-trial-0-fold-1", "image": "123.dkr.ecr.eu-west-1.amazonaws.com/pier-training-x:1",
         "hyperparameters": {"max_depth": "4"}, "spot": SPOT, "max_runtime": 3600, "max_wait": 7200,
         "metric_definitions": [{"Name": "validation:auc", "Regex": "auc=([0-9.]+)"}],
         "channels": [{"ChannelName": "train", "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix",
           "S3Uri": "s3://pier-batch/training/tj-1/channels/train/", "S3DataDistributionType": "ShardedByS3Key"}}}],
         "instance_type": "ml.m5.xlarge", "instance_count": 2}
        """.replace("SPOT", Boolean.toString(spot)));
    var result = runner.run(AslDefinition.bundled("sagemaker-training", PLACES), input, "t");
    assertThat(result.status()).as(result.cause()).isEqualTo(LocalStateMachineRunner.ExecutionResult.Status.SUCCEEDED);
    assertThat(result.output().path("BillableTimeInSeconds").asInt()).isEqualTo(42);
    assertThat(requests).hasSize(1);
    return requests.get(0);
  }

  @Test
  void aSpotJobWaitsAtMostMaxWaitAndCheckpointsUnderItsJob() throws Exception {
    JsonNode r = request(true);
    assertThat(r.path("EnableManagedSpotTraining").asBoolean()).isTrue();
    assertThat(r.path("StoppingCondition").path("MaxRuntimeInSeconds").asInt()).isEqualTo(3600);
    assertThat(r.path("StoppingCondition").path("MaxWaitTimeInSeconds").asInt()).isEqualTo(7200);
    assertThat(r.path("CheckpointConfig").path("S3Uri").asText())
        .isEqualTo("s3://pier-batch/training/checkpoints/tj-1/tj-1-trial-0-fold-1/");
    assertThat(r.path("RoleArn").asText()).isEqualTo("arn:aws:iam::1:role/sm");
    assertThat(r.path("OutputDataConfig").path("S3OutputPath").asText()).isEqualTo("s3://pier-batch/training/tj-1/output/");
    assertThat(r.path("ResourceConfig").path("InstanceCount").asInt()).isEqualTo(2);
    assertThat(r.path("ResourceConfig").path("VolumeKmsKeyId").asText()).isEqualTo("arn:aws:kms:eu-west-1:1:key/k");
    assertThat(r.path("AlgorithmSpecification").path("MetricDefinitions").get(0).path("Name").asText())
        .isEqualTo("validation:auc");
    assertThat(r.path("InputDataConfig").get(0).path("DataSource").path("S3DataSource")
        .path("S3DataDistributionType").asText()).isEqualTo("ShardedByS3Key");
    assertThat(r.path("HyperParameters").path("max_depth").asText()).isEqualTo("4");
  }

  @Test
  void anOnDemandJobHasNoSpotNorMaxWait() throws Exception {
    JsonNode r = request(false);
    assertThat(r.has("EnableManagedSpotTraining")).isFalse();
    assertThat(r.path("StoppingCondition").has("MaxWaitTimeInSeconds")).isFalse();
    assertThat(r.path("StoppingCondition").path("MaxRuntimeInSeconds").asInt()).isEqualTo(3600);
  }
}
