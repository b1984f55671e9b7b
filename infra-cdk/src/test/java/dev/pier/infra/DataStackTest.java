package dev.pier.infra;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pier.registry.RegistryTable;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

class DataStackTest {
  private final Template dev = Deployments.dev().template(Deployments.dev().stacks().data());
  private final Template prod = Deployments.prod().template(Deployments.prod().stacks().data());

  @Test
  void registryTableHasExactlyTheLayoutTheRegistryCodeUses() {
    dev.hasResourceProperties("AWS::DynamoDB::Table", Map.of(
        "KeySchema", List.of(
            Map.of("AttributeName", RegistryTable.PK, "KeyType", "HASH"),
            Map.of("AttributeName", RegistryTable.SK, "KeyType", "RANGE")),
        "AttributeDefinitions", Match.arrayWith(List.of(
            Map.of("AttributeName", RegistryTable.PK, "AttributeType", "S"),
            Map.of("AttributeName", RegistryTable.SK, "AttributeType", "S"),
            Map.of("AttributeName", RegistryTable.GSI1_PK, "AttributeType", "S"),
            Map.of("AttributeName", RegistryTable.GSI1_SK, "AttributeType", "S"))),
        "GlobalSecondaryIndexes", List.of(Map.of(
            "IndexName", RegistryTable.GSI1,
            "KeySchema", List.of(
                Map.of("AttributeName", RegistryTable.GSI1_PK, "KeyType", "HASH"),
                Map.of("AttributeName", RegistryTable.GSI1_SK, "KeyType", "RANGE")),
            "Projection", Map.of("ProjectionType", "ALL"))),
        "TimeToLiveSpecification", Map.of("AttributeName", RegistryTable.TTL, "Enabled", true),
        "BillingMode", "PAY_PER_REQUEST"));
  }

  @Test
  void jobsTableHasTheLayoutBatchJobsAndSchedulesUse() {
    dev.resourceCountIs("AWS::DynamoDB::Table", 5); // registry, batch jobs, async predictions, API keys, experiments
    dev.hasResourceProperties("AWS::DynamoDB::Table", Map.of(
        "KeySchema", List.of(
            Map.of("AttributeName", "pk", "KeyType", "HASH"),
            Map.of("AttributeName", "sk", "KeyType", "RANGE")),
        "GlobalSecondaryIndexes", List.of(Map.of(
            "IndexName", "gsi1",
            "KeySchema", List.of(
                Map.of("AttributeName", "gsi1pk", "KeyType", "HASH"),
                Map.of("AttributeName", "gsi1sk", "KeyType", "RANGE")),
            "Projection", Map.of("ProjectionType", "ALL"))),
        "TimeToLiveSpecification", Match.absent(),
        "PointInTimeRecoverySpecification", Map.of("PointInTimeRecoveryEnabled", true),
        "SSESpecification", Map.of("SSEEnabled", true, "SSEType", "KMS", "KMSMasterKeyId", Match.anyValue())));
  }

  @Test
  void registryTableHasPointInTimeRecoveryAndCustomerManagedKmsEncryption() {
    dev.hasResourceProperties("AWS::DynamoDB::Table", Map.of(
        "PointInTimeRecoverySpecification", Map.of("PointInTimeRecoveryEnabled", true),
        "SSESpecification", Map.of("SSEEnabled", true, "SSEType", "KMS", "KMSMasterKeyId", Match.anyValue())));
    dev.hasResourceProperties("AWS::KMS::Key", Map.of("EnableKeyRotation", true));
  }

  @Test
  void prodTableHasDeletionProtectionAndOutlivesTheStack() {
    prod.hasResource("AWS::DynamoDB::Table", Map.of(
        "DeletionPolicy", "Retain",
        "Properties", Match.objectLike(Map.of("DeletionProtectionEnabled", true))));
    prod.allResources("AWS::S3::Bucket", Map.of("DeletionPolicy", "Retain"));
  }

  @Test
  void devTableCanBeDeletedWithTheStack() {
    dev.hasResource("AWS::DynamoDB::Table", Map.of(
        "DeletionPolicy", "Delete",
        "Properties", Match.objectLike(Map.of("DeletionProtectionEnabled", false))));
  }

  @Test
  void artifactBatchCaptureAuditAndAsyncBucketsAreKmsEncryptedAndAccessLogged() {
    dev.resourcePropertiesCountIs("AWS::S3::Bucket", Map.of(
        "BucketEncryption", Map.of("ServerSideEncryptionConfiguration", List.of(Map.of(
            "BucketKeyEnabled", true,
            "ServerSideEncryptionByDefault", Map.of("SSEAlgorithm", "aws:kms", "KMSMasterKeyID", Match.anyValue())))),
        "LoggingConfiguration", Map.of("DestinationBucketName", Match.anyValue(), "LogFilePrefix", Match.anyValue())),
        5);
  }

  @Test
  void everyBucketIsVersionedPrivateAndHasLifecycleRules() {
    dev.resourceCountIs("AWS::S3::Bucket", 6);
    dev.allResourcesProperties("AWS::S3::Bucket", Map.of(
        "VersioningConfiguration", Map.of("Status", "Enabled"),
        "PublicAccessBlockConfiguration", Map.of(
            "BlockPublicAcls", true, "BlockPublicPolicy", true, "IgnorePublicAcls", true,
            "RestrictPublicBuckets", true),
        "OwnershipControls", Map.of("Rules", List.of(Map.of("ObjectOwnership", "BucketOwnerEnforced"))),
        "LifecycleConfiguration", Map.of("Rules", Match.arrayWith(List.of(Match.objectLike(Map.of(
            "Status", "Enabled")))))));
  }

  @Test
  void everyBucketPolicyDeniesRequestsWithoutTls12() {
    var policies = Json.properties(dev, "AWS::S3::BucketPolicy");
    assertThat(policies).hasSize(6);
    dev.allResourcesProperties("AWS::S3::BucketPolicy", Map.of("PolicyDocument", Map.of("Statement",
        Match.arrayWith(List.of(
            Match.objectLike(Map.of(
                "Effect", "Deny", "Action", "s3:*",
                "Condition", Map.of("Bool", Map.of("aws:SecureTransport", "false")))),
            Match.objectLike(Map.of(
                "Effect", "Deny", "Action", "s3:*",
                "Condition", Map.of("NumericLessThan", Map.of("s3:TlsVersion", 1.2)))))))));
  }

  @Test
  void batchBucketPublishesObjectEventsToEventBridge() {
    dev.hasResourceProperties("AWS::S3::Bucket", Map.of("NotificationConfiguration",
        Map.of("EventBridgeConfiguration", Map.of("EventBridgeEnabled", true))));
  }

  @Test
  void asyncPredictionsTableExpiresRecordsByTtlWithPitrAndKmsAndAnIndexForErasure() {
    dev.hasResourceProperties("AWS::DynamoDB::Table", Map.of(
        "KeySchema", List.of(Map.of("AttributeName", "pk", "KeyType", "HASH")),
        "GlobalSecondaryIndexes", List.of(Map.of(
            "IndexName", "subject",
            "KeySchema", List.of(Map.of("AttributeName", "subjectHash", "KeyType", "HASH")),
            "Projection", Map.of("ProjectionType", "KEYS_ONLY"))),
        "TimeToLiveSpecification", Map.of("AttributeName", "expiresAt", "Enabled", true),
        "PointInTimeRecoverySpecification", Map.of("PointInTimeRecoveryEnabled", true),
        "SSESpecification", Map.of("SSEEnabled", true, "SSEType", "KMS", "KMSMasterKeyId", Match.anyValue())));
  }

  @Test
  void largeAsyncResultsExpireByLifecycleRuleAfterTheRetentionPeriod() {
    dev.hasResourceProperties("AWS::S3::Bucket", Map.of("LifecycleConfiguration", Map.of("Rules", Match.arrayWith(
        List.of(Match.objectLike(Map.of("Prefix", "async-requests/", "ExpirationInDays", 7, "Status", "Enabled")),
            Match.objectLike(Map.of("Prefix", "async-results/", "ExpirationInDays", 7, "Status", "Enabled")))))));
  }

  @Test
  void artifactUploadsNeverCompletedAreAbortedAndAbandonedOnesExpire() {
    var rules = Match.arrayWith(List.of(
        Match.objectLike(Map.of("AbortIncompleteMultipartUpload", Map.of("DaysAfterInitiation", 1),
            "Status", "Enabled")),
        Match.objectLike(Map.of("Prefix", "uploads/", "ExpirationInDays", 2, "Status", "Enabled"))));
    dev.hasResourceProperties("AWS::S3::Bucket", Map.of("LifecycleConfiguration", Map.of("Rules", rules)));
  }
}
