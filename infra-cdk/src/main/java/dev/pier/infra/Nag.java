package dev.pier.infra;

import java.util.ArrayList;
import java.util.List;
import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import io.github.cdklabs.cdknag.RegexAppliesTo;
import software.constructs.IConstruct;

/**
 * cdk-nag suppressions, always with the reason a reviewer needs. Each is added next to the resource it excuses, so the
 * reason is read where the resource is built.
 */
final class Nag {
  private Nag() {}

  /**
   * Suppresses {@code rule} on {@code construct} and its children. With {@code appliesTo}, only those findings (e.g.
   * {@code "Resource::*"}) are suppressed; one written {@code /like this/} is a regular expression.
   */
  static void suppress(IConstruct construct, String rule, String reason, String... appliesTo) {
    NagSuppressions.addResourceSuppressions(construct, List.of(suppression(rule, reason, appliesTo)), true);
  }

  /**
   * Suppresses {@code rule}'s {@code appliesTo} findings anywhere in {@code construct}'s stack, for statements that
   * may land in a policy created after this call: a role whose statements outgrow its default policy gets
   * {@code OverflowPolicyN} at synthesis, which a suppression on the role's children at call time does not reach.
   * {@code appliesTo} is required, so only those findings are suppressed.
   */
  static void suppressInStack(IConstruct construct, String rule, String reason, String... appliesTo) {
    if (appliesTo.length == 0) {
      throw new IllegalArgumentException("a stack-wide suppression must name the findings it applies to");
    }
    NagSuppressions.addStackSuppressions(software.amazon.awscdk.Stack.of(construct),
        List.of(suppression(rule, reason, appliesTo)));
  }

  private static NagPackSuppression suppression(String rule, String reason, String... appliesTo) {
    NagPackSuppression.Builder s = NagPackSuppression.builder().id(rule).reason(reason);
    if (appliesTo.length > 0) {
      List<Object> findings = new ArrayList<>();
      for (String a : appliesTo) {
        findings.add(a.length() > 1 && a.startsWith("/") ? RegexAppliesTo.builder().regex(a + "g").build() : a);
      }
      s.appliesTo(findings);
    }
    return s.build();
  }
}
