package dev.pier.experiments.flags;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * A flag's answer for one context: the {@code value}, its {@code variant} and why ({@code reason}, in OpenFeature's
 * vocabulary: {@code DISABLED}, {@code TARGETING_MATCH}, {@code SPLIT}, {@code STATIC}), and, when a running
 * experiment on the flag took the unit, {@code experiment} as {@code <experiment id>=<arm>} (the arm {@code holdout}
 * for a unit a holdout kept out, which gets the flag's own answer).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Evaluation(String key, JsonNode value, String variant, String reason, String experiment) {

  /** An answer no experiment took part in. */
  public Evaluation(String key, JsonNode value, String variant, String reason) {
    this(key, value, variant, reason, null);
  }
}
