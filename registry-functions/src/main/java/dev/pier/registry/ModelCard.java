package dev.pier.registry;

import java.time.Instant;
import java.util.Map;

/**
 * Documentation of one version: free markdown plus the structured fields model cards carry.
 *
 * @param evaluationResults metric name → value on {@code evaluationData}
 * @param revision increases with every change; the card's ETag
 */
public record ModelCard(String markdown, String intendedUse, String limitations, String evaluationData,
    Map<String, Double> evaluationResults, String fairnessNotes, String updatedBy, Instant updatedAt,
    long revision) {
  public ModelCard {
    evaluationResults = evaluationResults == null ? Map.of() : Map.copyOf(evaluationResults);
  }
}
