package dev.pier.infra;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pier.features.FeatureWorkerHandler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/**
 * The feature store's stack (issue #14 item 11): tables with PITR and KMS in the layout the feature code uses, the
 * offline bucket, the feature worker behind the materialization state machine, its schedule and the freshness alarms.
 */
class FeaturesStackTest {
  private final Template dev = Deployments.dev().template(Deployments.dev().stacks().features());
  private final Template prod = Deployments.prod().template(Deployments.prod().stacks().features());

  @Test
  void bothTablesHavePointInTimeRecoveryKmsAndTheLayoutTheFeatureCodeUses() {
    dev.resourceCountIs("AWS::DynamoDB::Table", 2);
    dev.hasResourceProperties("AWS::DynamoDB::Table", Map.of(
        "TableName", "pier-dev-features",
        "KeySchema", List.of(
            Map.of("AttributeName", "pk", "KeyType", "HASH"),
            Map.of("AttributeName", "sk", "KeyType", "RANGE")),
        "GlobalSecondaryIndexes", List.of(Map.of(
            "IndexName", "gsi1",
            "KeySchema", List.of(
                Map.of("AttributeName", "gsi1pk", "KeyType", "HASH"),
                Map.of("AttributeName", "gsi1sk", "KeyType", "RANGE")),
            "Projection", Map.of("ProjectionType", "ALL"))),
        "PointInTimeRecoverySpecification", Map.of("PointInTimeRecoveryEnabled", true),
        "SSESpecification", Map.of("SSEEnabled", true, "SSEType", "KMS", "KMSMasterKeyId", Match.anyValue()),
        "BillingMode", "PAY_PER_REQUEST"));
    dev.hasResourceProperties("AWS::DynamoDB::Table", Map.of(
        "TableName", "pier-dev-features-online",
        "KeySchema", List.of(Map.of("AttributeName", "k", "KeyType", "HASH")), // OnlineStore's one key
        "PointInTimeRecoverySpecification", Map.of("PointInTimeRecoveryEnabled", true),
        "SSESpecification", Map.of("SSEEnabled", true, "SSEType", "KMS", "KMSMasterKeyId", Match.anyValue())));
    prod.hasResourceProperties("AWS::DynamoDB::Table", Map.of("DeletionProtectionEnabled", true));
    prod.hasResource("AWS::DynamoDB::Table", Map.of("DeletionPolicy", "Retain"));
  }

  @Test
  void theOfflineBucketIsKmsEncryptedPrivateAndAccessLogged() {
    dev.hasResourceProperties("AWS::S3::Bucket", Map.of(
        "BucketEncryption", Map.of("ServerSideEncryptionConfiguration", List.of(Map.of(
            "BucketKeyEnabled", true,
            "ServerSideEncryptionByDefault", Map.of("SSEAlgorithm", "aws:kms", "KMSMasterKeyID", Match.anyValue())))),
        "LoggingConfiguration", Map.of("DestinationBucketName", Match.anyValue(), "LogFilePrefix", "offline/"),
        "PublicAccessBlockConfiguration", Map.of("BlockPublicAcls", true, "BlockPublicPolicy", true,
            "IgnorePublicAcls", true, "RestrictPublicBuckets", true),
        "VersioningConfiguration", Map.of("Status", "Enabled")));
  }

  @Test
  void theWorkerRunsTheFeatureWorkerHandlerWithTheTablesAndStateMachineInItsEnvironment() throws Exception {
    String handler = FeaturesStack.HANDLER;
    assertThat(handler).isEqualTo(FeatureWorkerHandler.class.getName() + "::handleRequest");
    // the method Lambda's Java runtime calls exists with the stream signature
    FeatureWorkerHandler.class.getMethod("handleRequest", java.io.InputStream.class, java.io.OutputStream.class);
    assertThat(FeaturesStack.NAMESPACE).isEqualTo(FeatureWorkerHandler.NAMESPACE);

    dev.hasResourceProperties("AWS::Lambda::Function", Map.of(
        "Handler", handler,
        "Runtime", "java25",
        "Timeout", 900,
        "TracingConfig", Map.of("Mode", "Active"),
        "Environment", Map.of("Variables", Match.objectLike(Map.of(
            "PIER_FEATURES_TABLE", Match.anyValue(),
            "PIER_FEATURES_ONLINE_TABLE", Match.anyValue(),
            "PIER_FEATURES_STATE_MACHINE_ARN", Match.anyValue(),
            "HOME", "/tmp")))));
    prod.hasResourceProperties("AWS::Lambda::Function", Map.of("Handler", handler, "Runtime", "java21"));
  }

  @Test
  void theWorkersRoleWritesOnlyTheFeatureTablesAndOnlyTheOfflineBucket() {
    String policies = Json.write(Json.properties(dev, "AWS::IAM::Policy"));
    assertThat(policies).doesNotContain("dynamodb:*").doesNotContain("s3:*")
        .contains("dynamodb:BatchWriteItem").contains("dynamodb:TransactWriteItems")
        .contains("states:StartExecution").contains("lambda:InvokeFunction");
    // historical retrieval answers and pushed rows: written into the offline bucket; handed-off payloads into the
    // staging bucket; nowhere else
    assertThat(Json.resourcesAllowing(dev, "WorkerRole", "s3:PutObject")).hasSize(2)
        .anySatisfy(r -> assertThat(r).contains("OfflineBucket"))
        .anySatisfy(r -> assertThat(r).contains("StagingBucket"));
  }

  @Test
  void historicalRetrievalJobsRunAsTheirOwnStateMachineWithTheWorkerBehindItAndTheApiStartsThem() throws Exception {
    assertThat(Files.readString(Deployments.STATE_MACHINES.resolve("feature-historical.asl.json")))
        .isEqualTo(Files.readString(Path.of("../state-machines/src/main/resources/feature-historical.asl.json")));
    dev.hasResourceProperties("AWS::StepFunctions::StateMachine", Map.of(
        "StateMachineName", "pier-dev-feature-historical",
        "DefinitionSubstitutions", Map.of("FeatureWorkerFunction", Match.objectLike(Map.of(
            "Fn::GetAtt", Match.arrayWith(List.of("Arn"))))),
        "TracingConfiguration", Map.of("Enabled", true)));
    assertThat(Json.write(Json.properties(dev, "AWS::StepFunctions::StateMachine"))).contains("historical-retrieve");
    Template api = Deployments.dev().template(Deployments.dev().stacks().api());
    api.hasResourceProperties("AWS::Lambda::Function", Map.of("Environment", Map.of("Variables", Match.objectLike(
        Map.of("PIER_FEATURES_HISTORICAL_STATE_MACHINE_ARN", Match.anyValue())))));
    assertThat(Json.write(Json.resourcesAllowing(api, "ControlPlaneRole", "states:StartExecution")))
        .contains(":stateMachine:pier-dev-feature-historical");
    Deployments.dev().template(Deployments.dev().stacks().orchestration()).resourcePropertiesCountIs(
        "AWS::StepFunctions::StateMachine", Map.of("StateMachineName", "pier-dev-feature-historical"), 0);
  }

  @Test
  void theApiFunctionsFindTheFeatureStoreByNameTheControlPlaneStartsMaterializationsTheDataPlaneOnlyReads() {
    Template api = Deployments.dev().template(Deployments.dev().stacks().api());
    api.hasResourceProperties("AWS::Lambda::Function", Map.of("Environment", Map.of("Variables", Match.objectLike(
        Map.of("PIER_FEATURES_TABLE", "pier-dev-features", "PIER_FEATURES_ONLINE_TABLE", "pier-dev-features-online",
            "PIER_FEATURES_STATE_MACHINE_ARN", Match.anyValue())))));
    assertThat(Json.allowedActions(api, "ControlPlaneRole")).contains("states:StartExecution",
        "dynamodb:TransactWriteItems", "dynamodb:BatchGetItem");
    assertThat(Json.allowedActions(api, "DataPlaneRole")).doesNotContain("states:StartExecution",
        "dynamodb:TransactWriteItems", "dynamodb:UpdateItem");
  }

  @Test
  void theMaterializationStateMachineInvokesTheWorkerAndIsTracedAndLogged() throws Exception {
    // the fixture folder's copy is the real ASL
    assertThat(Files.readString(Deployments.STATE_MACHINES.resolve("feature-materialization.asl.json")))
        .isEqualTo(Files.readString(Path.of("../state-machines/src/main/resources/feature-materialization.asl.json")));
    dev.hasResourceProperties("AWS::StepFunctions::StateMachine", Map.of(
        "StateMachineName", "pier-dev-feature-materialization",
        "DefinitionSubstitutions", Map.of("FeatureWorkerFunction", Match.objectLike(Map.of(
            "Fn::GetAtt", Match.arrayWith(List.of("Arn"))))),
        "TracingConfiguration", Map.of("Enabled", true),
        "LoggingConfiguration", Match.objectLike(Map.of("Level", "ALL"))));
    String definition = Json.write(Json.properties(dev, "AWS::StepFunctions::StateMachine"));
    assertThat(definition).contains("materialize-chunk").contains("${FeatureWorkerFunction}")
        .contains("dev.pier.features.FeaturesTransientError");
    // orchestration leaves it to this stack
    Deployments.dev().template(Deployments.dev().stacks().orchestration()).resourcePropertiesCountIs(
        "AWS::StepFunctions::StateMachine", Map.of("StateMachineName", "pier-dev-feature-materialization"), 0);
    // prod synthesizes without state machines: no machine, no schedule; tables, worker and lag alarm stay
    prod.resourceCountIs("AWS::StepFunctions::StateMachine", 0);
    prod.resourceCountIs("AWS::Scheduler::Schedule", 0);
  }

  @Test
  void anHourlyScheduleInvokesTheWorkerForAnIncrementalJob() {
    dev.hasResourceProperties("AWS::Scheduler::Schedule", Map.of(
        "ScheduleExpression", "rate(1 hour)",
        "FlexibleTimeWindow", Map.of("Mode", "OFF"),
        "Target", Match.objectLike(Map.of(
            "Arn", Match.objectLike(Map.of("Fn::GetAtt", Match.arrayWith(List.of("Arn")))),
            "Input", "{\"action\": \"materialize-incremental\"}",
            "RetryPolicy", Map.of("MaximumRetryAttempts", 3, "MaximumEventAgeInSeconds", 3600)))));
  }

  @Test
  void freshnessAndFailureAlarmsGoToTheAlarmTopic() {
    dev.resourceCountIs("AWS::CloudWatch::Alarm", 2);
    dev.hasResourceProperties("AWS::CloudWatch::Alarm", Map.of(
        "AlarmName", "pier-dev-FeatureMaterializationLag",
        "Namespace", FeatureWorkerHandler.NAMESPACE,
        "MetricName", "MaterializationLagSeconds",
        "Statistic", "Maximum",
        "Threshold", 10_800,
        "ComparisonOperator", "GreaterThanThreshold",
        "AlarmActions", List.of(Match.anyValue())));
    dev.hasResourceProperties("AWS::CloudWatch::Alarm", Map.of(
        "AlarmName", "pier-dev-FeatureMaterializationFailed",
        "MetricName", "ExecutionsFailed",
        "Threshold", 0));
    prod.resourceCountIs("AWS::CloudWatch::Alarm", 1);
  }

  @Test
  void theApiHandsDuckDbsWorkToTheNamedWorkerThroughAStagingBucketWithLeastPrivilege() {
    dev.hasResourceProperties("AWS::Lambda::Function", Map.of(
        "Handler", FeaturesStack.HANDLER,
        "FunctionName", "pier-dev-feature-worker",
        "Environment", Map.of("Variables", Match.objectLike(Map.of(
            "PIER_FEATURES_STAGING_BUCKET", Match.anyValue())))));
    // staged pushes never expire (nothing accepted is lost); exchanged payloads after a day
    dev.hasResourceProperties("AWS::S3::Bucket", Map.of(
        "BucketName", Match.objectLike(Map.of("Fn::Sub", "pier-dev-features-staging-${AWS::AccountId}-${AWS::Region}")),
        "BucketEncryption", Map.of("ServerSideEncryptionConfiguration", List.of(Map.of(
            "ServerSideEncryptionByDefault", Map.of("SSEAlgorithm", "AES256")))),
        "LifecycleConfiguration", Map.of("Rules", List.of(
            Map.of("Id", "expire-exchanged-payloads", "Prefix", "exchange/", "ExpirationInDays", 1,
                "Status", "Enabled"),
            Map.of("Id", "abort-incomplete-uploads", "AbortIncompleteMultipartUpload",
                Map.of("DaysAfterInitiation", 1), "Status", "Enabled"))),
        "LoggingConfiguration", Map.of("DestinationBucketName", Match.anyValue(), "LogFilePrefix", "staging/")));
    assertThat(Json.resourcesAllowing(dev, "WorkerRole", "s3:DeleteObject")).singleElement().asString()
        .contains("StagingBucket");

    Template api = Deployments.dev().template(Deployments.dev().stacks().api());
    api.hasResourceProperties("AWS::Lambda::Function", Map.of("Environment", Map.of("Variables", Match.objectLike(
        Map.of("PIER_FEATURES_WORKER_FUNCTION", "pier-dev-feature-worker",
            "PIER_FEATURES_STAGING_BUCKET", Match.anyValue())))));
    assertThat(Json.write(Json.resourcesAllowing(api, "ControlPlaneRole", "lambda:InvokeFunction")))
        .contains(":function:pier-dev-feature-worker").doesNotContain("*");
    assertThat(Json.write(Json.resourcesAllowing(api, "ControlPlaneRole", "s3:PutObject")))
        .contains("-features-staging-${AWS::AccountId}-${AWS::Region}/push/*")
        .contains("-features-staging-${AWS::AccountId}-${AWS::Region}/exchange/*");
    assertThat(Json.allowedActions(api, "DataPlaneRole")).doesNotContain("lambda:InvokeFunction");

    // the batch worker's point-in-time lookups: invoke and exchange, but it stages no pushes
    Template workers = Deployments.dev().template(Deployments.dev().stacks().workers());
    workers.hasResourceProperties("AWS::Lambda::Function", Map.of("Environment", Map.of("Variables",
        Match.objectLike(Map.of("PIER_FEATURES_WORKER_FUNCTION", "pier-dev-feature-worker",
            "PIER_FEATURES_TABLE", "pier-dev-features")))));
    String batch = Json.write(Json.resourcesAllowing(workers, "BatchWorkerRole", "s3:PutObject"));
    assertThat(batch).contains("-features-staging-${AWS::AccountId}-${AWS::Region}/exchange/*").doesNotContain("/push/*");
    assertThat(Json.write(Json.resourcesAllowing(workers, "BatchWorkerRole", "lambda:InvokeFunction")))
        .contains(":function:pier-dev-feature-worker");
  }

  @Test
  void userMaterializationSchedulesAreSchedulerSchedulesTheControlPlaneManagesWithARoleThatOnlyInvokesTheWorker() {
    dev.hasResourceProperties("AWS::IAM::Role", Map.of(
        "RoleName", "pier-dev-feature-schedules",
        "AssumeRolePolicyDocument", Match.objectLike(Map.of("Statement", List.of(Match.objectLike(Map.of(
            "Principal", Map.of("Service", "scheduler.amazonaws.com"))))))));
    assertThat(Json.allowedActions(dev, "UserScheduleRole")).containsExactly("lambda:InvokeFunction");
    Template api = Deployments.dev().template(Deployments.dev().stacks().api());
    api.hasResourceProperties("AWS::Lambda::Function", Map.of("Environment", Map.of("Variables", Match.objectLike(
        Map.of("PIER_FEATURES_WORKER_ARN", Match.anyValue(), "PIER_FEATURES_SCHEDULER_ROLE_ARN", Match.anyValue())))));
    assertThat(Json.write(Json.resourcesAllowing(api, "ControlPlaneRole", "scheduler:CreateSchedule")))
        .contains("schedule/default/pier-fs-*");
    assertThat(Json.write(Json.resourcesAllowing(api, "ControlPlaneRole", "iam:PassRole")))
        .contains(":role/pier-dev-feature-schedules");
    assertThat(Json.allowedActions(api, "DataPlaneRole")).doesNotContain("scheduler:CreateSchedule");
  }
}
