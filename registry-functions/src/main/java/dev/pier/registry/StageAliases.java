package dev.pier.registry;

import dev.pier.kernel.PierException;
import java.util.Locale;
import java.util.Set;

/**
 * Keeps the aliases {@code production} and {@code staging} where MLflow clients expect the stages of the same name:
 * on the highest version in that stage, which is what MLflow's {@code get-latest-versions} and
 * {@code models:/<name>/Production} answer. So moving a version to stage {@code Production} makes
 * {@code /v2/models/<name>/infer} serve it, and moving it back out moves the alias back to the highest version still
 * in the stage — or, when none is left, removes the alias if it pointed at a version that just left (an alias set
 * through Pier's own API to a version in no stage is left alone).
 *
 * <p>Concurrent transitions may each read a different highest version; each re-reads after its own move and moves
 * again until what it wrote is what the stage says, so the last writer leaves the alias right.
 */
final class StageAliases {
  /** The stages that have an alias: {@code None} and {@code Archived} have none. */
  static final Set<String> FOLLOWED = Set.of("Production", "Staging");
  private static final int MAX_ROUNDS = 5;

  private final Versions versions;
  private final Aliases aliases;

  StageAliases(Versions versions, Aliases aliases) {
    this.versions = versions;
    this.aliases = aliases;
  }

  /** The alias a stage moves, or null for None and Archived. */
  static String aliasOf(String stage) {
    return FOLLOWED.contains(stage) ? stage.toLowerCase(Locale.ROOT) : null;
  }

  /**
   * Moves the alias of {@code stage} to the highest version now in it, by {@code actor}; {@code left} are the
   * versions that just left the stage (their alias is removed when the stage is empty).
   */
  void follow(String model, String stage, Set<Integer> left, String actor) {
    String alias = aliasOf(stage);
    if (alias == null) {
      return;
    }
    for (int round = 1; round <= MAX_ROUNDS; round++) {
      Integer target = highest(model, stage);
      Alias current = current(model, alias);
      if (target != null && (current == null || current.version() != target)) {
        aliases.set(model, alias, new Alias.Target(target, null), actor);
      } else if (target == null && current != null && left.contains(current.version())) {
        try {
          aliases.delete(model, alias, actor);
        } catch (PierException e) {
          if (e.status() != 404) {
            throw e; // 404: removed concurrently, which is what was wanted
          }
        }
      }
      Integer now = highest(model, stage);
      if (now == null ? target == null : now.equals(target)) {
        return;
      }
    }
  }

  private Integer highest(String model, String stage) {
    Integer top = null;
    for (ModelVersion v : versions.all(model)) {
      if (v.governance().stage().equals(stage) && (top == null || v.version() > top)) {
        top = v.version();
      }
    }
    return top;
  }

  private Alias current(String model, String alias) {
    try {
      return aliases.get(model, alias);
    } catch (PierException e) {
      if (e.status() == 404) {
        return null;
      }
      throw e;
    }
  }
}
