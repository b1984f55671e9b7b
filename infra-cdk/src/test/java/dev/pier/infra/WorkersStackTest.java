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
        "sagemaker:InvokeEndpoint", "kms:GetPublicKey",
        "dynamodb:UpdateItem", "s3:DeleteObject", "s3:PutObject", "kms:Encrypt", "kms:GenerateDataKey",
        // granted by the event source mapping, on the async queue only
        "sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueUrl", "sqs:DeleteMessage",
        "sqs:GetQueueAttributes");
    assertThat(Json.resourcesAllowing(dev, "AsyncWorkerRole", "dynamodb:UpdateItem"))
        .singleElement().asString().contains("AsyncPredictionsTable");
    assertThat(Json.resourcesAllowing(dev, "AsyncWorkerRole", "s3:PutObject"))
        .singleElement().asString().endsWith("/async-results/*\"]]}");
    assertThat(Json.resourcesAllowing(dev, "AsyncWorkerRole", "s3:DeleteObject"))
        .singleElement().asString().endsWith("/async-requests/*\"]]}");
    assertThat(Json.resourcesAllowing(dev, "AsyncWorkerRole", "sqs:DeleteMessage"))
        .singleElement().asString().contains("AsyncPredictions").doesNotContain("DeadLetters");
  }

  @Test
  void asyncWorkerIsNeverGivenProvisionedConcurrencyEvenWhenTheApiIs() {
    prod.resourcePropertiesCountIs("AWS::Lambda::Alias", Map.of(
        "Name", ApiFunction.ALIAS, "ProvisionedConcurrencyConfig", Match.absent()), 1);
    prod.resourceCountIs("AWS::ApplicationAutoScaling::ScalableTarget", 0);
    prod.hasResourceProperties("AWS::Lambda::Function", Map.of(
        "Handler", ApiFunction.HANDLER, "SnapStart", Map.of("ApplyOn", "PublishedVersions")));
  }
}
