package dev.pier.experiments;

import java.time.Instant;

/**
 * A stored experiment: its definition, the seed its assignment hashes with, its state and when it changed, and the
 * sample size its design asks for. {@code revision} increases with every state change (conditional writes).
 */
public record Experiment(String id, String seed, ExperimentDefinition definition, ExperimentState state,
                         long revision, Instant createdAt, Instant startedAt, Instant stoppedAt,
                         long sampleSizePerArm, Double expectedDurationDays) {}
