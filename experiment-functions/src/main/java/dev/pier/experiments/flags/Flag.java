package dev.pier.experiments.flags;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * A feature flag: its {@code key}, value {@code type}, named {@code variants}, targeting {@code rules}, what it serves
 * when no rule matches ({@code fallthrough}), and the variant it serves when disabled ({@code offVariant}). The
 * {@code seed} places units in rollouts ({@code UnitHash}); keep it when editing a flag so units keep their variants.
 */
public record Flag(String key, String description, FlagType type, boolean enabled, Map<String, JsonNode> variants,
                   List<Rule> rules, Serve fallthrough, String offVariant, String seed, long revision) {}
