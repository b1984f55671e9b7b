package dev.pier.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.cxapi.SynthesisMessage;

class CdkNagTest {

  @Test
  void defaultDeploymentHasNoUnsuppressedAwsSolutionsErrors() {
    assertNoNagErrors(Deployments.dev());
  }

  @Test
  void prodDeploymentWithProvisionedConcurrencyAndRealtimeEndpointHasNoUnsuppressedAwsSolutionsErrors() {
    assertNoNagErrors(Deployments.prod());
  }

  /** The ECS GPU placement ({@code ecsGpu=true}): VPC, cluster, GPU instances, the service and its load balancer. */
  @Test
  void ecsGpuDeploymentHasNoUnsuppressedAwsSolutionsErrors() {
    assertNoNagErrors(Deployments.synth("ecs-gpu", Map.of("ecsGpu", "true", "ecsGpuMaxTasks", "3")));
  }

  /**
   * A suppression's reason is what a reviewer reads instead of the policy, so it must name every object prefix the
   * policy grants a wildcard under (a reason saying a role "touches nothing else in the bucket" beside a grant it
   * does not mention is false).
   */
  @Test
  @SuppressWarnings("unchecked")
  void everyObjectPrefixAPolicyGrantsIsNamedByItsWildcardSuppressionReason() {
    for (var d : List.of(Deployments.dev(), Deployments.prod())) {
      for (Stack stack : stacks(d.stacks())) {
        d.template(stack).findResources("AWS::IAM::Policy").forEach((id, resource) -> {
          Map<String, Object> r = (Map<String, Object>) resource;
          String reasons = iam5Reasons(r);
          Matcher prefixes = OBJECT_PREFIX.matcher(Json.write(r.get("Properties")));
          while (prefixes.find()) {
            String topFolder = prefixes.group(1);
            assertThat(reasons).as("IAM5 reason of %s in %s, which grants %s*", id, stack.getStackName(),
                prefixes.group()).contains(topFolder);
          }
        });
      }
    }
  }

  /** A Fn::Join part naming objects under a folder: "/uploads/*", "/audit/samples/*"; group 1 is "uploads/". */
  private static final Pattern OBJECT_PREFIX = Pattern.compile("\"/([^\"/*]+/)[^\"*]*\\*\"");

  @SuppressWarnings("unchecked")
  private static String iam5Reasons(Map<String, Object> resource) {
    var metadata = (Map<String, Object>) resource.getOrDefault("Metadata", Map.of());
    var nag = (Map<String, Object>) metadata.getOrDefault("cdk_nag", Map.of());
    return ((List<Map<String, Object>>) nag.getOrDefault("rules_to_suppress", List.of())).stream()
        .filter(rule -> "AwsSolutions-IAM5".equals(rule.get("id")))
        .map(rule -> (String) rule.get("reason"))
        .collect(java.util.stream.Collectors.joining(" "));
  }

  private static void assertNoNagErrors(Deployments.Deployment d) {
    for (Stack stack : stacks(d.stacks())) {
      d.template(stack); // synthesizes, which runs the checks
      List<SynthesisMessage> errors = Annotations.fromStack(stack)
          .findError("*", Match.stringLikeRegexp("AwsSolutions-.*"));
      assertThat(errors).as("cdk-nag errors in %s", stack.getStackName())
          .extracting(m -> m.getId() + ": " + m.getEntry().getData())
          .isEmpty();
    }
  }

  static List<Stack> stacks(PierStacks s) {
    return Stream.of(s.data(), s.api(), s.workers(), s.orchestration(), s.endpoints(), s.observability(),
        s.features(), s.monitoring())
        .map(Stack.class::cast).toList();
  }
}
