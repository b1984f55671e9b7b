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
import software.amazon.awscdk.services.kms.KeySpec;
import software.amazon.awscdk.services.kms.KeyUsage;
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
 * Pier's state: the registry and API-keys tables (KMS key {@code DataKey}), the artifacts bucket (its own key, so
 * the data plane can read models and nothing else), the batch, capture and audit buckets (the outputs key), and the
 * asymmetric key that signs artifacts. Lifecycle rules keep each kind of data as long as {@code retention.*} says. In prod everything here survives {@code cdk destroy} and the table has deletion protection; in
 * dev it all goes with the stack.
 */
public final class DataStack extends Stack {
  /** Where content-addressed model artifacts live; the registry code writes exactly here. */
  public static final String ARTIFACTS_PREFIX = "artifacts/sha256/";
  /**
   * Where big artifacts are staged in the artifacts bucket ({@code uploads/<model>/<uuid>}): the API's presigned
   * multipart uploads land here, are read back once to register the version and are deleted after.
   */
  public static final String ARTIFACT_UPLOADS_PREFIX = "uploads/";
  /** Where model archives for SageMaker endpoints live in the artifacts bucket. */
  public static final String ENDPOINT_MODELS_PREFIX = "endpoints/";
  /** Uploads under this prefix of the batch bucket start batch jobs. */
  public static final String BATCH_INCOMING_PREFIX = "incoming/";
  /** Async predictions' large requests and results in the async bucket (dev.pier.async.AsyncObjects writes here). */
  public static final List<String> ASYNC_PREFIXES = List.of("async-requests/", "async-results/");

  /** Prefixes of the batch bucket, each with its own retention. */
  public static final String BATCH_OUTPUTS_PREFIX = "outputs/";
  public static final String BATCH_JOBS_PREFIX = "jobs/";
  /** SageMaker training jobs' checkpoints (see {@link TrainingResources}), expired after a fortnight. */
  public static final String TRAINING_CHECKPOINTS_PREFIX = "training/checkpoints/";
  public static final int TRAINING_CHECKPOINT_DAYS = 14;
  /** The audit trail in its bucket: state changes (Object Lock) and prediction samples (erasable, expiring). */
  public static final String AUDIT_PREFIX = "audit/";
  public static final String AUDIT_EVENTS_PREFIX = AUDIT_PREFIX + "events/";
  public static final String AUDIT_SAMPLES_PREFIX = AUDIT_PREFIX + "samples/";

  private final PierConfig config;
  private final Key key;
  private final Key artifactsKey;
  private final Key outputsKey;
  private final Key signingKey;
  private final Bucket accessLogs;
  private final Table registryTable;
  private final Table jobsTable;
  private final Table apiKeysTable;
  private final Bucket artifacts;
  private final Bucket batch;
  private final Bucket captures;
  private final Bucket audit;
  private final Table asyncTable;
  private final Bucket asyncResults;
  private final Table experimentsTable;

  public DataStack(Construct scope, String id, StackProps props, PierConfig config) {
    super(scope, id, props);
    this.config = config;
    this.key = createKey();
    this.artifactsKey = createKey("ArtifactsKey", "encrypts model artifacts");
    this.outputsKey = createKey("OutputsKey", "encrypts batch inputs and outputs, captures and the audit trail");
    this.signingKey = createSigningKey();
    this.accessLogs = AccessLogsBucket.create(this, "AccessLogsBucket", config);
    this.registryTable = createRegistryTable();
    this.jobsTable = createJobsTable();
    this.apiKeysTable = createApiKeysTable();
    this.artifacts = createArtifactsBucket();
    this.batch = createBatchBucket();
    this.captures = createCapturesBucket();
    this.audit = createAuditBucket();
    this.asyncTable = createAsyncTable();
    this.asyncResults = createAsyncBucket();
    this.experimentsTable = createExperimentsTable();
  }

  /** Experiments, flags and holdouts, their exposures, events and decisions (the api's {@code pier.experiments.table}). */
  public Table experimentsTable() {
    return experimentsTable;
  }

  /**
   * The experiments table. Its layout must match {@code dev.pier.experiments.store.ExperimentsTable}: string keys
   * pk/sk, GSI {@code gsi1} on gsi1pk/gsi1sk projecting everything (experiments and flags listed), TTL on
   * {@code expiresAt} (the exposure batches' id markers).
   */
  private Table createExperimentsTable() {
    return singleTable("ExperimentsTable", "expiresAt");
  }

  /** Async prediction records (the api's {@code pier.async.table}). */
  public Table asyncTable() {
    return asyncTable;
  }

  /** Async predictions' large requests and results (the api's {@code pier.async.bucket}). */
  public Bucket asyncResults() {
    return asyncResults;
  }

  /** Encrypts the tables (registry, API keys) and queues. */
  public Key key() {
    return key;
  }

  /** Encrypts the artifacts bucket: the data plane may decrypt it and no output. */
  public Key artifactsKey() {
    return artifactsKey;
  }

  /** Encrypts the batch, captures and audit buckets. */
  public Key outputsKey() {
    return outputsKey;
  }

  /** Asymmetric ECC_NIST_P256 SIGN_VERIFY key whose signatures over artifacts' SHA-256 the API checks. */
  public Key signingKey() {
    return signingKey;
  }

  public Table apiKeysTable() {
    return apiKeysTable;
  }

  public Bucket audit() {
    return audit;
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
        .description("Pier " + config.stage() + ": encrypts the registry and API-keys tables and the queues")
        .enableKeyRotation(true)
        .removalPolicy(removal())
        .build();
  }

  private Key createKey(String id, String purpose) {
    return Key.Builder.create(this, id)
        .description("Pier " + config.stage() + ": " + purpose)
        .enableKeyRotation(true)
        .removalPolicy(removal())
        .build();
  }

  /**
   * Signs model artifacts (ECDSA P-256 over the artifact's SHA-256, {@code aws kms sign --message-type DIGEST}).
   * Asymmetric keys cannot rotate automatically; the API fetches the public key once with GetPublicKey and
   * verifies with plain JCA, so only signers need {@code kms:Sign}, granted outside this app.
   */
  private Key createSigningKey() {
    return Key.Builder.create(this, "ArtifactSigningKey")
        .description("Pier " + config.stage() + ": signs model artifacts (ECDSA P-256 over their SHA-256)")
        .keySpec(KeySpec.ECC_NIST_P256)
        .keyUsage(KeyUsage.SIGN_VERIFY)
        .removalPolicy(removal())
        .build();
  }

  /**
   * API keys, stored only as salted HMACs; the layout matches {@code dev.pier.security.ApiKeys}: partition
   * key {@code id} (S). Point-in-time recovery, KMS and deletion protection (prod) as the registry.
   */
  private Table createApiKeysTable() {
    return protectedTable("ApiKeysTable")
        .partitionKey(Attribute.builder().name("id").type(AttributeType.STRING).build())
        .build();
  }

  /** On demand, KMS with the data key, point-in-time recovery, deletion protection and retention in prod. */
  private Table.Builder protectedTable(String id) {
    return Table.Builder.create(this, id)
        .billingMode(BillingMode.PAY_PER_REQUEST)
        .encryption(TableEncryption.CUSTOMER_MANAGED)
        .encryptionKey(key)
        .pointInTimeRecoverySpecification(PointInTimeRecoverySpecification.builder()
            .pointInTimeRecoveryEnabled(true)
            .build())
        .deletionProtection(config.prod())
        .removalPolicy(removal());
  }

  /**
   * The audit trail. Object Lock is enabled on the bucket but without a default retention: the API locks each
   * state change itself (mode and days from {@code retention.auditLock*}), while prediction samples stay unlocked
   * so erasure can delete them. Noncurrent versions go after a day, so an erased or expired sample does not linger
   * as an old version (locked versions cannot be removed before their retention ends, whatever the rule says).
   */
  private Bucket createAuditBucket() {
    PierConfig.Retention r = config.retention();
    return secureBucketBuilder("AuditBucket", "audit/", outputsKey, List.of(
            expiryRule("expire-audit-samples", AUDIT_SAMPLES_PREFIX, r.auditSamplesDays(), 1),
            expiryRule("expire-audit-events", AUDIT_EVENTS_PREFIX, r.auditEventsDays(), 1)))
        .objectLockEnabled(true)
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
   * A single-table design (see {@link #protectedTable}): string keys pk/sk, GSI {@code gsi1} on gsi1pk/gsi1sk
   * projecting everything; TTL on {@code ttlAttribute} unless null.
   */
  private Table singleTable(String id, String ttlAttribute) {
    Table table = protectedTable(id)
        .partitionKey(Attribute.builder().name("pk").type(AttributeType.STRING).build())
        .sortKey(Attribute.builder().name("sk").type(AttributeType.STRING).build())
        .timeToLiveAttribute(ttlAttribute)
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
    Table table = protectedTable("AsyncPredictionsTable")
        .partitionKey(Attribute.builder().name("pk").type(AttributeType.STRING).build())
        .timeToLiveAttribute("expiresAt")
        .build();
    table.addGlobalSecondaryIndex(GlobalSecondaryIndexProps.builder()
        .indexName("subject")
        .partitionKey(Attribute.builder().name("subjectHash").type(AttributeType.STRING).build())
        .projectionType(ProjectionType.KEYS_ONLY)
        .build());
    return table;
  }

  /**
   * Large async requests and results, expired by lifecycle rule after {@code retention.asyncResultsDays} (noncurrent
   * versions: 1 day); the same period reaches the functions as {@code PIER_RETENTION_ASYNC_RESULTS}, the records' TTL.
   */
  private Bucket createAsyncBucket() {
    int retention = config.retention().asyncResultsDays();
    List<LifecycleRule> rules = ASYNC_PREFIXES.stream()
        .map(prefix -> expiryRule("expire-" + prefix.replace("/", ""), prefix, retention, 1)).toList();
    return secureBucket("AsyncResultsBucket", "async/", key, rules);
  }

  private Bucket createArtifactsBucket() {
    int uploadDays = config.retention().incompleteUploadsDays();
    return secureBucket("ArtifactsBucket", "artifacts/", artifactsKey, List.of(
        // Artifacts are content-addressed and never overwritten; old versions only come from deletions. Parts of a
        // big-artifact upload never completed (a client that died) are aborted, and their storage freed, here.
        LifecycleRule.builder()
            .id("expire-deleted-artifacts")
            .noncurrentVersionExpiration(Duration.days(90))
            .abortIncompleteMultipartUploadAfter(Duration.days(uploadDays))
            .build(),
        // A completed upload is copied under its content address and deleted by its registration; one whose
        // registration died stays under uploads/ until this rule expires it.
        LifecycleRule.builder()
            .id("expire-abandoned-uploads")
            .prefix("uploads/")
            .expiration(Duration.days(uploadDays + 1))
            .noncurrentVersionExpiration(Duration.days(1))
            .build()));
  }

  private Bucket createBatchBucket() {
    PierConfig.Retention r = config.retention();
    Bucket bucket = secureBucket("BatchBucket", "batch/", outputsKey, List.of(
        expiryRule("expire-batch-inputs", BATCH_INCOMING_PREFIX, r.batchInputsDays(), 7),
        expiryRule("expire-batch-outputs", BATCH_OUTPUTS_PREFIX, r.batchOutputsDays(), 7),
        expiryRule("expire-batch-plans", BATCH_JOBS_PREFIX, r.batchOutputsDays(), 7),
        expiryRule("expire-training-checkpoints", TRAINING_CHECKPOINTS_PREFIX, TRAINING_CHECKPOINT_DAYS, 1)));
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

  /** Objects under {@code prefix} expire after {@code days}; their old versions {@code noncurrentDays} later. */
  private static LifecycleRule expiryRule(String id, String prefix, int days, int noncurrentDays) {
    return LifecycleRule.builder()
        .id(id)
        .prefix(prefix)
        .expiration(Duration.days(days))
        .noncurrentVersionExpiration(Duration.days(noncurrentDays))
        .abortIncompleteMultipartUploadAfter(Duration.days(1))
        .build();
  }

  private Bucket createCapturesBucket() {
    return secureBucket("CapturesBucket", "captures/", outputsKey, List.of(
        LifecycleRule.builder()
            .id("tier-and-expire-captures")
            // Standard-IA needs 30 days in Standard first, and S3 wants expiry after the transition.
            .transitions(config.retention().capturesDays() <= 30 ? List.of() : List.of(Transition.builder()
                .storageClass(StorageClass.INFREQUENT_ACCESS)
                .transitionAfter(Duration.days(30))
                .build()))
            .expiration(Duration.days(config.retention().capturesDays()))
            .noncurrentVersionExpiration(Duration.days(7))
            .abortIncompleteMultipartUploadAfter(Duration.days(1))
            .build()));
  }

  /** KMS with bucket keys (fewer KMS calls), versioned, private, TLS 1.2+ only, access-logged. */
  private Bucket secureBucket(String id, String logPrefix, Key bucketKey, List<LifecycleRule> lifecycle) {
    return secureBucketBuilder(id, logPrefix, bucketKey, lifecycle).build();
  }

  private Bucket.Builder secureBucketBuilder(String id, String logPrefix, Key bucketKey,
      List<LifecycleRule> lifecycle) {
    return Bucket.Builder.create(this, id)
        .encryption(BucketEncryption.KMS)
        .encryptionKey(bucketKey)
        .bucketKeyEnabled(true)
        .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
        .enforceSsl(true)
        .minimumTlsVersion(1.2)
        .objectOwnership(ObjectOwnership.BUCKET_OWNER_ENFORCED)
        .versioned(true)
        .serverAccessLogsBucket(accessLogs)
        .serverAccessLogsPrefix(logPrefix)
        .lifecycleRules(lifecycle)
        .removalPolicy(removal());
  }
}
