package dev.pier.sdk;

import java.util.List;
import java.util.Map;

/** Inline training rows: each entity row with its point-in-time features appended, in {@code featureNames} order. */
public record HistoricalFeatures(List<String> featureNames, List<Map<String, Object>> rows) {}
