package dev.pier.features;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * What an apply changed, or with {@code dry_run} would change: one entry per definition in the document.
 * {@code applied} is false for a plan.
 */
public record ApplyPlan(boolean applied, List<Change> changes) {
  public ApplyPlan {
    changes = List.copyOf(changes);
  }

  /**
   * One definition: {@code action} is {@code create}, {@code update} or {@code unchanged}; {@code differences} say
   * what an update changes ({@code ttl: 1d -> 2d}, {@code feature trips removed}); {@code breaking} marks changes that
   * break readers (a feature removed or retyped, entities or source changed); {@code model_versions} are the
   * registered model versions ({@code model/version}) a breaking change breaks, through the feature services that use
   * the changed features (left out when none).
   */
  public record Change(String kind, String name, String action, @JsonProperty("from_version") Integer fromVersion,
      @JsonProperty("to_version") Integer toVersion,
      List<String> differences, boolean breaking,
      @JsonInclude(JsonInclude.Include.NON_EMPTY) @JsonProperty("model_versions") List<String> modelVersions) {
    public Change {
      differences = List.copyOf(differences);
      modelVersions = modelVersions == null ? List.of() : List.copyOf(modelVersions);
    }

    public Change(String kind, String name, String action, Integer fromVersion, Integer toVersion,
        List<String> differences, boolean breaking) {
      this(kind, name, action, fromVersion, toVersion, differences, breaking, List.of());
    }
  }

  public long changed() {
    return changes.stream().filter(c -> !c.action().equals("unchanged")).count();
  }
}
