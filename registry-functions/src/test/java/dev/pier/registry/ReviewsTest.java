package dev.pier.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.kernel.PierException;
import org.junit.jupiter.api.Test;

/** {@link Reviews}: review requests, approvals, rejections and MLflow stages. */
class ReviewsTest extends StandInRegistry {

  @Test
  void whoAskedForTheReviewMayNotApprove() throws Exception {
    String m = model("rev");
    register(m, "alice");
    registry.reviews().request(m, 1, "bob", null);

    assertThatThrownBy(() -> registry.reviews().approve(m, 1, "bob", null))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(403));
  }

  @Test
  void aRejectedVersionMayAskForReviewAgainAndItsApprovalsStartOver() throws Exception {
    String m = model("rev");
    register(m, "alice");
    requireApprovals(m, 2);
    registry.reviews().request(m, 1, "alice", null);
    registry.reviews().approve(m, 1, "bob", null);
    registry.reviews().reject(m, 1, "carol", "numbers look off");

    ModelVersion again = registry.reviews().request(m, 1, "alice", "fixed");

    assertThat(again.governance().status()).isEqualTo(ApprovalStatus.PENDING_REVIEW);
    assertThat(again.metadata().properties()).doesNotContainKey(Versions.APPROVERS);
    assertThat(registry.audit(m, null, 20).items()).extracting(AuditEntry::action)
        .contains("review.rejected", "review.requested");
  }

  @Test
  void onlyApprovedVersionsEnterProductionWhileThePolicyIsOn() throws Exception {
    String m = model("stage");
    register(m, "alice");
    requireApprovals(m, 1);

    assertThatThrownBy(() -> registry.reviews().transitionStage(m, 1, "production", false, "bob"))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(409));
    assertThat(registry.reviews().transitionStage(m, 1, "staging", false, "bob").governance().stage())
        .isEqualTo("Staging");
  }

  @Test
  void archivingExistingVersionsMovesTheOthersInThatStageToArchived() throws Exception {
    String m = model("stage");
    register(m, "alice");
    register(m, "alice");
    registry.reviews().transitionStage(m, 1, "Production", false, "bob");

    registry.reviews().transitionStage(m, 2, "Production", true, "bob");

    assertThat(registry.version(m, 1).governance().stage()).isEqualTo("Archived");
    assertThat(registry.version(m, 2).governance().stage()).isEqualTo("Production");
  }

  @Test
  void anUnknownStageIsA400NamingTheStages() throws Exception {
    String m = model("stage");
    register(m, "alice");

    assertThatThrownBy(() -> registry.reviews().transitionStage(m, 1, "Live", false, "bob"))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(400))
        .hasMessageContaining("None, Staging, Production or Archived");
  }

  @Test
  void enteringProductionPointsTheProductionAliasAtTheVersionAndLeavingItRemovesTheAlias() throws Exception {
    String m = model("stage");
    register(m, "alice");

    registry.reviews().transitionStage(m, 1, "Production", false, "bob");
    assertThat(registry.alias(m, "production").version()).isEqualTo(1);
    assertThat(registry.resolve(m, null).version()).isEqualTo(1);

    registry.reviews().transitionStage(m, 1, "Archived", false, "bob");
    assertThatThrownBy(() -> registry.alias(m, "production"))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(404));
    assertThat(registry.audit(m, null, 20).items()).extracting(AuditEntry::action)
        .contains("alias.deleted");
  }

  @Test
  void theStageAliasFollowsTheHighestVersionInTheStageAsMlflowsLatestVersionsDo() throws Exception {
    String m = model("stage");
    register(m, "alice");
    register(m, "alice");
    register(m, "alice");
    registry.reviews().transitionStage(m, 2, "Staging", false, "bob");
    registry.reviews().transitionStage(m, 1, "Staging", false, "bob");
    assertThat(registry.alias(m, "staging").version()).isEqualTo(2); // the highest, not the last moved

    registry.reviews().transitionStage(m, 2, "Production", false, "bob");

    assertThat(registry.alias(m, "staging").version()).isEqualTo(1);
    assertThat(registry.alias(m, "production").version()).isEqualTo(2);
    registry.reviews().transitionStage(m, 3, "production", true, "bob");
    assertThat(registry.version(m, 2).governance().stage()).isEqualTo("Archived");
    assertThat(registry.alias(m, "production").version()).isEqualTo(3);
  }

  @Test
  void anAliasSetThroughPierToAVersionInNoStageIsLeftAloneWhenItsStageEmpties() throws Exception {
    String m = model("stage");
    register(m, "alice");
    register(m, "alice");
    registry.setAlias(m, "production", 1);
    registry.reviews().transitionStage(m, 2, "Staging", false, "bob");

    registry.reviews().transitionStage(m, 2, "None", false, "bob");

    assertThat(registry.alias(m, "production").version()).isEqualTo(1);
    assertThatThrownBy(() -> registry.alias(m, "staging"))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(404));
  }

  @Test
  void aProtectedStagingAliasKeepsUnapprovedVersionsOutOfStaging() throws Exception {
    String m = model("stage");
    register(m, "alice");
    registry.models().update(m, null, x -> new RegisteredModel(x.name(), x.latestVersion(), x.createdAt(),
        x.updatedAt(), x.description(), x.tags(), new ApprovalPolicy(true, 1, java.util.Set.of("production",
            "staging")), x.revision()), "admin");

    assertThatThrownBy(() -> registry.reviews().transitionStage(m, 1, "Staging", false, "bob"))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.status()).isEqualTo(409))
        .hasMessageContaining("only APPROVED versions may enter Staging");
    assertThat(registry.version(m, 1).governance().stage()).isEqualTo("None");
  }
}
