package dev.pier.registry;

/**
 * Where a version stands in review. With the approval policy off, versions start {@code NONE} and may still be
 * reviewed; with it on they start {@code PENDING_REVIEW}, and only {@code APPROVED} versions may take protected
 * aliases.
 */
public enum ApprovalStatus {
  NONE,
  PENDING_REVIEW,
  APPROVED,
  REJECTED
}
