package dev.pier.features;

import java.time.Instant;

/** One looked-up value, with its status and event time (null when nothing was found). */
public record FeatureValue(Object value, FeatureStatus status, Instant eventTime) {}
