package dev.pier.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/**
 * The security and retention resources of issue #8: the API-keys table, the audit bucket under Object Lock, the
 * KMS keys per kind of data and the artifact-signing key, lifecycle rules from {@code retention.*}.
 */
class SecurityResourcesTest {
  private final Template dev = Deployments.dev().template(Deployments.dev().stacks().data());
  private final Template prod = Deployments.prod().template(Deployments.prod().stacks().data());
  private final Template devApi = Deployments.dev().template(Deployments.dev().stacks().api());

  /** Short retention periods and governance mode, to see config flow into the rules. */
  private static Template custom() {
    var d = Deployments.synth("retention", Map.of(
        "retention.batchInputsDays", "2", "retention.batchOutputsDays", "3", "retention.capturesDays", "14",
        "retention.auditSamplesDays", "5", "retention.auditEventsDays", "60", "retention.auditLockDays", "45",
        "retention.auditLockMode", "compliance", "requireArtifactSignature", "true"));
    return d.template(d.stacks().data());
  }

  @Test
  void apiKeysTableIsKeyedByIdWithPointInTimeRecoveryAndKms() {
    dev.hasResourceProperties("AWS::DynamoDB::Table", Map.of(
        "KeySchema", List.of(Map.of("AttributeName", "id", "KeyType", "HASH")),
        "PointInTimeRecoverySpecification", Map.of("PointInTimeRecoveryEnabled", true),
        "SSESpecification", Map.of("SSEEnabled", true, "SSEType", "KMS", "KMSMasterKeyId", Match.anyValue())));
    prod.hasResource("AWS::DynamoDB::Table", Map.of("DeletionPolicy", "Retain", "Properties", Match.objectLike(Map.of(
        "KeySchema", List.of(Map.of("AttributeName", "id", "KeyType", "HASH")),
        "DeletionProtectionEnabled", true))));
  }

  @Test
  void auditBucketHasObjectLockWithoutADefaultRetentionSoSamplesStayErasable() {
    var audit = Json.properties(dev, "AWS::S3::Bucket").values().stream()
        .filter(p -> Boolean.TRUE.equals(p.get("ObjectLockEnabled"))).toList();
    assertThat(audit).hasSize(1);
    assertThat(audit.getFirst()).doesNotContainKey("ObjectLockConfiguration");
    assertThat(Json.write(audit.getFirst().get("LifecycleConfiguration")))
        .contains("\"Prefix\":\"audit/samples/\"").contains("\"Prefix\":\"audit/events/\"");
  }

  @Test
  void retentionPeriodsFromConfigBecomeLifecycleRulesPerKindOfData() {
    Template t = custom();
    var batchRules = List.<Object>of(
        Match.objectLike(Map.of("Id", "expire-batch-inputs", "Prefix", "incoming/", "ExpirationInDays", 2)),
        Match.objectLike(Map.of("Id", "expire-batch-outputs", "Prefix", "outputs/", "ExpirationInDays", 3)),
        Match.objectLike(Map.of("Id", "expire-batch-plans", "Prefix", "jobs/", "ExpirationInDays", 3)),
        // SageMaker training checkpoints: a fixed fortnight, not a retention setting (TrainingResourcesTest)
        Match.objectLike(Map.of("Id", "expire-training-checkpoints", "Prefix", DataStack.TRAINING_CHECKPOINTS_PREFIX)));
    t.hasResourceProperties("AWS::S3::Bucket", Map.of("LifecycleConfiguration", Map.of("Rules", batchRules)));
    var auditRules = List.<Object>of(
        Match.objectLike(Map.of("Id", "expire-audit-samples", "Prefix", "audit/samples/", "ExpirationInDays", 5,
            "NoncurrentVersionExpiration", Map.of("NoncurrentDays", 1))),
        Match.objectLike(Map.of("Id", "expire-audit-events", "Prefix", "audit/events/", "ExpirationInDays", 60)));
    t.hasResourceProperties("AWS::S3::Bucket", Map.of("LifecycleConfiguration", Map.of("Rules", auditRules)));
    var captureRules = List.<Object>of(Match.objectLike(Map.of("Id", "tier-and-expire-captures",
        "ExpirationInDays", 14, "Transitions", Match.absent())));
    t.hasResourceProperties("AWS::S3::Bucket", Map.of("LifecycleConfiguration", Map.of("Rules", captureRules)));
  }

  @Test
  void artifactsAndOutputsHaveTheirOwnRotatingKmsKeysAndArtifactsAreSignedWithAnAsymmetricP256Key() {
    dev.resourcePropertiesCountIs("AWS::KMS::Key", Map.of("EnableKeyRotation", true), 3);
    dev.hasResourceProperties("AWS::KMS::Key", Map.of("KeySpec", "ECC_NIST_P256", "KeyUsage", "SIGN_VERIFY"));
    var bucketKeys = Json.properties(dev, "AWS::S3::Bucket").values().stream()
        .filter(p -> p.containsKey("LoggingConfiguration"))
        .map(p -> Json.write(((Map<?, ?>) p.get("BucketEncryption")))).distinct().toList();
    assertThat(bucketKeys).as("artifacts on one key; batch, captures and audit on another; async predictions on the "
        + "data key, with their table").hasSize(3);
  }

  @Test
  void bothApiFunctionsMayFetchTheSigningPublicKeyAndAreConfiguredForSigningAuditAndRetention() {
    var readPublicKey = Match.objectLike(Map.of("Sid", "ReadSigningPublicKey", "Action", "kms:GetPublicKey"));
    devApi.resourcePropertiesCountIs("AWS::IAM::Policy",
        Map.of("PolicyDocument", Map.of("Statement", Match.arrayWith(List.of(readPublicKey)))), 2);
    var variables = Match.objectLike(Map.of(
        "PIER_ARTIFACTS_SIGNING_KMS_KEY_ID", Match.anyValue(),
        "PIER_ARTIFACTS_REQUIRE_SIGNATURE", "false",
        "PIER_AUTH_API_KEYS_TABLE", Match.anyValue(),
        "PIER_AUDIT_BUCKET", Match.anyValue(),
        "PIER_AUDIT_OBJECT_LOCK_MODE", "GOVERNANCE",
        "PIER_RETENTION_AUDIT_SAMPLES", "30d",
        "PIER_RETENTION_ASYNC_RESULTS", "7d"));
    devApi.resourcePropertiesCountIs("AWS::Lambda::Function", Map.of("Environment", Map.of("Variables", variables)), 2);
  }
}
