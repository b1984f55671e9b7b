package dev.pier.registry;

import static dev.pier.registry.Versions.APPROVERS;

import dev.pier.kernel.PierException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reviews and stages of versions: request review, approve (by others than the creator and the requester, as many as
 * the model's policy asks), reject, and MLflow stage transitions (only approved versions enter Production while the
 * policy is on). Each is one audited, conditional version update ({@link Versions#update}).
 */
public final class Reviews {
  private static final String REQUESTED_BY = "pier.review-requested-by";

  private final Versions versions;
  private final Models models;
  private final StageAliases stageAliases;

  Reviews(Versions versions, Models models, Aliases aliases) {
    this.versions = versions;
    this.models = models;
    this.stageAliases = new StageAliases(versions, aliases);
  }

  /** Asks for review: NONE or REJECTED → PENDING_REVIEW. 409 from any other status. */
  public ModelVersion request(String model, int version, String actor, String comment) {
    return versions.update(model, version, null, v -> {
      ApprovalStatus status = v.governance().status();
      if (status == ApprovalStatus.PENDING_REVIEW || status == ApprovalStatus.APPROVED) {
        throw PierException.conflict("version " + version + " of model '" + model + "' is already " + status);
      }
      Map<String, String> props = new HashMap<>(v.metadata().properties());
      props.remove(APPROVERS);
      props.put(REQUESTED_BY, actor == null ? "" : actor);
      return v.edited(v.metadata().withProperties(props), v.governance().withStatus(ApprovalStatus.PENDING_REVIEW),
          Instant.now());
    }, actor, comment);
  }

  /**
   * Approves a version pending review. The version's creator and the one who asked for review may not approve it
   * (403); the same approver counts once; the version becomes APPROVED when the policy's number of approvals is
   * reached. 409 unless the version is PENDING_REVIEW.
   */
  public ModelVersion approve(String model, int version, String actor, String comment) {
    ApprovalPolicy policy = models.policy(model);
    return versions.update(model, version, null, v -> {
      if (v.governance().status() != ApprovalStatus.PENDING_REVIEW) {
        throw PierException.conflict("version " + version + " of model '" + model + "' is "
            + v.governance().status() + ", not PENDING_REVIEW: request a review first");
      }
      Map<String, String> props = new HashMap<>(v.metadata().properties());
      if (actor == null || actor.equals(v.governance().createdBy()) || actor.equals(props.get(REQUESTED_BY))) {
        throw new PierException(403, "'" + actor + "' may not approve version " + version + " of model '" + model
            + "': it registered the version or asked for its review, and self-approval is not allowed");
      }
      Set<String> approvers = new TreeSet<>();
      String earlier = props.get(APPROVERS);
      if (earlier != null && !earlier.isEmpty()) {
        approvers.addAll(List.of(earlier.split(",")));
      }
      if (!approvers.add(actor)) {
        throw PierException.conflict("'" + actor + "' has already approved version " + version + " of model '"
            + model + "'");
      }
      props.put(APPROVERS, String.join(",", approvers));
      ApprovalStatus next = approvers.size() >= policy.approvals() ? ApprovalStatus.APPROVED
          : ApprovalStatus.PENDING_REVIEW;
      return v.edited(v.metadata().withProperties(props), v.governance().withStatus(next), Instant.now());
    }, actor, comment);
  }

  /** Rejects a version pending review (or approved); the creator may not reject their own version either (403). */
  public ModelVersion reject(String model, int version, String actor, String comment) {
    return versions.update(model, version, null, v -> {
      ApprovalStatus status = v.governance().status();
      if (status != ApprovalStatus.PENDING_REVIEW && status != ApprovalStatus.APPROVED) {
        throw PierException.conflict("version " + version + " of model '" + model + "' is " + status
            + ": only versions pending review or approved can be rejected");
      }
      if (actor == null || actor.equals(v.governance().createdBy())) {
        throw new PierException(403, "'" + actor + "' may not review version " + version + " of model '" + model
            + "' that they registered");
      }
      Map<String, String> props = new HashMap<>(v.metadata().properties());
      props.remove(APPROVERS);
      return v.edited(v.metadata().withProperties(props), v.governance().withStatus(ApprovalStatus.REJECTED),
          Instant.now());
    }, actor, comment);
  }

  /**
   * Moves a version to an MLflow stage (None, Staging, Production, Archived; any case); with {@code archiveExisting},
   * other versions in that stage move to Archived. With the approval policy on, only approved versions enter
   * Production (409), and only approved versions enter Staging while {@code staging} is a protected alias. The
   * aliases {@code production} and {@code staging} follow their stages ({@link StageAliases}), so a transition is
   * what serving sees.
   */
  public ModelVersion transitionStage(String model, int version, String stage, boolean archiveExisting,
      String actor) {
    String canonical = switch (stage == null ? "" : stage.toLowerCase(Locale.ROOT)) {
      case "none" -> "None";
      case "staging" -> "Staging";
      case "production" -> "Production";
      case "archived" -> "Archived";
      default -> throw PierException.badRequest("invalid stage '" + stage
          + "': use None, Staging, Production or Archived");
    };
    ApprovalPolicy policy = models.policy(model);
    String[] from = new String[1];
    ModelVersion moved = versions.update(model, version, null, v -> {
      from[0] = v.governance().stage();
      if (v.governance().stage().equals(canonical)) {
        return v;
      }
      String alias = StageAliases.aliasOf(canonical);
      boolean guarded = canonical.equals("Production")
          || alias != null && policy.protectedAliases().contains(alias);
      if (alias != null && guarded && policy.required() && v.governance().status() != ApprovalStatus.APPROVED) {
        throw PierException.conflict("version " + version + " of model '" + model + "' is "
            + v.governance().status() + ": only APPROVED versions may enter " + canonical);
      }
      return v.edited(v.metadata(), v.governance().withStage(canonical), Instant.now());
    }, actor, null);
    Map<String, Set<Integer>> left = new HashMap<>();
    if (from[0] != null && !from[0].equals(canonical)) {
      left.computeIfAbsent(from[0], s -> new TreeSet<>()).add(version);
    }
    if (archiveExisting && !canonical.equals("None") && !canonical.equals("Archived")) {
      for (ModelVersion other : versions.all(model)) {
        if (other.version() != version && other.governance().stage().equals(canonical)) {
          versions.update(model, other.version(), null, v -> v.governance().stage().equals(canonical)
              ? v.edited(v.metadata(), v.governance().withStage("Archived"), Instant.now()) : v, actor, null);
          left.computeIfAbsent(canonical, s -> new TreeSet<>()).add(other.version());
        }
      }
    }
    stageAliases.follow(model, canonical, left.getOrDefault(canonical, Set.of()), actor);
    if (from[0] != null && !from[0].equals(canonical)) {
      stageAliases.follow(model, from[0], left.getOrDefault(from[0], Set.of()), actor);
    }
    return moved;
  }
}
