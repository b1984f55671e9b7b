package dev.pier.experiments.flags;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A flag's answer for one context: the {@code value}, its {@code variant} and why ({@code reason}, in OpenFeature's
 * vocabulary: {@code DISABLED}, {@code TARGETING_MATCH}, {@code SPLIT}, {@code STATIC}).
 */
public record Evaluation(String key, JsonNode value, String variant, String reason) {}
