package dev.pier.experiments;

/** Multiple-comparison correction across an experiment's secondary metrics. */
public enum Correction {
  /** Holm's step-down: family-wise error rate. The default. */
  HOLM,
  /** Benjamini–Hochberg: false discovery rate. */
  BENJAMINI_HOCHBERG,
  NONE
}
