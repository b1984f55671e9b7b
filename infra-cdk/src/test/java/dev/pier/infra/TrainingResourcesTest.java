package dev.pier.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/**
 * SageMaker training in the CDK app: the {@code .sync} state machine from the real sagemaker-training.asl.json, the
 * least-privilege SageMaker execution role and state machine role, checkpoints expiring in the batch bucket, the
 * cost budget and its topic; cdk-nag clean.
 */
class TrainingResourcesTest {
  private static final Deployments.Deployment REAL = Deployments.synth("real-asl", Map.of("stateMachinesDir",
      Path.of("..").resolve(PierConfig.DEFAULT_STATE_MACHINES_DIR.toString().substring(3)).toString()));
  private final Template orchestration = REAL.template(REAL.stacks().orchestration());

  @Test
  void theSyncStateMachineRunsSageMakerTrainingJobsOnSpotWithCheckpoints() {
    String prefix = REAL.config().prefix();
    var machines = Json.properties(orchestration, "AWS::StepFunctions::StateMachine").values().stream()
        .filter(p -> (prefix + "-sagemaker-training").equals(p.get("StateMachineName"))).toList();
    assertThat(machines).singleElement().satisfies(p -> assertThat((String) p.get("DefinitionString"))
        .contains("\"Resource\": \"arn:aws:states:::sagemaker:createTrainingJob.sync\"")
        .contains("\"EnableManagedSpotTraining\": true")
        .contains("\"MaxWaitTimeInSeconds.$\": \"$.max_wait\"")
        .contains("\"MaxRuntimeInSeconds.$\": \"$.max_runtime\"")
        .contains("s3://${TrainingBucket}/training/checkpoints/{}/{}/"));
    orchestration.hasResourceProperties("AWS::StepFunctions::StateMachine", Map.of(
        "StateMachineName", prefix + "-sagemaker-training",
        "DefinitionSubstitutions", Match.objectLike(Map.of(
            "SageMakerRoleArn", Map.of("Fn::GetAtt", List.of(Match.stringLikeRegexp("TrainingSageMakerRole.*"), "Arn")),
            "TrainingBucket", Match.anyValue(), "TrainingKmsKey", Match.anyValue())),
        "LoggingConfiguration", Match.objectLike(Map.of("Level", "ALL")),
        "TracingConfiguration", Map.of("Enabled", true)));
  }

  @Test
  void theStateMachineMayOnlyRunTrainingJobsAndPassTheSageMakerRoleToSageMaker() {
    assertThat(Json.allowedActions(orchestration, "TrainingSagemakerTrainingRole")).doesNotContain(
        "lambda:InvokeFunction", "s3:GetObject", "s3:PutObject", "states:StartExecution");
    assertThat(Json.resourcesAllowing(orchestration, "TrainingSagemakerTrainingRole", "sagemaker:CreateTrainingJob"))
        .singleElement().asString().contains(":training-job/*");
    var pass = Json.statements(orchestration, "TrainingSagemakerTrainingRole").stream()
        .filter(st -> "iam:PassRole".equals(st.get("Action"))).toList();
    assertThat(pass).singleElement().satisfies(st -> {
      assertThat(Json.write(st.get("Resource"))).contains("TrainingSageMakerRole");
      assertThat(Json.write(st.get("Condition"))).contains("\"iam:PassedToService\":\"sagemaker.amazonaws.com\"");
    });
    assertThat(Json.resourcesAllowing(orchestration, "TrainingSagemakerTrainingRole", "events:PutRule"))
        .singleElement().asString().contains("rule/StepFunctionsGetEventsForSageMakerTrainingJobsRule");
  }

  @Test
  void theTrainingWorkflowRunsOnTheWorkerLambdaAndStartsOnlySageMakerTrainingExecutions() {
    String prefix = REAL.config().prefix();
    var machines = Json.properties(orchestration, "AWS::StepFunctions::StateMachine").values().stream()
        .filter(p -> (prefix + "-training").equals(p.get("StateMachineName"))).toList();
    assertThat(machines).singleElement().satisfies(p -> {
      assertThat((String) p.get("DefinitionString"))
          .contains("\"Resource\": \"arn:aws:states:::states:startExecution.sync:2\"")
          .contains("\"StateMachineArn\": \"${SageMakerTrainingStateMachine}\"")
          .contains("\"FunctionName\": \"${TrainingWorkerFunction}\"");
      assertThat(Json.write(p.get("DefinitionSubstitutions"))).contains("TrainingWorker")
          .contains("TrainingSagemakerTraining");
    });
    orchestration.hasResourceProperties("AWS::Lambda::Function", Map.of(
        "Handler", TrainingResources.WORKER_HANDLER,
        "Environment", Map.of("Variables", Match.objectLike(Map.of(
            "PIER_SAGEMAKER_XGBOOST_IMAGE", TrainingResources.DEFAULT_XGBOOST_IMAGE,
            "PIER_JOBS_TABLE", Match.anyValue(), "PIER_TRAINING_BUCKET", Match.anyValue(),
            "PIER_REGISTRY_TABLE", Match.anyValue(), "PIER_ARTIFACTS_BUCKET", Match.anyValue(),
            "PIER_EXPERIMENTS_TABLE", Match.anyValue(),
            "PIER_TRAINING_STATE_MACHINE_ARN", Map.of("Fn::Sub",
                "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:" + prefix + "-training")))),
        "FunctionName", prefix + "-training-worker"));
    assertThat(Json.resourcesAllowing(orchestration, "TrainingRoleDefaultPolicy", "states:StartExecution"))
        .singleElement().asString().contains("TrainingSagemakerTraining");
    assertThat(Json.resourcesAllowing(orchestration, "TrainingRoleDefaultPolicy", "states:StopExecution"))
        .singleElement().asString().contains(":execution:" + prefix + "-sagemaker-training:*");
    assertThat(Json.resourcesAllowing(orchestration, "TrainingRoleDefaultPolicy", "events:PutRule"))
        .anySatisfy(r -> assertThat(r).contains("rule/StepFunctionsGetEventsForStepFunctionsExecutionRule"));
    assertThat(Json.allowedActions(orchestration, "TrainingRoleDefaultPolicy")).doesNotContain(
        "sagemaker:CreateTrainingJob", "s3:GetObject", "s3:PutObject");
    assertThat(Json.allowedActions(orchestration, "TrainingWorkerRole")).doesNotContain(
        "sagemaker:CreateHyperParameterTuningJob");
    assertThat(Json.allowedActions(orchestration, "TrainingWorkerRole")).doesNotContain(
        "sagemaker:CreateTrainingJob", "iam:PassRole");
  }

  /**
   * SageMaker Automatic Model Tuning (tuning.service sagemaker): the workflow may create, watch and stop only Pier's
   * tuning jobs, pass only the SageMaker role to SageMaker only, keep only the tuning .sync rule; the worker may only
   * read the tuning jobs and their training jobs.
   */
  @Test
  void theTrainingWorkflowMayRunOnlyPiersTuningJobsAndTheWorkerOnlyReadThem() {
    String prefix = REAL.config().prefix();
    var machines = Json.properties(orchestration, "AWS::StepFunctions::StateMachine").values().stream()
        .filter(p -> (prefix + "-training").equals(p.get("StateMachineName"))).toList();
    assertThat(machines).singleElement().satisfies(p -> {
      assertThat((String) p.get("DefinitionString"))
          .contains("\"Resource\": \"arn:aws:states:::sagemaker:createHyperParameterTuningJob.sync\"")
          .contains("\"RoleArn\": \"${SageMakerRoleArn}\"");
      assertThat(Json.write(p.get("DefinitionSubstitutions"))).contains("SageMakerRoleArn").contains("TrainingKmsKey")
          .contains("TrainingBucket");
    });
    for (String action : List.of("sagemaker:CreateHyperParameterTuningJob", "sagemaker:DescribeHyperParameterTuningJob",
        "sagemaker:StopHyperParameterTuningJob")) {
      assertThat(Json.resourcesAllowing(orchestration, "TrainingRoleDefaultPolicy", action)).as(action).singleElement()
          .asString().endsWith(":hyper-parameter-tuning-job/tj-*\"]]}");
    }
    assertThat(Json.resourcesAllowing(orchestration, "TrainingRoleDefaultPolicy", "iam:PassRole")).singleElement()
        .asString().contains("TrainingSageMakerRole");
    var pass = Json.statements(orchestration, "TrainingRoleDefaultPolicy").stream()
        .filter(st -> "iam:PassRole".equals(st.get("Action"))).toList();
    assertThat(pass).singleElement().satisfies(st -> assertThat(Json.write(st.get("Condition")))
        .contains("\"iam:PassedToService\":\"sagemaker.amazonaws.com\""));
    assertThat(Json.resourcesAllowing(orchestration, "TrainingRoleDefaultPolicy", "events:PutRule"))
        .anySatisfy(r -> assertThat(r).contains("rule/StepFunctionsGetEventsForSageMakerTuningJobsRule"))
        .allSatisfy(r -> assertThat(r).doesNotContain("rule/*"));
    assertThat(Json.resourcesAllowing(orchestration, "TrainingWorkerRole",
        "sagemaker:ListTrainingJobsForHyperParameterTuningJob")).singleElement().asString()
        .endsWith(":hyper-parameter-tuning-job/tj-*\"]]}");
    assertThat(Json.resourcesAllowing(orchestration, "TrainingWorkerRole", "sagemaker:DescribeTrainingJob"))
        .singleElement().asString().endsWith(":training-job/tj-*\"]]}");
    // a watched trial's jobs stopped when the pruner says so: Pier's training jobs only
    assertThat(Json.resourcesAllowing(orchestration, "TrainingWorkerRole", "sagemaker:StopTrainingJob"))
        .singleElement().asString().endsWith(":training-job/tj-*\"]]}");
    assertThat(Json.allowedActions(orchestration, "TrainingWorkerRole")).doesNotContain(
        "sagemaker:CreateHyperParameterTuningJob", "sagemaker:StopHyperParameterTuningJob", "iam:PassRole",
        "sagemaker:CreateTrainingJob");
    // a SageMaker trial's round history: read from SageMaker's training log group, nothing else, nothing written
    for (String action : List.of("logs:GetLogEvents", "logs:FilterLogEvents")) {
      assertThat(Json.resourcesAllowing(orchestration, "TrainingWorkerRole", action)).as(action).hasSize(2)
          .allSatisfy(r -> assertThat(r).contains(":log-group:/aws/sagemaker/TrainingJobs"))
          .anySatisfy(r -> assertThat(r).endsWith(":log-group:/aws/sagemaker/TrainingJobs\"]]}"))
          .anySatisfy(r -> assertThat(r).endsWith(":log-group:/aws/sagemaker/TrainingJobs:log-stream:*\"]]}"));
    }
    assertThat(Json.allowedActions(orchestration, "TrainingWorkerRole")).doesNotContain(
        "logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:*");
    for (String write : List.of("logs:PutLogEvents", "logs:CreateLogStream")) { // its own Lambda log group only
      assertThat(Json.resourcesAllowing(orchestration, "TrainingWorkerRole", write)).as(write)
          .noneSatisfy(r -> assertThat(r).contains("/aws/sagemaker/"));
    }
  }

  @Test
  void theWorkerStartsAndStopsOnlyTrainingWorkflowExecutionsAndManagesExperiments() {
    String prefix = REAL.config().prefix();
    // the routes the API Lambda forwards: a submitted job starts the workflow, a cancel stops its execution
    assertThat(Json.resourcesAllowing(orchestration, "TrainingWorkerRole", "states:StartExecution")).singleElement()
        .asString().endsWith(":stateMachine:" + prefix + "-training\"}");
    assertThat(Json.resourcesAllowing(orchestration, "TrainingWorkerRole", "states:StopExecution")).singleElement()
        .asString().endsWith(":execution:" + prefix + "-training:*\"}");
    // the experiment step: the experiments table only
    assertThat(Json.resourcesAllowing(orchestration, "TrainingWorkerRole", "dynamodb:UpdateItem"))
        .anySatisfy(r -> assertThat(r).contains("ExperimentsTable"));
    // the API's control plane may invoke the worker by its name, the data plane may not
    Template api = REAL.template(REAL.stacks().api());
    assertThat(Json.resourcesAllowing(api, "ControlPlaneRole", "lambda:InvokeFunction"))
        .anySatisfy(r -> assertThat(r).endsWith(":function:" + prefix + "-training-worker\"}"))
        .allSatisfy(r -> assertThat(r).doesNotContain("*")); // the feature worker's hand-off is the other
    assertThat(Json.allowedActions(api, "DataPlaneRole")).doesNotContain("lambda:InvokeFunction");
    api.hasResourceProperties("AWS::Lambda::Function", Map.of("Environment", Map.of("Variables", Match.objectLike(
        Map.of("PIER_TRAINING_WORKER_FUNCTION", prefix + "-training-worker")))));
  }

  @Test
  void executionsEndingOutsidePiersTasksGoToTheWorkerThroughOneRuleOnly() {
    String prefix = REAL.config().prefix();
    var machine = Json.properties(orchestration, "AWS::StepFunctions::StateMachine").entrySet().stream()
        .filter(e -> (prefix + "-training").equals(e.getValue().get("StateMachineName"))).map(Map.Entry::getKey)
        .toList();
    assertThat(machine).hasSize(1);
    var rules = orchestration.findResources("AWS::Events::Rule", Map.of("Properties", Map.of("EventPattern",
        Map.of("source", List.of("aws.states"), "detail-type", List.of("Step Functions Execution Status Change"),
            "detail", Map.of("stateMachineArn", List.of(Map.of("Ref", machine.get(0))),
                "status", List.of("FAILED", "TIMED_OUT", "ABORTED"))))));
    assertThat(rules).hasSize(1);
    String rule = rules.keySet().iterator().next();
    String worker = orchestration.findResources("AWS::Lambda::Function", Map.of("Properties",
        Map.of("Handler", TrainingResources.WORKER_HANDLER))).keySet().iterator().next();
    orchestration.hasResourceProperties("AWS::Events::Rule", Map.of("EventPattern", Match.objectLike(Map.of(
        "source", List.of("aws.states"))), "Targets", List.of(Match.objectLike(Map.of(
        "Arn", Map.of("Fn::GetAtt", List.of(worker, "Arn")))))));
    // the worker may be invoked by EventBridge for this rule alone
    orchestration.hasResourceProperties("AWS::Lambda::Permission", Map.of("Action", "lambda:InvokeFunction",
        "Principal", "events.amazonaws.com", "FunctionName", Map.of("Fn::GetAtt", List.of(worker, "Arn")),
        "SourceArn", Map.of("Fn::GetAtt", List.of(rule, "Arn"))));
  }

  @Test
  void sageMakerMayTouchOnlyTrainingObjectsOfTheBatchBucketAndItsOwnLogs() {
    orchestration.hasResourceProperties("AWS::IAM::Role", Map.of(
        "RoleName", REAL.config().prefix() + "-sagemaker-training",
        "AssumeRolePolicyDocument", Map.of("Statement", List.of(Match.objectLike(Map.of(
            "Principal", Map.of("Service", "sagemaker.amazonaws.com"),
            "Condition", Map.of("StringEquals", Map.of("aws:SourceAccount", Map.of("Ref", "AWS::AccountId")))))))));
    for (String action : List.of("s3:GetObject", "s3:PutObject", "s3:DeleteObject")) {
      assertThat(Json.resourcesAllowing(orchestration, "TrainingSageMakerRole", action)).as(action).singleElement()
          .asString().contains("BatchBucket").endsWith("/training/*\"]]}");
    }
    var list = Json.statements(orchestration, "TrainingSageMakerRole").stream()
        .filter(st -> "s3:ListBucket".equals(st.get("Action"))).toList();
    assertThat(list).singleElement().satisfies(st ->
        assertThat(Json.write(st.get("Condition"))).contains("\"s3:prefix\":[\"training/*\"]"));
    assertThat(Json.resourcesAllowing(orchestration, "TrainingSageMakerRole", "logs:PutLogEvents"))
        .allSatisfy(r -> assertThat(r).contains("/aws/sagemaker/TrainingJobs"));
    assertThat(Json.allowedActions(orchestration, "TrainingSageMakerRole")).doesNotContain(
        "s3:*", "sagemaker:CreateTrainingJob", "iam:PassRole", "lambda:InvokeFunction");
    var metrics = Json.statements(orchestration, "TrainingSageMakerRole").stream()
        .filter(st -> "cloudwatch:PutMetricData".equals(st.get("Action"))).toList();
    assertThat(metrics).singleElement().satisfies(st -> assertThat(Json.write(st.get("Condition")))
        .contains("/aws/sagemaker/TrainingJobs"));
  }

  @Test
  void checkpointsExpireAfterAFortnight() {
    Template data = REAL.template(REAL.stacks().data());
    data.hasResourceProperties("AWS::S3::Bucket", Map.of("LifecycleConfiguration", Map.of("Rules",
        Match.arrayWith(List.of(Match.objectLike(Map.of(
            "Id", "expire-training-checkpoints", "Prefix", "training/checkpoints/", "ExpirationInDays", 14,
            "Status", "Enabled")))))));
  }

  @Test
  void aMonthlyBudgetOnSageMakerNotifiesAnEncryptedTopicBudgetsMayPublishTo() {
    orchestration.hasResourceProperties("AWS::Budgets::Budget", Map.of(
        "Budget", Match.objectLike(Map.of(
            "BudgetType", "COST", "TimeUnit", "MONTHLY",
            "BudgetLimit", Map.of("Amount", 100, "Unit", "USD"),
            "CostFilters", Map.of("Service", List.of("Amazon SageMaker")))),
        "NotificationsWithSubscribers", List.of(
            Match.objectLike(Map.of("Notification", Match.objectLike(Map.of("NotificationType", "ACTUAL",
                "Threshold", 80)))),
            Match.objectLike(Map.of("Notification", Match.objectLike(Map.of("NotificationType", "FORECASTED",
                "Threshold", 100)))))));
    orchestration.hasResourceProperties("AWS::SNS::Topic", Map.of("KmsMasterKeyId", Match.anyValue()));
    orchestration.hasResourceProperties("AWS::SNS::TopicPolicy", Map.of("PolicyDocument", Map.of("Statement",
        Match.arrayWith(List.of(Match.objectLike(Map.of(
            "Principal", Map.of("Service", "budgets.amazonaws.com"), "Action", "sns:Publish")))))));
  }

  @Test
  void theTrainingResourcesHaveNoUnsuppressedAwsSolutionsErrors() {
    for (var stack : List.of(REAL.stacks().orchestration(), REAL.stacks().data())) {
      REAL.template(stack);
      assertThat(Annotations.fromStack(stack).findError("*", Match.stringLikeRegexp("AwsSolutions-.*")))
          .as("cdk-nag errors in %s", stack.getStackName())
          .extracting(m -> m.getId() + ": " + m.getEntry().getData()).isEmpty();
    }
  }
}
