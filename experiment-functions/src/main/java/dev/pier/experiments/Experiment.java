package dev.pier.experiments;

import java.time.Instant;

/**
 * A stored experiment: its definition, the seed its assignment hashes with, its state and when it changed, the
 * sample size its design asks for, and who or what stopped it ({@code stoppedBy}: the caller's principal, or
 * {@code experiment:<id>} for its automatic analysis; null while not stopped, or for one stopped before Pier recorded
 * it). {@code revision} increases with every state change (conditional writes). {@code durationBasis} says what
 * {@code expectedDurationDays} was computed at: {@code design.daily_units} or {@code measured_traffic} (the model's
 * measured requests per day, {@code dailyTraffic}); null when there was neither.
 */
public record Experiment(String id, String seed, ExperimentDefinition definition, ExperimentState state,
                         long revision, Instant createdAt, Instant startedAt, Instant stoppedAt,
                         long sampleSizePerArm, Double expectedDurationDays, String stoppedBy, String durationBasis,
                         Double dailyTraffic) {

  public static final String BASIS_DESIGN = "design.daily_units";
  public static final String BASIS_MEASURED = "measured_traffic";

  /** An experiment whose duration basis is its design's {@code daily_units} when it has an expected duration. */
  public Experiment(String id, String seed, ExperimentDefinition definition, ExperimentState state, long revision,
      Instant createdAt, Instant startedAt, Instant stoppedAt, long sampleSizePerArm, Double expectedDurationDays,
      String stoppedBy) {
    this(id, seed, definition, state, revision, createdAt, startedAt, stoppedAt, sampleSizePerArm,
        expectedDurationDays, stoppedBy, expectedDurationDays == null ? null : BASIS_DESIGN,
        expectedDurationDays == null || definition.design().dailyUnits() == null ? null
            : definition.design().dailyUnits().doubleValue());
  }

  /** An experiment not stopped by anyone (yet). */
  public Experiment(String id, String seed, ExperimentDefinition definition, ExperimentState state, long revision,
      Instant createdAt, Instant startedAt, Instant stoppedAt, long sampleSizePerArm, Double expectedDurationDays) {
    this(id, seed, definition, state, revision, createdAt, startedAt, stoppedAt, sampleSizePerArm,
        expectedDurationDays, null);
  }
}
