package dev.pier.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

class WorkersStackTest {
  private final Template dev = Deployments.dev().template(Deployments.dev().stacks().workers());
  private final Template prod = Deployments.prod().template(Deployments.prod().stacks().workers());

  @Test
  void theBatchWorkerRunsTheBatchWorkerZipAndTheOtherWorkersTheApiZip() {
    Map<String, Object> keys = new java.util.TreeMap<>();
    Json.properties(dev, "AWS::Lambda::Function").forEach((id, p) -> keys.put(id,
        ((Map<?, ?>) p.get("Code")).get("S3Key")));
    Object batch = keys.entrySet().stream().filter(e -> e.getKey().startsWith("BatchWorker")).map(Map.Entry::getValue)
        .findFirst().orElseThrow();
    Object async = keys.entrySet().stream().filter(e -> e.getKey().startsWith("AsyncWorker")).map(Map.Entry::getValue)
        .findFirst().orElseThrow();
    assertThat(batch).isNotEqualTo(async); // Deployments gives batchWorkerZip a placeholder of its own
  }

  @Test
  void everyWorkQueueHandsPoisonMessagesToItsDeadLetterQueue() {
    dev.resourceCountIs("AWS::SQS::Queue", 6);
    dev.resourcePropertiesCountIs("AWS::SQS::Queue", Map.of("RedrivePolicy", Map.of(
        "deadLetterTargetArn", Map.of("Fn::GetAtt", List.of(Match.stringLikeRegexp(".*DeadLetters.*"), "Arn")),
        "maxReceiveCount", WorkersStack.MAX_RECEIVES)), 3);
  }

  @Test
  void asyncPredictionsQueueRedeliversAboutWhenAWorkersLeaseRunsOut() {
    dev.hasResourceProperties("AWS::SQS::Queue", Map.of(
        "VisibilityTimeout", WorkersStack.ASYNC_LEASE_SECONDS,
        "RedrivePolicy", Match.objectLike(Map.of("maxReceiveCount", WorkersStack.MAX_RECEIVES))));
  }

  @Test
  void queuesAreEncryptedAndRefuseRequestsWithoutTls() {
    dev.allResourcesProperties("AWS::SQS::Queue", Map.of("SqsManagedSseEnabled", true));
    dev.allResourcesProperties("AWS::SQS::QueuePolicy", Map.of("PolicyDocument", Map.of("Statement",
        Match.arrayWith(List.of(Match.objectLike(Map.of(
            "Effect", "Deny",
            "Condition", Map.of("Bool", Map.of("aws:SecureTransport", "false")))))))));
  }

  @Test
  void onlyTheBatchUploadRuleMaySendToTheBatchUploadsQueue() {
    dev.resourcePropertiesCountIs("AWS::SQS::QueuePolicy", Map.of("PolicyDocument", Map.of("Statement",
        Match.arrayWith(List.of(Match.objectLike(Map.of(
            "Effect", "Allow",
            "Principal", Map.of("Service", "events.amazonaws.com"),
            "Action", "sqs:SendMessage",
            "Condition", Map.of("ArnEquals", Map.of("aws:SourceArn", Map.of("Fn::Sub",
                Match.stringLikeRegexp(".*:rule/pier-dev-batch-uploads")))))))))), 2);
  }

  @Test
  void asyncWorkerRunsTheApiZipsHandlerWithATimeoutBelowTheAsyncQueuesVisibilityTimeout() {
    assertThat(WorkersStack.ASYNC_WORKER_TIMEOUT_SECONDS).isLessThan(WorkersStack.ASYNC_LEASE_SECONDS);
    dev.resourcePropertiesCountIs("AWS::Lambda::Function", Map.of(
        "Handler", ApiFunction.HANDLER,
        "Timeout", WorkersStack.ASYNC_WORKER_TIMEOUT_SECONDS,
        "SnapStart", Map.of("ApplyOn", "PublishedVersions"),
        "Environment", Map.of("Variables", Match.objectLike(Map.of(
            "PIER_ASYNC_TABLE", Match.anyValue(),
            "PIER_ASYNC_BUCKET", Match.anyValue(),
            "PIER_REGISTRY_TABLE", Match.anyValue(),
            "PIER_REGISTRY_ARTIFACTS_BUCKET", Match.anyValue())))), 1);
    dev.resourcePropertiesCountIs("AWS::Lambda::Function", Map.of(
        "Environment", Map.of("Variables", Match.objectLike(Map.of("PIER_ASYNC_QUEUE_URL", Match.anyValue())))), 0);
  }

  @Test
  void asyncWorkerConsumesTheAsyncQueueInBatchesOfTenThroughItsLiveAliasReportingFailuresPerMessage() {
    dev.resourceCountIs("AWS::Lambda::EventSourceMapping", 1);
    dev.hasResourceProperties("AWS::Lambda::EventSourceMapping", Map.of(
        "BatchSize", WorkersStack.ASYNC_BATCH_SIZE,
        "FunctionResponseTypes", List.of("ReportBatchItemFailures"),
        "FunctionName", Map.of("Fn::Join", List.of("", Match.arrayWith(List.of(":" + ApiFunction.ALIAS)))),
        "EventSourceArn", Map.of("Fn::GetAtt", List.of(Match.stringLikeRegexp("AsyncPredictions(?!DeadLetters).*"),
            "Arn"))));
  }

  @Test
  void asyncWorkerHoldsOnlyWhatTheWorkerCalls() {
    assertThat(new TreeSet<>(Json.allowedActions(dev, "AsyncWorkerRole"))).containsExactlyInAnyOrder(
        "logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTraceSegments", "xray:PutTelemetryRecords",
        "dynamodb:GetItem", "dynamodb:Query", "s3:GetObject", "kms:Decrypt", "kms:DescribeKey",
        "sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointAsync", "kms:GetPublicKey",
        "dynamodb:UpdateItem", "s3:DeleteObject", "s3:PutObject", "kms:Encrypt", "kms:GenerateDataKey",
        // granted by the event source mapping, on the async queue only
        "sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueUrl", "sqs:DeleteMessage",
        "sqs:GetQueueAttributes");
    assertThat(Json.resourcesAllowing(dev, "AsyncWorkerRole", "dynamodb:UpdateItem"))
        .singleElement().asString().contains("AsyncPredictionsTable");
    // results, and requests staged for the asynchronous endpoint
    assertThat(Json.resourcesAllowing(dev, "AsyncWorkerRole", "s3:PutObject")).hasSize(2)
        .anySatisfy(r -> assertThat(r.toString()).endsWith("/async-results/*\"]]}"))
        .anySatisfy(r -> assertThat(r.toString()).endsWith("/async-requests/*\"]]}"));
    // requests once done, and the asynchronous endpoint's answers once read
    assertThat(Json.resourcesAllowing(dev, "AsyncWorkerRole", "s3:DeleteObject")).hasSize(2)
        .anySatisfy(r -> assertThat(r.toString()).endsWith("/async-requests/*\"]]}"))
        .anySatisfy(r -> assertThat(r.toString()).endsWith("/async-inference/gpu/*\"]]}"));
    assertThat(Json.resourcesAllowing(dev, "AsyncWorkerRole", "sqs:DeleteMessage"))
        .singleElement().asString().contains("AsyncPredictions").doesNotContain("DeadLetters");
  }

  @Test
  void batchWorkerRunsTheApiZipsHandlerWithTheTaskTimeoutAndItsOwnMemory() {
    dev.resourcePropertiesCountIs("AWS::Lambda::Function", Map.of(
        "Handler", ApiFunction.HANDLER,
        "Timeout", WorkersStack.BATCH_WORKER_TIMEOUT_SECONDS,
        "MemorySize", 2048,
        "SnapStart", Map.of("ApplyOn", "PublishedVersions"),
        "Environment", Map.of("Variables", Match.objectLike(Map.of(
            "PIER_BATCH_JOBS_TABLE", Map.of("Fn::ImportValue", Match.stringLikeRegexp(".*JobsTable.*")),
            "PIER_BATCH_BUCKET", Map.of("Fn::ImportValue", Match.stringLikeRegexp(".*BatchBucket.*")),
            "PIER_BATCH_STATE_MACHINE_ARN", Map.of("Fn::Sub",
                Match.stringLikeRegexp(".*:stateMachine:pier-dev-batch-scoring")),
            "PIER_BATCH_WORKER_MEMORY_GB", "2.0",
            "PIER_REGISTRY_TABLE", Match.anyValue(),
            "PIER_MODELS_CACHE_BYTES", Long.toString(1024L * 1024 * 1024))))), 1);
  }

  @Test
  void batchWorkerMemoryComesFromConfiguration() {
    PierConfig config = PierConfig.from(Map.of("batchWorkerMemoryMb", "4096")::get, Map.of());
    assertThat(config.batchWorkerMemoryMb()).isEqualTo(4096);
    assertThat(WorkersStack.batchEnvironment(config, Deployments.dev().stacks().data()))
        .containsEntry("PIER_BATCH_WORKER_MEMORY_GB", "4.0");
  }

  @Test
  void batchWorkerHoldsOnlyWhatBatchTasksCall() {
    assertThat(new TreeSet<>(Json.allowedActions(dev, "BatchWorkerRole"))).containsExactlyInAnyOrder(
        "logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTraceSegments", "xray:PutTelemetryRecords",
        // scoring, as the data plane does it
        "dynamodb:GetItem", "dynamodb:Query", "s3:GetObject", "kms:Decrypt", "kms:DescribeKey",
        "sagemaker:InvokeEndpoint", "kms:GetPublicKey",
        // jobs, chunks and schedule runs
        "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem", "kms:Encrypt",
        "kms:GenerateDataKey",
        // batch objects
        "s3:PutObject", "s3:ListBucket",
        // uploads and schedule runs start their job's execution
        "states:StartExecution",
        // rows with entity keys: feature lookups online, point-in-time ones through the feature worker
        "dynamodb:BatchGetItem", "lambda:InvokeFunction", "s3:DeleteObject",
        // glue://db.table outputs: the table's files (overwrite deletes other jobs'), the table and its partitions
        "glue:GetTable", "glue:CreateTable", "glue:UpdateTable", "glue:CreateDatabase",
        "glue:GetPartitions", "glue:BatchCreatePartition", "glue:BatchDeletePartition",
        // "table_format": "iceberg": Iceberg's GlueCatalog reads the database
        "glue:GetDatabase");
    assertThat(Json.resourcesAllowing(dev, "BatchWorkerRole", "dynamodb:PutItem"))
        .hasSize(2).allSatisfy(r -> assertThat(r).contains("JobsTable"));
    assertThat(Json.resourcesAllowing(dev, "BatchWorkerRole", "s3:DeleteObject")).hasSize(2)
        .anySatisfy(r -> assertThat(r).contains("-features-staging-").endsWith("/exchange/*\"}"))
        .anySatisfy(r -> assertThat(r).endsWith("/tables/*\"]]}"));
    assertThat(Json.resourcesAllowing(dev, "BatchWorkerRole", "s3:PutObject"))
        .filteredOn(r -> !r.contains("-features-staging-"))
        .hasSize(3).allSatisfy(r -> assertThat(r).contains("BatchBucket"))
        .anySatisfy(r -> assertThat(r).endsWith("/outputs/*\"]]}"))
        .anySatisfy(r -> assertThat(r).endsWith("/jobs/*\"]]}"))
        .anySatisfy(r -> assertThat(r).endsWith("/tables/*\"]]}"));
    assertThat(Json.resourcesAllowing(dev, "BatchWorkerRole", "glue:BatchCreatePartition")).hasSize(3)
        .anySatisfy(r -> assertThat(r).endsWith(":catalog\"}"))
        .anySatisfy(r -> assertThat(r).endsWith(":database/*\"}"))
        .anySatisfy(r -> assertThat(r).endsWith(":table/*/*\"}"));
    assertThat(Json.resourcesAllowing(dev, "BatchWorkerRole", "states:StartExecution"))
        .singleElement().asString().endsWith(":stateMachine:pier-dev-batch-scoring\"}");
    // bigquery:// outputs: Google's credentials, the one object of the artifacts bucket outside artifacts/sha256/
    assertThat(Json.resourcesAllowing(dev, "BatchWorkerRole", "s3:GetObject"))
        .anySatisfy(r -> assertThat(r).contains("Artifacts").endsWith("/spark/bigquery-credentials.json\"]]}"));
  }

  @Test
  void workersAreNeverGivenProvisionedConcurrencyEvenWhenTheApiIs() {
    prod.resourcePropertiesCountIs("AWS::Lambda::Alias", Map.of(
        "Name", ApiFunction.ALIAS, "ProvisionedConcurrencyConfig", Match.absent()), 3); // async, batch, experiments
    prod.resourceCountIs("AWS::ApplicationAutoScaling::ScalableTarget", 0);
    prod.hasResourceProperties("AWS::Lambda::Function", Map.of(
        "Handler", ApiFunction.HANDLER, "SnapStart", Map.of("ApplyOn", "PublishedVersions")));
  }

  @Test
  void asyncQueueSubscribesToTheAsyncEndpointsNotificationsAndLetsOnlyThoseTopicsSend() {
    dev.resourcePropertiesCountIs("AWS::SNS::Subscription", Map.of("Protocol", "sqs",
        "Endpoint", Map.of("Fn::GetAtt", List.of(Match.stringLikeRegexp("AsyncPredictions[0-9A-F]+"), "Arn")),
        "RawMessageDelivery", Match.absent()), 2);
    dev.hasResourceProperties("AWS::SQS::QueuePolicy", Map.of("PolicyDocument", Map.of("Statement",
        Match.arrayWith(List.of(Match.objectLike(Map.of(
            "Action", "sqs:SendMessage",
            "Principal", Map.of("Service", "sns.amazonaws.com"),
            "Condition", Map.of("ArnEquals", Map.of("aws:SourceArn",
                Map.of("Fn::ImportValue", Match.stringLikeRegexp(".*SuccessTopic.*")))))))))));
    prod.resourceCountIs("AWS::SNS::Subscription", 0);
  }

  @Test
  void asyncWorkerInvokesAsyncEndpointsAndReadsOnlyTheirOutputs() {
    dev.hasResourceProperties("AWS::Lambda::Function", Map.of("Environment", Map.of("Variables", Match.objectLike(
        Map.of("PIER_ASYNC_SAGEMAKER_ASYNC_ENDPOINTS", "pier-dev-gpu")))));
    dev.hasResourceProperties("AWS::IAM::Policy", Map.of("PolicyDocument", Map.of("Statement", Match.arrayWith(
        List.of(
            Match.objectLike(Map.of("Sid", "InvokeAsyncEndpoints", "Action", "sagemaker:InvokeEndpointAsync",
                "Resource", Map.of("Fn::Sub",
                    "arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:endpoint/pier-dev-*"))),
            Match.objectLike(Map.of("Sid", "StageAsyncEndpointRequests", "Action", "s3:PutObject")),
            Match.objectLike(Map.of("Sid", "TakeAsyncEndpointOutputs",
                "Action", List.of("s3:GetObject", "s3:DeleteObject"))))))));
    assertThat(Json.resourcesAllowing(dev, "AsyncWorkerRole", "s3:GetObject"))
        .anySatisfy(r -> assertThat(r.toString()).endsWith("/async-inference/gpu/*\"]]}"));
    prod.resourcePropertiesCountIs("AWS::Lambda::Function", Map.of("Environment", Map.of("Variables",
        Match.objectLike(Map.of("PIER_ASYNC_SAGEMAKER_ASYNC_ENDPOINTS", Match.anyValue())))), 0);
  }
}
