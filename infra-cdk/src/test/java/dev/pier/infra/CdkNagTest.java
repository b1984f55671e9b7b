package dev.pier.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
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
    return Stream.of(s.data(), s.api(), s.workers(), s.orchestration(), s.endpoints(), s.observability())
        .map(Stack.class::cast).toList();
  }
}
