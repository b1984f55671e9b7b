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
    NagPackSuppression.Builder s = NagPackSuppression.builder().id(rule).reason(reason);
    if (appliesTo.length > 0) {
      List<Object> findings = new ArrayList<>();
      for (String a : appliesTo) {
        findings.add(a.length() > 1 && a.startsWith("/") ? RegexAppliesTo.builder().regex(a + "g").build() : a);
      }
      s.appliesTo(findings);
    }
    NagSuppressions.addResourceSuppressions(construct, List.of(s.build()), true);
  }
}
