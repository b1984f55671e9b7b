package dev.pier.registry;

import java.util.Set;

/**
 * Whether a model's versions need review before they take protected aliases.
 *
 * @param required new versions start {@code PENDING_REVIEW} and protected aliases take only approved versions
 * @param approvals how many distinct approvers make a version approved (at least 1)
 * @param protectedAliases aliases that only approved versions may take, such as {@code production}
 */
public record ApprovalPolicy(boolean required, int approvals, Set<String> protectedAliases) {
  public static final ApprovalPolicy OFF = new ApprovalPolicy(false, 1, Set.of("production"));

  public ApprovalPolicy {
    approvals = Math.max(1, approvals);
    protectedAliases = protectedAliases == null ? Set.of("production") : Set.copyOf(protectedAliases);
  }
}
