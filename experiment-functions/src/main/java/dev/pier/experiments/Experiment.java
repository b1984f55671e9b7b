package dev.pier.experiments;

import java.time.Instant;

/**
 * A stored experiment: its definition, the seed its assignment hashes with, its state and when it changed, the
 * sample size its design asks for, and who or what stopped it ({@code stoppedBy}: the caller's principal, or
 * {@code experiment:<id>} for its automatic analysis; null while not stopped, or for one stopped before Pier recorded
 * it). {@code revision} increases with every state change (conditional writes).
 */
public record Experiment(String id, String seed, ExperimentDefinition definition, ExperimentState state,
                         long revision, Instant createdAt, Instant startedAt, Instant stoppedAt,
                         long sampleSizePerArm, Double expectedDurationDays, String stoppedBy) {

  /** An experiment not stopped by anyone (yet). */
  public Experiment(String id, String seed, ExperimentDefinition definition, ExperimentState state, long revision,
      Instant createdAt, Instant startedAt, Instant stoppedAt, long sampleSizePerArm, Double expectedDurationDays) {
    this(id, seed, definition, state, revision, createdAt, startedAt, stoppedAt, sampleSizePerArm,
        expectedDurationDays, null);
  }
}
