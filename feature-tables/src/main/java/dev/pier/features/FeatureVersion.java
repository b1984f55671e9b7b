package dev.pier.features;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/** One applied version of a definition: its number (from 1), the definition as applied, when, and what changed. */
public record FeatureVersion(int version, JsonNode definition, @JsonProperty("applied_at") Instant appliedAt, String action,
    java.util.List<String> differences) {}
