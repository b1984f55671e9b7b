package dev.pier.training.sagemaker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.statemachines.AslDefinition;
import dev.pier.statemachines.LocalStateMachineRunner;
import dev.pier.statemachines.StatesError;
import dev.pier.statemachines.TaskHandler;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;
import software.amazon.awssdk.services.sagemaker.model.AlgorithmSpecification;
import software.amazon.awssdk.services.sagemaker.model.Channel;
import software.amazon.awssdk.services.sagemaker.model.CheckpointConfig;
import software.amazon.awssdk.services.sagemaker.model.CreateTrainingJobRequest;
import software.amazon.awssdk.services.sagemaker.model.DescribeTrainingJobResponse;
import software.amazon.awssdk.services.sagemaker.model.MetricDefinition;
import software.amazon.awssdk.services.sagemaker.model.OutputDataConfig;
import software.amazon.awssdk.services.sagemaker.model.ResourceConfig;
import software.amazon.awssdk.services.sagemaker.model.S3DataSource;
import software.amazon.awssdk.services.sagemaker.model.StoppingCondition;
import software.amazon.awssdk.services.sagemaker.model.Tag;
import software.amazon.awssdk.services.sagemaker.model.CategoricalParameterRange;
import software.amazon.awssdk.services.sagemaker.model.ContinuousParameterRange;
import software.amazon.awssdk.services.sagemaker.model.CreateHyperParameterTuningJobRequest;
import software.amazon.awssdk.services.sagemaker.model.HyperParameterAlgorithmSpecification;
import software.amazon.awssdk.services.sagemaker.model.HyperParameterTrainingJobDefinition;
import software.amazon.awssdk.services.sagemaker.model.HyperParameterTuningJobConfig;
import software.amazon.awssdk.services.sagemaker.model.HyperParameterTuningJobStatus;
import software.amazon.awssdk.services.sagemaker.model.IntegerParameterRange;
import software.amazon.awssdk.services.sagemaker.model.ParameterRanges;
import software.amazon.awssdk.services.sagemaker.model.ParentHyperParameterTuningJob;
import software.amazon.awssdk.services.sagemaker.model.TrainingJobStatus;

/**
 * Step Functions' service integrations the training workflow uses in AWS, as the local runner's task handlers for the
 * tests: {@code sagemaker:createTrainingJob.sync} (CreateTrainingJob with the real SDK, then DescribeTrainingJob until
 * the job ends; the task's output is the description, a failed or stopped job fails the task with
 * {@code States.TaskFailed} and the description as its cause) and {@code states:startExecution.sync:2} (the child
 * state machine run to its end on a local runner; its output parsed, a failed child failing the task with the child's
 * error and cause).
 */
final class SyncIntegrations {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SyncIntegrations() {}

  static TaskHandler createTrainingJobSync(SageMakerClient sagemaker) {
    return (p, context) -> {
      sagemaker.createTrainingJob(request(p));
      String name = p.path("TrainingJobName").asText();
      while (true) {
        DescribeTrainingJobResponse d = sagemaker.describeTrainingJob(b -> b.trainingJobName(name));
        if (d.trainingJobStatus() == TrainingJobStatus.IN_PROGRESS
            || d.trainingJobStatus() == TrainingJobStatus.STOPPING) {
          Thread.sleep(20);
          continue;
        }
        ObjectNode out = description(d);
        if (d.trainingJobStatus() != TrainingJobStatus.COMPLETED) {
          throw new StatesError("States.TaskFailed", JSON.writeValueAsString(out));
        }
        return out;
      }
    };
  }

  /**
   * {@code sagemaker:createHyperParameterTuningJob.sync}: CreateHyperParameterTuningJob with the real SDK, then
   * DescribeHyperParameterTuningJob until it ends; the output is the description (a failed or stopped tuning job fails
   * the task with {@code States.TaskFailed}, the description as its cause).
   */
  static TaskHandler createHyperParameterTuningJobSync(SageMakerClient sagemaker) {
    return (p, context) -> {
      sagemaker.createHyperParameterTuningJob(tuningRequest(p));
      String name = p.path("HyperParameterTuningJobName").asText();
      while (true) {
        var d = sagemaker.describeHyperParameterTuningJob(b -> b.hyperParameterTuningJobName(name));
        var status = d.hyperParameterTuningJobStatus();
        if (status == HyperParameterTuningJobStatus.IN_PROGRESS || status == HyperParameterTuningJobStatus.STOPPING) {
          Thread.sleep(20);
          continue;
        }
        ObjectNode out = JSON.createObjectNode();
        out.put("HyperParameterTuningJobName", d.hyperParameterTuningJobName());
        out.put("HyperParameterTuningJobStatus", d.hyperParameterTuningJobStatusAsString());
        if (d.bestTrainingJob() != null) {
          out.putObject("BestTrainingJob").put("TrainingJobName", d.bestTrainingJob().trainingJobName());
        }
        if (d.failureReason() != null) {
          out.put("FailureReason", d.failureReason());
        }
        if (status != HyperParameterTuningJobStatus.COMPLETED) {
          throw new StatesError("States.TaskFailed", JSON.writeValueAsString(out));
        }
        return out;
      }
    };
  }

  /** The task's parameters (CreateHyperParameterTuningJob's JSON) as the SDK's request. */
  static CreateHyperParameterTuningJobRequest tuningRequest(JsonNode p) {
    JsonNode c = p.path("HyperParameterTuningJobConfig");
    JsonNode r = c.path("ParameterRanges");
    List<IntegerParameterRange> ints = new ArrayList<>();
    r.path("IntegerParameterRanges").forEach(i -> ints.add(IntegerParameterRange.builder().name(i.path("Name").asText())
        .minValue(i.path("MinValue").asText()).maxValue(i.path("MaxValue").asText())
        .scalingType(i.path("ScalingType").asText(null)).build()));
    List<ContinuousParameterRange> floats = new ArrayList<>();
    r.path("ContinuousParameterRanges").forEach(i -> floats.add(ContinuousParameterRange.builder()
        .name(i.path("Name").asText()).minValue(i.path("MinValue").asText()).maxValue(i.path("MaxValue").asText())
        .scalingType(i.path("ScalingType").asText(null)).build()));
    List<CategoricalParameterRange> categories = new ArrayList<>();
    r.path("CategoricalParameterRanges").forEach(i -> {
      List<String> values = new ArrayList<>();
      i.path("Values").forEach(v -> values.add(v.asText()));
      categories.add(CategoricalParameterRange.builder().name(i.path("Name").asText()).values(values).build());
    });
    JsonNode limits = c.path("ResourceLimits");
    var config = HyperParameterTuningJobConfig.builder()
        .strategy(c.path("Strategy").asText())
        .hyperParameterTuningJobObjective(o -> o.type(c.path("HyperParameterTuningJobObjective").path("Type").asText())
            .metricName(c.path("HyperParameterTuningJobObjective").path("MetricName").asText()))
        .resourceLimits(l -> l.maxNumberOfTrainingJobs(limits.has("MaxNumberOfTrainingJobs")
            ? limits.path("MaxNumberOfTrainingJobs").asInt() : null)
            .maxParallelTrainingJobs(limits.path("MaxParallelTrainingJobs").asInt())
            .maxRuntimeInSeconds(limits.has("MaxRuntimeInSeconds") ? limits.path("MaxRuntimeInSeconds").asInt() : null))
        .parameterRanges(ParameterRanges.builder().integerParameterRanges(ints).continuousParameterRanges(floats)
            .categoricalParameterRanges(categories).build())
        .trainingJobEarlyStoppingType(c.path("TrainingJobEarlyStoppingType").asText(null));
    if (c.has("RandomSeed")) {
      config.randomSeed(c.path("RandomSeed").asInt());
    }
    JsonNode hyperband = c.path("StrategyConfig").path("HyperbandStrategyConfig");
    if (!hyperband.isMissingNode()) {
      config.strategyConfig(s -> s.hyperbandStrategyConfig(h -> h.minResource(hyperband.path("MinResource").asInt())
          .maxResource(hyperband.path("MaxResource").asInt())));
    }
    // the definition's fields are CreateTrainingJob's: read them as request() does
    ObjectNode def = ((ObjectNode) p.path("TrainingJobDefinition")).deepCopy();
    def.put("TrainingJobName", "definition");
    def.set("HyperParameters", def.path("StaticHyperParameters"));
    CreateTrainingJobRequest t = request(def);
    var definition = HyperParameterTrainingJobDefinition.builder()
        .staticHyperParameters(t.hyperParameters())
        .algorithmSpecification(HyperParameterAlgorithmSpecification.builder()
            .trainingImage(t.algorithmSpecification().trainingImage())
            .trainingInputMode(t.algorithmSpecification().trainingInputModeAsString())
            .metricDefinitions(t.algorithmSpecification().metricDefinitions()).build())
        .roleArn(t.roleArn()).inputDataConfig(t.inputDataConfig()).outputDataConfig(t.outputDataConfig())
        .resourceConfig(t.resourceConfig()).stoppingCondition(t.stoppingCondition())
        .enableManagedSpotTraining(t.enableManagedSpotTraining()).checkpointConfig(t.checkpointConfig())
        .enableInterContainerTrafficEncryption(t.enableInterContainerTrafficEncryption())
        .enableNetworkIsolation(t.enableNetworkIsolation()).build();
    var b = CreateHyperParameterTuningJobRequest.builder()
        .hyperParameterTuningJobName(p.path("HyperParameterTuningJobName").asText())
        .hyperParameterTuningJobConfig(config.build())
        .trainingJobDefinition(definition)
        .tags(t.tags());
    JsonNode warm = p.path("WarmStartConfig");
    if (!warm.isMissingNode()) {
      List<String> parents = new ArrayList<>();
      warm.path("ParentHyperParameterTuningJobs").forEach(j -> parents.add(j.path("HyperParameterTuningJobName")
          .asText()));
      b.warmStartConfig(w -> w.warmStartType(warm.path("WarmStartType").asText())
          .parentHyperParameterTuningJobs(parents.stream().map(n -> ParentHyperParameterTuningJob.builder()
              .hyperParameterTuningJobName(n).build()).toList()));
    }
    return b.build();
  }

  static TaskHandler startExecutionSync(Map<String, AslDefinition> machines, LocalStateMachineRunner children) {
    return (p, context) -> {
      String arn = p.path("StateMachineArn").asText();
      AslDefinition child = machines.get(arn);
      if (child == null) {
        throw new StatesError("StepFunctions.StateMachineDoesNotExistException", "no state machine " + arn);
      }
      var result = children.run(child, p.path("Input"), context.executionName() + "-" + context.stateName());
      if (result.status() != LocalStateMachineRunner.ExecutionResult.Status.SUCCEEDED) {
        ObjectNode cause = JSON.createObjectNode().put("status", result.status().name())
            .put("error", result.error()).put("cause", result.cause());
        throw new StatesError("States.TaskFailed", JSON.writeValueAsString(cause));
      }
      ObjectNode out = JSON.createObjectNode().put("Status", "SUCCEEDED").put("StateMachineArn", arn);
      out.set("Output", result.output());
      return out;
    };
  }

  /** The task's parameters (CreateTrainingJob's JSON) as the SDK's request. */
  static CreateTrainingJobRequest request(JsonNode p) {
    JsonNode alg = p.path("AlgorithmSpecification");
    List<MetricDefinition> metrics = new ArrayList<>();
    alg.path("MetricDefinitions").forEach(m -> metrics.add(MetricDefinition.builder()
        .name(m.path("Name").asText()).regex(m.path("Regex").asText()).build()));
    Map<String, String> hyper = new LinkedHashMap<>();
    p.path("HyperParameters").fields().forEachRemaining(e -> hyper.put(e.getKey(),
        e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString()));
    List<Channel> channels = new ArrayList<>();
    for (JsonNode c : p.path("InputDataConfig")) {
      JsonNode s = c.path("DataSource").path("S3DataSource");
      channels.add(Channel.builder().channelName(c.path("ChannelName").asText())
          .contentType(c.path("ContentType").asText(null)).compressionType(c.path("CompressionType").asText(null))
          .dataSource(d -> d.s3DataSource(S3DataSource.builder().s3DataType(s.path("S3DataType").asText())
              .s3Uri(s.path("S3Uri").asText()).s3DataDistributionType(s.path("S3DataDistributionType").asText())
              .build()))
          .build());
    }
    JsonNode rc = p.path("ResourceConfig");
    JsonNode sc = p.path("StoppingCondition");
    var b = CreateTrainingJobRequest.builder()
        .trainingJobName(p.path("TrainingJobName").asText())
        .roleArn(p.path("RoleArn").asText())
        .algorithmSpecification(AlgorithmSpecification.builder().trainingImage(alg.path("TrainingImage").asText())
            .trainingInputMode(alg.path("TrainingInputMode").asText()).metricDefinitions(metrics).build())
        .hyperParameters(hyper)
        .inputDataConfig(channels)
        .outputDataConfig(OutputDataConfig.builder().s3OutputPath(p.path("OutputDataConfig").path("S3OutputPath")
            .asText()).kmsKeyId(p.path("OutputDataConfig").path("KmsKeyId").asText(null)).build())
        .resourceConfig(ResourceConfig.builder().instanceType(rc.path("InstanceType").asText())
            .instanceCount(rc.path("InstanceCount").asInt()).volumeSizeInGB(rc.path("VolumeSizeInGB").asInt())
            .volumeKmsKeyId(rc.path("VolumeKmsKeyId").asText(null)).build())
        .stoppingCondition(StoppingCondition.builder().maxRuntimeInSeconds(sc.path("MaxRuntimeInSeconds").asInt())
            .maxWaitTimeInSeconds(sc.has("MaxWaitTimeInSeconds") ? sc.path("MaxWaitTimeInSeconds").asInt() : null)
            .build())
        .enableInterContainerTrafficEncryption(p.path("EnableInterContainerTrafficEncryption").asBoolean(false))
        .enableNetworkIsolation(p.path("EnableNetworkIsolation").asBoolean(false));
    if (p.has("EnableManagedSpotTraining")) {
      b.enableManagedSpotTraining(p.path("EnableManagedSpotTraining").asBoolean());
    }
    if (p.has("CheckpointConfig")) {
      b.checkpointConfig(CheckpointConfig.builder().s3Uri(p.path("CheckpointConfig").path("S3Uri").asText())
          .localPath(p.path("CheckpointConfig").path("LocalPath").asText(null)).build());
    }
    List<Tag> tags = new ArrayList<>();
    p.path("Tags").forEach(t -> tags.add(Tag.builder().key(t.path("Key").asText()).value(t.path("Value").asText())
        .build()));
    if (!tags.isEmpty()) {
      b.tags(tags);
    }
    return b.build();
  }

  /** DescribeTrainingJob's answer in its JSON names, the fields the workflow reads. */
  static ObjectNode description(DescribeTrainingJobResponse d) {
    ObjectNode out = JSON.createObjectNode();
    out.put("TrainingJobName", d.trainingJobName());
    out.put("TrainingJobStatus", d.trainingJobStatusAsString());
    if (d.failureReason() != null) {
      out.put("FailureReason", d.failureReason());
    }
    var metrics = out.putArray("FinalMetricDataList");
    d.finalMetricDataList().forEach(m -> metrics.addObject().put("MetricName", m.metricName())
        .put("Value", m.value()).put("Timestamp", String.valueOf(m.timestamp())));
    if (d.modelArtifacts() != null) {
      out.putObject("ModelArtifacts").put("S3ModelArtifacts", d.modelArtifacts().s3ModelArtifacts());
    }
    if (d.trainingTimeInSeconds() != null) {
      out.put("TrainingTimeInSeconds", d.trainingTimeInSeconds());
    }
    if (d.billableTimeInSeconds() != null) {
      out.put("BillableTimeInSeconds", d.billableTimeInSeconds());
    }
    return out;
  }
}
