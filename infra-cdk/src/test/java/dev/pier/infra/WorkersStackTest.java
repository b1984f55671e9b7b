package dev.pier.infra;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

class WorkersStackTest {
  private final Template dev = Deployments.dev().template(Deployments.dev().stacks().workers());

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
}
