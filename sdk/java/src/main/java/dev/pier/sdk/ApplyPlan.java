package dev.pier.sdk;

import java.util.List;

/** What an apply changed ({@code applied}) or, for a plan, would change. */
public record ApplyPlan(boolean applied, List<Change> changes) {
  /**
   * One definition's change: {@code action} is {@code create}, {@code update} or {@code unchanged}; {@code
   * differences} say what changed ({@code ttl: 1d -> 2d}); {@code breaking} whether it breaks readers, and
   * {@code modelVersions} which registered model versions ({@code model/version}) it would break.
   */
  public record Change(String kind, String name, String action, Integer fromVersion, Integer toVersion,
      List<String> differences, boolean breaking, List<String> modelVersions) {
    public Change {
      differences = differences == null ? List.of() : List.copyOf(differences);
      modelVersions = modelVersions == null ? List.of() : List.copyOf(modelVersions);
    }
  }
}
