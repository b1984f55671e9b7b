package dev.pier.infra;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Fn;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.cloudwatch.actions.SnsAction;
import software.amazon.awscdk.services.dynamodb.Attribute;
import software.amazon.awscdk.services.dynamodb.AttributeType;
import software.amazon.awscdk.services.dynamodb.BillingMode;
import software.amazon.awscdk.services.dynamodb.GlobalSecondaryIndexProps;
import software.amazon.awscdk.services.dynamodb.PointInTimeRecoverySpecification;
import software.amazon.awscdk.services.dynamodb.Table;
import software.amazon.awscdk.services.dynamodb.TableEncryption;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.iam.IRole;
import software.amazon.awscdk.services.lambda.CfnFunction;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.LifecycleRule;
import software.amazon.awscdk.services.s3.ObjectOwnership;
import software.amazon.awscdk.services.scheduler.CfnSchedule;
import software.amazon.awscdk.services.sns.ITopic;
import software.amazon.awscdk.services.stepfunctions.StateMachine;
import software.constructs.Construct;

/**
 * The feature store in AWS (issue #14): its tables, offline bucket, the feature worker Lambda that runs
 * materialization, the {@code feature-materialization} state machine whose tasks it is, the schedule of incremental
 * materializations and the freshness alarms.
 *
 * <ul>
 *   <li>{@code <prefix>-features} (definitions, versions, jobs, watermarks, statistics; {@code pk}/{@code sk} and
 *       index {@code gsi1}) and {@code <prefix>-features-online} (one item per view and entity key, {@code k}): on
 *       demand, KMS with the data key, point-in-time recovery, deletion protection in prod. Named, so the API stack
 *       can be given them by name without depending on this stack.</li>
 *   <li>The offline bucket ({@code s3://<bucket>/<source>/…parquet}): its own KMS key, versioned, private, TLS only,
 *       access-logged to a bucket of this stack.</li>
 *   <li>The feature worker: {@code feature-worker.zip} (context {@code featureWorkerZip}; it carries DuckDB, which the
 *       api zip cannot), {@code dev.pier.features.FeatureWorkerHandler}, 15 minutes and 3 GB per chunk, reading the
 *       offline bucket and writing the tables, nothing else.</li>
 *   <li>{@code feature-historical} (when its ASL is in the folder): historical retrieval jobs, which the api functions
 *       (without DuckDB) start and the worker runs, writing the answer into the offline bucket.</li>
 *   <li>The state machine, when {@code feature-materialization.asl.json} is in the state-machines folder, with the
 *       worker behind its tasks; an EventBridge Scheduler schedule (context {@code featureMaterializationSchedule},
 *       default {@code rate(1 hour)}; {@code off} for none) invokes the worker with {@code {"action":
 *       "materialize-incremental"}}, which starts a job for every online view from its watermark to now as an
 *       execution of that machine.</li>
 *   <li>Alarms to the platform's alarm topic: the worst view's materialization lag (now − watermark, the embedded
 *       metric the worker prints after each chunk and job) above context {@code featureFreshnessAlarmSeconds}
 *       (default 10,800 = 3 h), and any failed materialization execution.</li>
 * </ul>
 */
public final class FeaturesStack extends Stack {
  public static final String STATE_MACHINE = "feature-materialization";
  /** Historical retrieval jobs: the api (no DuckDB) starts an execution, the worker runs the join. */
  public static final String HISTORICAL_STATE_MACHINE = "feature-historical";
  /** The staging bucket's prefixes ({@code dev.pier.features.WorkerHandOff}'s). */
  static final String EXCHANGE_PREFIX = "exchange/";
  static final String PUSH_PREFIX = "push/";
  public static final String HANDLER = "dev.pier.features.FeatureWorkerHandler::handleRequest";
  public static final Path DEFAULT_WORKER_ZIP = Path.of("../feature-tables/target/feature-worker/feature-worker.zip");
  /** CloudWatch namespace of the worker's embedded metrics ({@code FeatureWorkerHandler.NAMESPACE}). */
  public static final String NAMESPACE = "Pier/Features";

  private final PierConfig config;
  private final Table table;
  private final Table onlineTable;
  private final Bucket offline;
  private final Bucket staging;
  private final Function worker;
  private final StateMachine stateMachine;
  private final StateMachine historicalStateMachine;
  private final CfnSchedule schedule;
  private final List<Alarm> alarms = new java.util.ArrayList<>();

  public FeaturesStack(Construct scope, String id, StackProps props, PierConfig config, DataStack data,
      ITopic alarmTopic) {
    super(scope, id, props);
    this.config = config;
    this.table = protectedTable("FeaturesTable", tableName(config), data)
        .partitionKey(Attribute.builder().name("pk").type(AttributeType.STRING).build())
        .sortKey(Attribute.builder().name("sk").type(AttributeType.STRING).build())
        .build();
    table.addGlobalSecondaryIndex(GlobalSecondaryIndexProps.builder().indexName("gsi1")
        .partitionKey(Attribute.builder().name("gsi1pk").type(AttributeType.STRING).build())
        .sortKey(Attribute.builder().name("gsi1sk").type(AttributeType.STRING).build())
        .build());
    this.onlineTable = protectedTable("OnlineTable", onlineTableName(config), data)
        .partitionKey(Attribute.builder().name("k").type(AttributeType.STRING).build())
        .build();
    Bucket logs = AccessLogsBucket.create(this, "OfflineAccessLogs", config);
    Nag.suppress(logs, "AwsSolutions-S1", "This is the access-log bucket of the offline feature bucket; logging its "
        + "own access would log forever.");
    this.offline = createOfflineBucket(logs);
    this.staging = createStagingBucket(logs);
    this.worker = createWorker(data);
    Optional<String> asl = aslDefinition(STATE_MACHINE);
    this.stateMachine = asl.map(d -> createStateMachine(STATE_MACHINE, "Materialization", d)).orElse(null);
    this.historicalStateMachine = aslDefinition(HISTORICAL_STATE_MACHINE)
        .map(d -> createStateMachine(HISTORICAL_STATE_MACHINE, "HistoricalRetrieval", d)).orElse(null);
    this.schedule = stateMachine == null ? null : createSchedule();
    createUserScheduleRole();
    createAlarms(alarmTopic);
  }

  /** The definitions/jobs table's name. */
  public static String tableName(PierConfig config) {
    return config.prefix() + "-features";
  }

  /** The online store's table name. */
  public static String onlineTableName(PierConfig config) {
    return config.prefix() + "-features-online";
  }

  /** The state machine's ARN, from its fixed name (what the worker and the API start executions of). */
  public static String stateMachineArn(PierConfig config) {
    return Fn.sub("arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:" + config.prefix()
        + "-" + STATE_MACHINE);
  }

  /** The historical retrieval state machine's ARN, from its fixed name (what the api starts executions of). */
  public static String historicalStateMachineArn(PierConfig config) {
    return Fn.sub("arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:" + config.prefix()
        + "-" + HISTORICAL_STATE_MACHINE);
  }

  /** The feature worker's name: fixed, so the api functions invoke it by name. */
  public static String workerFunctionName(PierConfig config) {
    return config.prefix() + "-feature-worker";
  }

  /** The staging bucket's name (what the api hands the worker): fixed per account and region, likewise. */
  public static String stagingBucketName(PierConfig config) {
    return Fn.sub(config.prefix() + "-features-staging-${AWS::AccountId}-${AWS::Region}");
  }

  /**
   * What the api functions need to find the feature store: its tables and state machines, and the worker and staging
   * bucket they hand DuckDB's work to, by their fixed names.
   */
  public static Map<String, String> apiEnvironment(PierConfig config) {
    return Map.of(
        "PIER_FEATURES_TABLE", tableName(config),
        "PIER_FEATURES_ONLINE_TABLE", onlineTableName(config),
        "PIER_FEATURES_STATE_MACHINE_ARN", stateMachineArn(config),
        "PIER_FEATURES_HISTORICAL_STATE_MACHINE_ARN", historicalStateMachineArn(config),
        "PIER_FEATURES_WORKER_FUNCTION", workerFunctionName(config),
        "PIER_FEATURES_STAGING_BUCKET", stagingBucketName(config),
        "PIER_FEATURES_WORKER_ARN", workerArn(config),
        "PIER_FEATURES_SCHEDULER_ROLE_ARN", scheduleRoleArn(config));
  }

  private static String workerArn(PierConfig config) {
    return Fn.sub("arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:"
        + workerFunctionName(config));
  }

  /** The role EventBridge Scheduler assumes for user-managed materialization schedules: by its fixed name. */
  public static String scheduleRoleName(PierConfig config) {
    return config.prefix() + "-feature-schedules";
  }

  private static String scheduleRoleArn(PierConfig config) {
    return Fn.sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/" + scheduleRoleName(config));
  }

  /**
   * The control plane's part in the feature store beyond {@link #apiStatements}: handing work to the worker
   * ({@link #grantHandOff}, pushes included) and managing user materialization schedules — EventBridge Scheduler
   * schedules named {@code pier-fs-*} in the default group, which assume {@code <prefix>-feature-schedules}.
   */
  public static void grantControlPlane(IRole role, PierConfig config) {
    grantHandOff(role, config, true);
    role.addToPrincipalPolicy(PolicyStatement.Builder.create()
        .sid("ManageMaterializationSchedules")
        .actions(List.of("scheduler:CreateSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule",
            "scheduler:GetSchedule"))
        .resources(List.of(Fn.sub(
            "arn:${AWS::Partition}:scheduler:${AWS::Region}:${AWS::AccountId}:schedule/default/pier-fs-*")))
        .build());
    role.addToPrincipalPolicy(PolicyStatement.Builder.create()
        .sid("PassMaterializationScheduleRole")
        .actions(List.of("iam:PassRole"))
        .resources(List.of(scheduleRoleArn(config)))
        .conditions(Map.of("StringEquals", Map.of("iam:PassedToService", "scheduler.amazonaws.com")))
        .build());
    Nag.suppress(role, "AwsSolutions-IAM5", "Materialization schedules are EventBridge Scheduler schedules named "
        + "pier-fs-<id> in the default group, created through the API after this stack is deployed.",
        "/^Resource::arn:.*:schedule\\/default\\/pier-fs-\\*$/");
  }

  /**
   * Lets {@code role} hand work to the feature worker (dev.pier.features.WorkerHandOff): invoke it, and exchange
   * oversized payloads through the staging bucket ({@code exchange/}); with {@code push}, stage pushed rows
   * ({@code push/}) too. The control plane (push, inline historical retrieval) and the batch worker (point-in-time
   * lookups) need it; the data plane does not.
   */
  public static void grantHandOff(IRole role, PierConfig config, boolean push) {
    String objects = "arn:${AWS::Partition}:s3:::" + config.prefix() + "-features-staging-${AWS::AccountId}-${AWS::Region}/";
    List<String> resources = new java.util.ArrayList<>(List.of(Fn.sub(objects + EXCHANGE_PREFIX + "*")));
    if (push) {
      resources.add(Fn.sub(objects + PUSH_PREFIX + "*"));
    }
    role.addToPrincipalPolicy(PolicyStatement.Builder.create()
        .sid("InvokeFeatureWorker")
        .actions(List.of("lambda:InvokeFunction"))
        .resources(List.of(Fn.sub("arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:"
            + workerFunctionName(config))))
        .build());
    role.addToPrincipalPolicy(PolicyStatement.Builder.create()
        .sid("FeatureWorkerStaging")
        .actions(List.of("s3:PutObject", "s3:GetObject", "s3:DeleteObject"))
        .resources(resources)
        .build());
    Nag.suppressInStack(role, "AwsSolutions-IAM5", "Payloads handed to the feature worker are objects of the feature "
        + "staging bucket named at run time: exchange/<random id> (read once, then deleted) and push/<digest of the "
        + "rows> (deleted once the worker has written them).",
        "/^Resource::arn:.*-features-staging-.*\\/(exchange|push)\\/\\*$/");
  }

  /**
   * The api functions' access, by name (so the api stack does not depend on this one): with {@code write}, definitions,
   * jobs, statistics and pushes (the control plane) and starting materializations; else reading definitions and
   * online values (the data plane's lookups). Both tables are encrypted with the data key, which the api's roles use.
   */
  public static List<PolicyStatement> apiStatements(PierConfig config, boolean write) {
    String arn = "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/";
    List<String> tables = List.of(Fn.sub(arn + tableName(config)), Fn.sub(arn + tableName(config) + "/index/gsi1"),
        Fn.sub(arn + onlineTableName(config)));
    List<String> read = List.of("dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query");
    List<PolicyStatement> out = new java.util.ArrayList<>();
    out.add(PolicyStatement.Builder.create()
        .sid(write ? "FeatureStoreReadWrite" : "FeatureStoreRead")
        .actions(write ? List.of("dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:PutItem",
            "dynamodb:UpdateItem", "dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:TransactWriteItems")
            : read)
        .resources(tables)
        .build());
    if (write) {
      out.add(PolicyStatement.Builder.create()
          .sid("StartFeatureMaterialization")
          .actions(List.of("states:StartExecution"))
          .resources(List.of(stateMachineArn(config), historicalStateMachineArn(config)))
          .build());
    }
    return out;
  }

  public Table table() {
    return table;
  }

  public Table onlineTable() {
    return onlineTable;
  }

  public Bucket offline() {
    return offline;
  }

  public Bucket staging() {
    return staging;
  }

  public Function worker() {
    return worker;
  }

  /** Null when the state-machines folder has no {@code feature-materialization.asl.json}. */
  public StateMachine stateMachine() {
    return stateMachine;
  }

  /** Null when the state-machines folder has no {@code feature-historical.asl.json}. */
  public StateMachine historicalStateMachine() {
    return historicalStateMachine;
  }

  public List<Alarm> alarms() {
    return alarms;
  }

  private Table.Builder protectedTable(String id, String name, DataStack data) {
    return Table.Builder.create(this, id)
        .tableName(name)
        .billingMode(BillingMode.PAY_PER_REQUEST)
        .encryption(TableEncryption.CUSTOMER_MANAGED)
        .encryptionKey(data.key())
        .pointInTimeRecoverySpecification(PointInTimeRecoverySpecification.builder()
            .pointInTimeRecoveryEnabled(true)
            .build())
        .deletionProtection(config.prod())
        .removalPolicy(removal());
  }

  private RemovalPolicy removal() {
    return config.prod() ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
  }

  private Bucket createOfflineBucket(Bucket logs) {
    Key key = Key.Builder.create(this, "OfflineKey")
        .description("Pier " + config.stage() + ": encrypts the offline feature store (Parquet)")
        .enableKeyRotation(true)
        .removalPolicy(removal())
        .build();
    return Bucket.Builder.create(this, "OfflineBucket")
        .encryption(BucketEncryption.KMS)
        .encryptionKey(key)
        .bucketKeyEnabled(true)
        .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
        .enforceSsl(true)
        .minimumTlsVersion(1.2)
        .objectOwnership(ObjectOwnership.BUCKET_OWNER_ENFORCED)
        .versioned(true)
        .serverAccessLogsBucket(logs)
        .serverAccessLogsPrefix("offline/")
        .lifecycleRules(List.of(LifecycleRule.builder()
            .id("expire-overwritten-feature-files")
            .noncurrentVersionExpiration(Duration.days(30))
            .abortIncompleteMultipartUploadAfter(Duration.days(1))
            .build()))
        .removalPolicy(removal())
        .build();
  }

  /**
   * Where the api stages what it hands to the feature worker: pushed rows ({@code push/}, kept until the worker has
   * written them as Parquet: nothing accepted expires) and requests and answers too big for a Lambda payload
   * ({@code exchange/}, read once and deleted; a day at most). Named, so the api and workers stacks take it by name.
   * S3-managed keys: the api's roles cannot be given this stack's key by name, and nothing stays here long.
   */
  private Bucket createStagingBucket(Bucket logs) {
    return Bucket.Builder.create(this, "StagingBucket")
        .bucketName(stagingBucketName(config))
        .encryption(BucketEncryption.S3_MANAGED)
        .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
        .enforceSsl(true)
        .minimumTlsVersion(1.2)
        .objectOwnership(ObjectOwnership.BUCKET_OWNER_ENFORCED)
        .serverAccessLogsBucket(logs)
        .serverAccessLogsPrefix("staging/")
        .lifecycleRules(List.of(LifecycleRule.builder()
                .id("expire-exchanged-payloads")
                .prefix(EXCHANGE_PREFIX)
                .expiration(Duration.days(1))
                .build(),
            LifecycleRule.builder()
                .id("abort-incomplete-uploads")
                .abortIncompleteMultipartUploadAfter(Duration.days(1))
                .build()))
        .removalPolicy(removal())
        .build();
  }

  private Function createWorker(DataStack data) {
    DuckDbWorker worker = DuckDbWorker.prepare(this, config,
        "Pier feature worker: reads the offline bucket, writes the feature tables and retrieval outputs");
    Role role = worker.role();
    role.addToPolicy(PolicyStatement.Builder.create()
        .sid("FeatureTables")
        .actions(List.of("dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:PutItem",
            "dynamodb:UpdateItem", "dynamodb:BatchWriteItem", "dynamodb:DeleteItem",
            // the online store writes many rows as transactions of 100 conditional puts
            "dynamodb:TransactWriteItems"))
        .resources(List.of(table.getTableArn(), table.getTableArn() + "/index/gsi1", onlineTable.getTableArn()))
        .build());
    role.addToPolicy(PolicyStatement.Builder.create()
        .sid("OfflineRead")
        .actions(List.of("s3:GetObject", "s3:ListBucket"))
        .resources(List.of(offline.getBucketArn(), offline.arnForObjects("*")))
        .build());
    role.addToPolicy(PolicyStatement.Builder.create()
        .sid("HistoricalOutputWrite")
        // a historical retrieval job's Parquet answer, at its output in the offline bucket (entity files live there)
        .actions(List.of("s3:PutObject", "s3:AbortMultipartUpload"))
        .resources(List.of(offline.arnForObjects("*")))
        .build());
    role.addToPolicy(PolicyStatement.Builder.create()
        .sid("HandedOffWork")
        // what the api hands over: staged pushes (read, then deleted once written) and oversized payloads
        .actions(List.of("s3:GetObject", "s3:PutObject", "s3:DeleteObject"))
        .resources(List.of(staging.arnForObjects("*")))
        .build());
    role.addToPolicy(PolicyStatement.Builder.create()
        .sid("SweepStagedPushes")
        .actions(List.of("s3:ListBucket"))
        .resources(List.of(staging.getBucketArn()))
        .build());
    role.addToPolicy(PolicyStatement.Builder.create()
        .sid("StartMaterialization")
        // by its fixed name: the machine names this function, so its ARN attribute would be a circular reference
        .actions(List.of("states:StartExecution"))
        .resources(List.of(stateMachineArn(config)))
        .build());
    data.key().grantEncryptDecrypt(role);
    offline.getEncryptionKey().grantEncryptDecrypt(role);
    Nag.suppress(role, "AwsSolutions-IAM5",
        "X-Ray's PutTraceSegments and PutTelemetryRecords support no resource-level permissions (Resource '*'); "
            + "the worker reads any Parquet file of the offline bucket (every source's files, named at run time by "
            + "the applied definitions) and writes a historical retrieval job's answer at its output there, and "
            + "nothing in any other bucket; it reads, writes and deletes the staging bucket's objects (staged pushes and "
            + "oversized payloads the api hands over, named at run time); KMS grants list GenerateDataKey* and "
            + "ReEncrypt* on the one key.",
        "Resource::*", "/^Resource::.*OfflineBucket.*\\/\\*$/", "/^Resource::.*StagingBucket.*\\/\\*$/",
        "Action::kms:GenerateDataKey*",
        "Action::kms:ReEncrypt*");

    Function function = worker.function(this, config,
        "Pier feature worker: materialization chunks (DuckDB) and scheduled incremental jobs", HANDLER,
        DuckDbWorker.zip(this, "featureWorkerZip", "PIER_FEATURE_WORKER_ZIP", DEFAULT_WORKER_ZIP),
        Map.of(
            "PIER_FEATURES_TABLE", table.getTableName(),
            "PIER_FEATURES_ONLINE_TABLE", onlineTable.getTableName(),
            "PIER_FEATURES_STATE_MACHINE_ARN", stateMachineArn(config),
            "PIER_FEATURES_STAGING_BUCKET", staging.getBucketName()));
    // named, so the api functions invoke it by name without depending on this stack
    ((CfnFunction) function.getNode().getDefaultChild()).setFunctionName(workerFunctionName(config));
    return function;
  }

  private Optional<String> aslDefinition(String name) {
    Path file = config.stateMachinesDir().resolve(name + AslFile.SUFFIX);
    try {
      return Files.isRegularFile(file) ? Optional.of(Files.readString(file)) : Optional.empty();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private StateMachine createStateMachine(String name, String id, String definition) {
    StateMachine machine = LoggedStateMachine.deploy(this, id, config, name, definition,
        Map.of("FeatureWorkerFunction", worker.getFunctionArn()), Duration.hours(24));
    machine.addToRolePolicy(PolicyStatement.Builder.create()
        .sid("InvokeFeatureWorker")
        .actions(List.of("lambda:InvokeFunction"))
        .resources(List.of(worker.getFunctionArn()))
        .build());
    LoggedStateMachine.suppressLogsAndTraces(machine);
    return machine;
  }

  /**
   * The role user-managed materialization schedules ({@code POST /api/v1/features/materialization-schedules}) run as:
   * EventBridge Scheduler invokes the feature worker with it, nothing else. Named, so the api passes it by name.
   */
  private void createUserScheduleRole() {
    Role role = Role.Builder.create(this, "UserScheduleRole")
        .roleName(scheduleRoleName(config))
        .assumedBy(new ServicePrincipal("scheduler.amazonaws.com"))
        .description("Lets user materialization schedules invoke the feature worker, nothing else")
        .build();
    role.addToPolicy(PolicyStatement.Builder.create()
        .sid("InvokeFeatureWorker")
        .actions(List.of("lambda:InvokeFunction"))
        .resources(List.of(worker.getFunctionArn()))
        .build());
  }

  /** Scheduler invokes the worker, which creates the incremental job and starts it as an execution. */
  private CfnSchedule createSchedule() {
    Object configured = getNode().tryGetContext("featureMaterializationSchedule");
    String expression = configured == null ? "rate(1 hour)" : configured.toString();
    if (expression.equals("off")) {
      return null;
    }
    Role role = Role.Builder.create(this, "ScheduleRole")
        .assumedBy(new ServicePrincipal("scheduler.amazonaws.com"))
        .description("Lets the feature materialization schedule invoke the feature worker, nothing else")
        .build();
    role.addToPolicy(PolicyStatement.Builder.create()
        .sid("InvokeFeatureWorker")
        .actions(List.of("lambda:InvokeFunction"))
        .resources(List.of(worker.getFunctionArn()))
        .build());
    return CfnSchedule.Builder.create(this, "IncrementalMaterialization")
        .name(config.prefix() + "-features-incremental")
        .description("Pier: materialize every online feature view from its watermark to now")
        .scheduleExpression(expression)
        .flexibleTimeWindow(CfnSchedule.FlexibleTimeWindowProperty.builder().mode("OFF").build())
        .target(CfnSchedule.TargetProperty.builder()
            .arn(worker.getFunctionArn())
            .roleArn(role.getRoleArn())
            .input("{\"action\": \"materialize-incremental\"}")
            .retryPolicy(CfnSchedule.RetryPolicyProperty.builder().maximumRetryAttempts(3)
                .maximumEventAgeInSeconds(3600).build())
            .build())
        .build();
  }

  private void createAlarms(ITopic topic) {
    Object configured = getNode().tryGetContext("featureFreshnessAlarmSeconds");
    double threshold = configured == null ? 10_800 : Double.parseDouble(configured.toString());
    alarm("FeatureMaterializationLag", "A feature view's materialization watermark is more than " + (long) threshold
        + " s behind now: its online values are stale", Metric.Builder.create()
        .namespace(NAMESPACE).metricName("MaterializationLagSeconds").statistic("Maximum")
        .period(Duration.minutes(15)).build(), threshold, topic);
    if (stateMachine != null) {
      alarm("FeatureMaterializationFailed", "A feature materialization execution failed: the job and its error are"
          + " at GET /api/v1/features/materializations/{id}", stateMachine.metricFailed(
          software.amazon.awscdk.services.cloudwatch.MetricOptions.builder().period(Duration.minutes(5))
              .statistic("Sum").build()), 0, topic);
    }
  }

  private void alarm(String id, String description, Metric metric, double threshold, ITopic topic) {
    Alarm alarm = Alarm.Builder.create(this, id)
        .alarmName(config.prefix() + "-" + id)
        .alarmDescription(description)
        .metric(metric)
        .threshold(threshold)
        .comparisonOperator(ComparisonOperator.GREATER_THAN_THRESHOLD)
        .evaluationPeriods(1)
        .treatMissingData(TreatMissingData.NOT_BREACHING)
        .build();
    alarm.addAlarmAction(new SnsAction(topic));
    alarm.addOkAction(new SnsAction(topic));
    alarms.add(alarm);
  }
}
