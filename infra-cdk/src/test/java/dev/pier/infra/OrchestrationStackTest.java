package dev.pier.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

class OrchestrationStackTest {
  private final Template dev = Deployments.dev().template(Deployments.dev().stacks().orchestration());
  private final Template prod = Deployments.prod().template(Deployments.prod().stacks().orchestration());

  @Test
  void everyAslFileBecomesAStateMachineWithFullLoggingAndTracing() {
    dev.resourceCountIs("AWS::StepFunctions::StateMachine", 1);
    dev.hasResourceProperties("AWS::StepFunctions::StateMachine", Map.of(
        "StateMachineName", "pier-dev-batch-scoring",
        "StateMachineType", "STANDARD",
        "DefinitionString", Match.stringLikeRegexp(".*\"StartAt\": \"ListUploads\".*"),
        "DefinitionSubstitutions", Match.objectLike(Map.of("BatchBucket", Match.anyValue(),
            "BatchWorkerFunction", Map.of("Fn::ImportValue", Match.stringLikeRegexp(".*BatchWorkerAlias.*")))),
        "LoggingConfiguration", Map.of(
            "Level", "ALL",
            "IncludeExecutionData", true,
            "Destinations", List.of(Match.anyValue())),
        "TracingConfiguration", Map.of("Enabled", true)));
  }

  @Test
  void theStateMachineInvokesOnlyTheBatchWorkersLiveAlias() {
    var alias = Map.of("Fn::ImportValue", Match.stringLikeRegexp(".*BatchWorkerAlias.*"));
    dev.hasResourceProperties("AWS::IAM::Policy", Map.of("PolicyDocument", Map.of("Statement", Match.arrayWith(
        List.of(Match.objectLike(Map.of("Action", "lambda:InvokeFunction", "Resource", alias)))))));
    assertThat(Json.allowedActions(dev, "BatchScoringRole")).containsOnlyOnce("lambda:InvokeFunction");
    // the alias lives in the workers stack, which names the state machine instead of referencing it: no cycle (the
    // workers stack depends on the endpoints stack only for the asynchronous endpoint's notification topics)
    var workers = Deployments.dev().stacks().workers();
    assertThat(workers.getDependencies()).extracting(s -> s.getStackName())
        .containsExactlyInAnyOrder("pier-dev-data", "pier-dev-endpoints");
  }

  @Test
  void theDistributedMapMayStartWatchAndStopOnlyItsOwnChildExecutions() {
    String realAsl = Path.of("..").resolve(PierConfig.DEFAULT_STATE_MACHINES_DIR.toString().substring(3)).toString();
    Deployments.Deployment real = Deployments.synth("real-asl", Map.of("stateMachinesDir", realAsl));
    Template template = real.template(real.stacks().orchestration());
    String prefix = real.config().prefix();
    // feature-materialization and monitor-runs are deployed by their own stacks (FeaturesStackTest,
    // MonitoringStackTest); sagemaker-training and training with its worker (TrainingResourcesTest) and
    // experiment-analysis, with its worker and schedule (ExperimentationTest), are deployed here
    assertThat(real.template(real.stacks().orchestration()).findResources("AWS::StepFunctions::StateMachine"))
        .hasSize(4);
    assertThat(Json.resourcesAllowing(template, "BatchScoringRole", "states:StartExecution")).singleElement()
        .asString().contains(":stateMachine:" + prefix + "-batch-scoring\"");
    for (String action : List.of("states:DescribeExecution", "states:StopExecution")) {
      assertThat(Json.resourcesAllowing(template, "BatchScoringRole", action)).as(action).singleElement().asString()
          .contains(":execution:" + prefix + "-batch-scoring:*\"");
    }
    // the fixture's machine has no Distributed Map, and its role no such grant
    assertThat(Json.resourcesAllowing(dev, "BatchScoringRole", "states:StartExecution")).isEmpty();
  }

  @Test
  void theStateMachineReadsAndWritesBatchObjectsOnlyUnderJobs() {
    for (String action : List.of("s3:GetObject", "s3:PutObject")) {
      assertThat(Json.resourcesAllowing(dev, "BatchScoringRole", action)).as(action).singleElement().asString()
          .contains("BatchBucket").endsWith("/" + DataStack.BATCH_JOBS_PREFIX + "*\"]]}");
    }
    List<String> resources = Json.statements(dev, "BatchScoringRole").stream()
        .flatMap(st -> st.get("Resource") instanceof List<?> l ? l.stream() : java.util.stream.Stream.of(st.get("Resource")))
        .map(Json::write).toList();
    assertThat(resources).noneMatch(r -> r.endsWith("/*\"]]}") && !r.endsWith("/jobs/*\"]]}"));
  }

  @Test
  void theRealBatchScoringAslTouchesS3OnlyUnderJobs() throws IOException {
    Path asl = Path.of("..").resolve(PierConfig.DEFAULT_STATE_MACHINES_DIR.toString().substring(3))
        .resolve("batch-scoring.asl.json");
    JsonNode doc = new ObjectMapper().readTree(Files.readString(asl));
    // the Distributed Map reads the chunk plan at $.plan.plan_key (the batch worker writes jobs/<id>/plan.json)
    // and writes its results under $.plan.results_prefix, which Validate formats under jobs/
    JsonNode map = doc.path("States").path("ScoreChunks");
    assertThat(map.path("ItemReader").path("Parameters").path("Key.$").asText()).isEqualTo("$.plan.plan_key");
    assertThat(map.path("ResultWriter").path("Parameters").path("Prefix.$").asText())
        .isEqualTo("$.plan.results_prefix");
    assertThat(doc.path("States").path("Validate").path("ResultSelector").path("results_prefix.$").asText())
        .startsWith("States.Format('" + DataStack.BATCH_JOBS_PREFIX);
    List<String> s3Resources = new java.util.ArrayList<>();
    doc.findValues("Resource").forEach(r -> {
      if (r.asText().contains(":::s3:")) {
        s3Resources.add(r.asText());
      }
    });
    assertThat(s3Resources).containsExactlyInAnyOrder("arn:aws:states:::s3:getObject",
        "arn:aws:states:::s3:putObject");
  }

  @Test
  void batchSchedulesRunAsARoleThatMayOnlyStartBatchScoring() {
    dev.hasResourceProperties("AWS::IAM::Role", Map.of(
        "RoleName", "pier-dev-batch-scheduler",
        "AssumeRolePolicyDocument", Map.of("Statement", List.of(Match.objectLike(Map.of(
            "Principal", Map.of("Service", "scheduler.amazonaws.com"),
            "Condition", Map.of("StringEquals", Map.of("aws:SourceAccount", Map.of("Ref", "AWS::AccountId")))))))));
    dev.hasResourceProperties("AWS::IAM::Policy", Map.of("PolicyDocument", Map.of("Statement", List.of(
        Match.objectLike(Map.of(
            "Action", "states:StartExecution",
            "Resource", Map.of("Fn::Sub", Match.stringLikeRegexp(".*:stateMachine:pier-dev-batch-scoring"))))))));
  }

  @Test
  void batchUploadsUnderIncomingStartTheBatchStateMachine() {
    dev.hasResourceProperties("AWS::Events::Rule", Map.of(
        "Name", "pier-dev-batch-uploads",
        "EventPattern", Map.of(
            "source", List.of("aws.s3"),
            "detail-type", List.of("Object Created"),
            "detail", Map.of(
                "bucket", Map.of("name", List.of(Match.anyValue())),
                "object", Map.of("key", List.of(Map.of("prefix", DataStack.BATCH_INCOMING_PREFIX))))),
        "Targets", List.of(Match.objectLike(Map.of(
            "Arn", Map.of("Ref", Match.stringLikeRegexp("BatchScoring.*")),
            "RoleArn", Match.anyValue(),
            "DeadLetterConfig", Map.of("Arn", Match.anyValue()))))));
  }

  @Test
  void withoutABatchStateMachineUploadsWaitInTheBatchUploadsQueue() {
    prod.resourceCountIs("AWS::StepFunctions::StateMachine", 0);
    prod.hasResourceProperties("AWS::Events::Rule", Map.of("Targets", List.of(Match.objectLike(Map.of(
        "Arn", Map.of("Fn::ImportValue", Match.stringLikeRegexp(".*BatchUploads.*Arn.*")),
        "DeadLetterConfig", Map.of("Arn", Match.anyValue()))))));
  }

  @Test
  void aDeployedExperimentAnalysisMachineIsStartedEveryFiveMinutesByARoleThatMayStartOnlyIt(@TempDir Path dir)
      throws IOException {
    Files.writeString(dir.resolve("experiment-analysis.asl.json"),
        "{\"StartAt\": \"Done\", \"States\": {\"Done\": {\"Type\": \"Pass\", \"End\": true}}}");
    Deployments.Deployment d = Deployments.synth("analysis-asl", Map.of("stateMachinesDir", dir.toString()));
    Template template = d.template(d.stacks().orchestration());
    template.hasResourceProperties("AWS::Events::Rule", Map.of(
        "Name", d.config().prefix() + "-experiment-analysis",
        "ScheduleExpression", "rate(5 minutes)",
        "State", "ENABLED",
        "Targets", List.of(Match.objectLike(Map.of("Arn", Map.of("Ref", Match.stringLikeRegexp("ExperimentAnalysis.*")),
            "RoleArn", Match.anyValue())))));
    assertThat(Json.allowedActions(template, "ExperimentAnalysisScheduleRole")).containsExactly("states:StartExecution");
  }

  @Test
  void loadsAslFilesRecursivelyInNameOrderAndNothingElse(@TempDir Path dir) throws IOException {
    Files.createDirectories(dir.resolve("monitoring"));
    Files.writeString(dir.resolve("training.asl.json"), "{}");
    Files.writeString(dir.resolve("monitoring/drift-check.asl.json"), "{}");
    Files.writeString(dir.resolve("README.md"), "not a state machine");
    assertThat(AslFile.load(dir)).extracting(AslFile::name).containsExactly("drift-check", "training");
    assertThat(new AslFile("drift-check", "{}").constructId()).isEqualTo("DriftCheck");
  }

  @Test
  void aMissingFolderMeansNoStateMachines() {
    assertThat(AslFile.load(Path.of("target/does-not-exist"))).isEmpty();
  }

  @Test
  void everyAslFileInTheRepositoryIsAStatesLanguageDocument() throws IOException {
    Path repoFolder = Path.of("..").resolve(PierConfig.DEFAULT_STATE_MACHINES_DIR.toString().substring(3));
    for (AslFile asl : AslFile.load(repoFolder)) {
      JsonNode doc = new ObjectMapper().readTree(asl.definition());
      assertThat(doc.has("StartAt") && doc.has("States")).as(asl.name()).isTrue();
    }
  }
}
