package dev.pier.infra;

import java.util.List;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.dynamodb.Attribute;
import software.amazon.awscdk.services.dynamodb.AttributeType;
import software.amazon.awscdk.services.dynamodb.BillingMode;
import software.amazon.awscdk.services.dynamodb.GlobalSecondaryIndexProps;
import software.amazon.awscdk.services.dynamodb.PointInTimeRecoverySpecification;
import software.amazon.awscdk.services.dynamodb.ProjectionType;
import software.amazon.awscdk.services.dynamodb.Table;
import software.amazon.awscdk.services.dynamodb.TableEncryption;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.CfnBucket;
import software.amazon.awscdk.services.s3.LifecycleRule;
import software.amazon.awscdk.services.s3.ObjectOwnership;
import software.amazon.awscdk.services.s3.StorageClass;
import software.amazon.awscdk.services.s3.Transition;
import software.constructs.Construct;

/**
 * Pier's state: the registry table and the artifact, batch and capture buckets, all encrypted with one customer
 * managed KMS key. In prod everything here survives {@code cdk destroy} and the table has deletion protection; in
 * dev it all goes with the stack.
 */
public final class DataStack extends Stack {
  /** Where content-addressed model artifacts live; the registry code writes exactly here. */
  public static final String ARTIFACTS_PREFIX = "artifacts/sha256/";
  /** Where model archives for SageMaker endpoints live in the artifacts bucket. */
  public static final String ENDPOINT_MODELS_PREFIX = "endpoints/";
  /** Uploads under this prefix of the batch bucket start batch jobs. */
  public static final String BATCH_INCOMING_PREFIX = "incoming/";
  /** Async predictions' large requests and results in the async bucket (dev.pier.async.AsyncObjects writes here). */
  public static final List<String> ASYNC_PREFIXES = List.of("async-requests/", "async-results/");
  /**
   * Context key: days async results are kept (default 7). Match the api's {@code pier.retention.async-results}, which
   * sets the records' DynamoDB TTL; this sets the S3 lifecycle rule for the large ones.
   */
  public static final String ASYNC_RETENTION_CONTEXT = "pier.retention.async-results-days";

  private final PierConfig config;
  private final Key key;
  private final Bucket accessLogs;
  private final Table registryTable;
  private final Table jobsTable;
  private final Bucket artifacts;
  private final Bucket batch;
  private final Bucket captures;
  private final Table asyncTable;
  private final Bucket asyncResults;

  public DataStack(Construct scope, String id, StackProps props, PierConfig config) {
    super(scope, id, props);
    this.config = config;
    this.key = createKey();
    this.accessLogs = createAccessLogsBucket();
    this.registryTable = createRegistryTable();
    this.jobsTable = createJobsTable();
    this.artifacts = createArtifactsBucket();
    this.batch = createBatchBucket();
    this.captures = createCapturesBucket();
    this.asyncTable = createAsyncTable();
    this.asyncResults = createAsyncBucket();
  }

  /** Async prediction records (the api's {@code pier.async.table}). */
  public Table asyncTable() {
    return asyncTable;
  }

  /** Async predictions' large requests and results (the api's {@code pier.async.bucket}). */
  public Bucket asyncResults() {
    return asyncResults;
  }

  public Key key() {
    return key;
  }

  public Table registryTable() {
    return registryTable;
  }

  /** Batch jobs, their finished chunks and batch schedules ({@code dev.pier.batch.JobsTable}). */
  public Table jobsTable() {
    return jobsTable;
  }

  public Bucket artifacts() {
    return artifacts;
  }

  public Bucket batch() {
    return batch;
  }

  public Bucket captures() {
    return captures;
  }

  private RemovalPolicy removal() {
    return config.prod() ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
  }

  private Key createKey() {
    return Key.Builder.create(this, "DataKey")
        .description("Pier " + config.stage() + ": encrypts the registry table, buckets and queues")
        .enableKeyRotation(true)
        .removalPolicy(removal())
        .build();
  }

  /**
   * The registry's single table. Its layout must match {@code dev.pier.registry.RegistryTable} (the tests compare
   * them): string keys pk/sk, GSI {@code gsi1} on gsi1pk/gsi1sk projecting everything, TTL on {@code expiresAt}.
   */
  private Table createRegistryTable() {
    return singleTable("RegistryTable", "expiresAt");
  }

  /**
   * The jobs table. Its layout must match {@code dev.pier.batch.JobsTable}: string keys pk/sk ({@code job#<id>} with
   * {@code job} and {@code chunk#<n>}; {@code schedule#<id>} with {@code schedule}), GSI {@code gsi1} on
   * gsi1pk/gsi1sk projecting everything (jobs and schedules listed oldest first).
   */
  private Table createJobsTable() {
    return singleTable("JobsTable", null);
  }

  /**
   * A single-table design: string keys pk/sk, GSI {@code gsi1} on gsi1pk/gsi1sk projecting everything, on-demand,
   * point-in-time recovery, the data key; TTL on {@code ttlAttribute} unless null.
   */
  private Table singleTable(String id, String ttlAttribute) {
    Table table = Table.Builder.create(this, id)
        .partitionKey(Attribute.builder().name("pk").type(AttributeType.STRING).build())
        .sortKey(Attribute.builder().name("sk").type(AttributeType.STRING).build())
        .billingMode(BillingMode.PAY_PER_REQUEST)
        .timeToLiveAttribute(ttlAttribute)
        .encryption(TableEncryption.CUSTOMER_MANAGED)
        .encryptionKey(key)
        .pointInTimeRecoverySpecification(PointInTimeRecoverySpecification.builder()
            .pointInTimeRecoveryEnabled(true)
            .build())
        .deletionProtection(config.prod())
        .removalPolicy(removal())
        .build();
    table.addGlobalSecondaryIndex(GlobalSecondaryIndexProps.builder()
        .indexName("gsi1")
        .partitionKey(Attribute.builder().name("gsi1pk").type(AttributeType.STRING).build())
        .sortKey(Attribute.builder().name("gsi1sk").type(AttributeType.STRING).build())
        .projectionType(ProjectionType.ALL)
        .build());
    return table;
  }

  /**
   * Async prediction records. Its layout must match {@code dev.pier.async.AsyncTable}: string key {@code pk}, sparse
   * index {@code subject} on {@code subjectHash} (keys only; erasure by data subject), TTL on {@code expiresAt} — how
   * retention is enforced for the records and their inline results.
   */
  private Table createAsyncTable() {
    Table table = Table.Builder.create(this, "AsyncPredictionsTable")
        .partitionKey(Attribute.builder().name("pk").type(AttributeType.STRING).build())
        .billingMode(BillingMode.PAY_PER_REQUEST)
        .timeToLiveAttribute("expiresAt")
        .encryption(TableEncryption.CUSTOMER_MANAGED)
        .encryptionKey(key)
        .pointInTimeRecoverySpecification(PointInTimeRecoverySpecification.builder()
            .pointInTimeRecoveryEnabled(true)
            .build())
        .deletionProtection(config.prod())
        .removalPolicy(removal())
        .build();
    table.addGlobalSecondaryIndex(GlobalSecondaryIndexProps.builder()
        .indexName("subject")
        .partitionKey(Attribute.builder().name("subjectHash").type(AttributeType.STRING).build())
        .projectionType(ProjectionType.KEYS_ONLY)
        .build());
    return table;
  }

  /** Large async requests and results, expired by lifecycle rule after the retention period (noncurrent: 1 day). */
  private Bucket createAsyncBucket() {
    Object days = getNode().tryGetContext(ASYNC_RETENTION_CONTEXT);
    int retention = days == null ? 7 : Integer.parseInt(days.toString());
    List<LifecycleRule> rules = ASYNC_PREFIXES.stream().map(prefix -> LifecycleRule.builder()
        .id("expire-" + prefix.replace("/", ""))
        .prefix(prefix)
        .expiration(Duration.days(retention))
        .noncurrentVersionExpiration(Duration.days(1))
        .abortIncompleteMultipartUploadAfter(Duration.days(1))
        .build()).toList();
    return secureBucket("AsyncResultsBucket", "async/", rules);
  }

  /**
   * S3 server access logs of the other buckets. S3 can deliver access logs only to a bucket encrypted with S3-managed
   * keys, so this one alone is not KMS-encrypted.
   */
  private Bucket createAccessLogsBucket() {
    return Bucket.Builder.create(this, "AccessLogsBucket")
        .encryption(BucketEncryption.S3_MANAGED)
        .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
        .enforceSsl(true)
        .minimumTlsVersion(1.2)
        .objectOwnership(ObjectOwnership.BUCKET_OWNER_ENFORCED)
        .versioned(true)
        .lifecycleRules(List.of(LifecycleRule.builder()
            .id("expire-access-logs")
            .expiration(Duration.days(config.prod() ? 365 : 90))
            .noncurrentVersionExpiration(Duration.days(7))
            .abortIncompleteMultipartUploadAfter(Duration.days(1))
            .build()))
        .removalPolicy(removal())
        .build();
  }

  private Bucket createArtifactsBucket() {
    return secureBucket("ArtifactsBucket", "artifacts/", List.of(
        // Artifacts are content-addressed and never overwritten; old versions only come from deletions.
        LifecycleRule.builder()
            .id("expire-deleted-artifacts")
            .noncurrentVersionExpiration(Duration.days(90))
            .abortIncompleteMultipartUploadAfter(Duration.days(7))
            .build()));
  }

  private Bucket createBatchBucket() {
    Bucket bucket = secureBucket("BatchBucket", "batch/", List.of(
        LifecycleRule.builder()
            .id("expire-batch-io")
            .expiration(Duration.days(30))
            .noncurrentVersionExpiration(Duration.days(7))
            .abortIncompleteMultipartUploadAfter(Duration.days(1))
            .build()));
    // EventBridge notifications set on the bucket itself: CDK's eventBridgeEnabled would add a custom-resource
    // Lambda (with an AWS-managed policy) just to flip this switch.
    CfnBucket cfn = (CfnBucket) bucket.getNode().getDefaultChild();
    cfn.setNotificationConfiguration(CfnBucket.NotificationConfigurationProperty.builder()
        .eventBridgeConfiguration(CfnBucket.EventBridgeConfigurationProperty.builder()
            .eventBridgeEnabled(true)
            .build())
        .build());
    return bucket;
  }

  private Bucket createCapturesBucket() {
    return secureBucket("CapturesBucket", "captures/", List.of(
        LifecycleRule.builder()
            .id("tier-and-expire-captures")
            .transitions(List.of(Transition.builder()
                .storageClass(StorageClass.INFREQUENT_ACCESS)
                .transitionAfter(Duration.days(30))
                .build()))
            .expiration(Duration.days(config.prod() ? 400 : 90))
            .noncurrentVersionExpiration(Duration.days(7))
            .abortIncompleteMultipartUploadAfter(Duration.days(1))
            .build()));
  }

  /** KMS with bucket keys (fewer KMS calls), versioned, private, TLS 1.2+ only, access-logged. */
  private Bucket secureBucket(String id, String logPrefix, List<LifecycleRule> lifecycle) {
    return Bucket.Builder.create(this, id)
        .encryption(BucketEncryption.KMS)
        .encryptionKey(key)
        .bucketKeyEnabled(true)
        .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
        .enforceSsl(true)
        .minimumTlsVersion(1.2)
        .objectOwnership(ObjectOwnership.BUCKET_OWNER_ENFORCED)
        .versioned(true)
        .serverAccessLogsBucket(accessLogs)
        .serverAccessLogsPrefix(logPrefix)
        .lifecycleRules(lifecycle)
        .removalPolicy(removal())
        .build();
  }
}
