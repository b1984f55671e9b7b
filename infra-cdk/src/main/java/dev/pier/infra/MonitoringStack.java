package dev.pier.infra;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
import software.amazon.awscdk.services.dynamodb.ProjectionType;
import software.amazon.awscdk.services.dynamodb.Table;
import software.amazon.awscdk.services.dynamodb.TableEncryption;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.events.Schedule;
import software.amazon.awscdk.services.events.targets.SfnStateMachine;
import software.amazon.awscdk.services.iam.Policy;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.LifecycleRule;
import software.amazon.awscdk.services.s3.ObjectOwnership;
import software.amazon.awscdk.services.sns.Topic;
import software.amazon.awscdk.services.sns.subscriptions.EmailSubscription;
import software.amazon.awscdk.services.stepfunctions.StateMachine;
import software.constructs.Construct;

/**
 * Model monitoring in AWS (issue #15): the monitoring table and bucket that local mode creates on start, the
 * monitoring worker (the api zip again, whose entry point hands {@code monitor-runs} task payloads to the monitors
 * module), the {@value #STATE_MACHINE} state machine from its ASL file, started every {@link #SWEEP_INTERVAL} by an
 * EventBridge rule (one sweeping schedule: each monitor's own {@code schedule} decides which of its windows are due),
 * CloudWatch alarms on the metrics runs write (EMF lines in the worker's log, namespace {@code Pier/Monitoring}) and
 * the SNS topic they and the monitors' alerts go to. It also lets the api functions capture predictions, profile them,
 * index the profiles in the monitoring table and serve {@code /api/v1/monitors} ({@link #serve}).
 *
 * <p>Names are fixed ({@link #tableName}, {@link #bucketName}), so the api stack's functions get them as plain
 * environment values and this stack depends on the api stack, not the other way round.
 */
public final class MonitoringStack extends Stack {
  /** The ASL file ({@code <name>.asl.json}) this stack deploys; the orchestration stack leaves it alone. */
  public static final String STATE_MACHINE = "monitor-runs";
  /** How often the sweep runs: a scheduled window runs at most this late. */
  public static final Duration SWEEP_INTERVAL = Duration.minutes(5);
  /** CloudWatch namespace of the runs' metrics ({@code dev.pier.monitoring.tasks.RunMetrics}). */
  public static final String NAMESPACE = "Pier/Monitoring";
  /** A monitor catches up on at most 24 windows in one task; a run takes seconds (1 M rows from sketches: ≤ 5 s). */
  static final int WORKER_TIMEOUT_MINUTES = 15;
  /** Partition keys of the profile index's items ({@code ProfileIndex.PK_PREFIX}), all the capturing functions write. */
  static final String PROFILE_INDEX_KEYS = "profiles#*";
  /** The DynamoDB attribute whose time expires pending-feedback entries ({@code FeedbackStore.TTL}). */
  static final String TTL_ATTRIBUTE = "expiresAt";

  private final PierConfig config;
  private final DataStack data;
  private final Table table;
  private final Bucket bucket;
  private final Key topicKey;
  private final Topic alertTopic;
  private final ApiFunction worker;
  private final StateMachine stateMachine;
  private final List<Alarm> alarms = new ArrayList<>();

  public MonitoringStack(Construct scope, String id, StackProps props, PierConfig config, DataStack data) {
    super(scope, id, props);
    this.config = config;
    this.data = data;
    this.table = createTable();
    this.bucket = createBucket();
    this.topicKey = Key.Builder.create(this, "AlertTopicKey")
        .description("Pier " + config.stage() + ": encrypts the monitoring alert topic")
        .enableKeyRotation(true)
        .removalPolicy(removal())
        .build();
    // CloudWatch alarms publish to the topic, so they may use its key (the AWS-managed SNS key would refuse them).
    topicKey.grant(new ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey");
    this.alertTopic = Topic.Builder.create(this, "AlertTopic")
        .topicName(alertTopicName(config))
        .displayName("Pier " + config.stage() + " monitoring alerts")
        .masterKey(topicKey)
        .enforceSsl(true)
        .build();
    if (config.alarmEmail() != null) {
      alertTopic.addSubscription(new EmailSubscription(config.alarmEmail()));
    }
    this.worker = createWorker();
    this.stateMachine = createStateMachine();
    if (stateMachine != null) {
      scheduleSweep();
    }
    createAlarms();
  }

  /** The monitoring table's name: fixed, so other stacks' functions take it as a plain value. */
  public static String tableName(PierConfig config) {
    return config.prefix() + "-monitoring";
  }

  /** The monitoring bucket's name (references, runs): fixed per account and region, likewise. */
  public static String bucketName(PierConfig config) {
    return Fn.sub(config.prefix() + "-monitoring-${AWS::AccountId}-${AWS::Region}");
  }

  public Table table() {
    return table;
  }

  public Bucket bucket() {
    return bucket;
  }

  public Topic alertTopic() {
    return alertTopic;
  }

  public ApiFunction worker() {
    return worker;
  }

  /** Null when the state machines folder has no {@value #STATE_MACHINE} file. */
  public StateMachine stateMachine() {
    return stateMachine;
  }

  public List<Alarm> alarms() {
    return List.copyOf(alarms);
  }

  /**
   * The layout the monitors module reads and writes ({@code DynamoTables.SINGLE_TABLE}: pk, sk and the gsi1 index that
   * lists monitors) with TTL on {@value #TTL_ATTRIBUTE}; encrypted with the data key, recoverable to a point in time.
   */
  private Table createTable() {
    Table t = Table.Builder.create(this, "MonitoringTable")
        .tableName(tableName(config))
        .partitionKey(Attribute.builder().name("pk").type(AttributeType.STRING).build())
        .sortKey(Attribute.builder().name("sk").type(AttributeType.STRING).build())
        .timeToLiveAttribute(TTL_ATTRIBUTE)
        .billingMode(BillingMode.PAY_PER_REQUEST)
        .encryption(TableEncryption.CUSTOMER_MANAGED)
        .encryptionKey(data.key())
        .pointInTimeRecoverySpecification(PointInTimeRecoverySpecification.builder()
            .pointInTimeRecoveryEnabled(true)
            .build())
        .deletionProtection(config.prod())
        .removalPolicy(removal())
        .build();
    t.addGlobalSecondaryIndex(GlobalSecondaryIndexProps.builder()
        .indexName("gsi1")
        .partitionKey(Attribute.builder().name("gsi1pk").type(AttributeType.STRING).build())
        .sortKey(Attribute.builder().name("gsi1sk").type(AttributeType.STRING).build())
        .projectionType(ProjectionType.ALL)
        .build());
    return t;
  }

  /** References and runs ({@code monitors/<id>/…}): kept as long as their monitor; old versions a month. */
  private Bucket createBucket() {
    return Bucket.Builder.create(this, "MonitoringBucket")
        .bucketName(bucketName(config))
        .encryption(BucketEncryption.KMS)
        .encryptionKey(data.outputsKey())
        .bucketKeyEnabled(true)
        .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
        .enforceSsl(true)
        .minimumTlsVersion(1.2)
        .objectOwnership(ObjectOwnership.BUCKET_OWNER_ENFORCED)
        .versioned(true)
        .serverAccessLogsBucket(AccessLogsBucket.create(this, "AccessLogsBucket", config))
        .serverAccessLogsPrefix("monitoring/")
        .lifecycleRules(List.of(LifecycleRule.builder()
            .id("expire-old-versions")
            .noncurrentVersionExpiration(Duration.days(30))
            .abortIncompleteMultipartUploadAfter(Duration.days(1))
            .build()))
        .removalPolicy(removal())
        .build();
  }

  /** The alert topic's name: fixed, like the table's. */
  public static String alertTopicName(PierConfig config) {
    return config.prefix() + "-monitoring-alerts";
  }

  /** Names of the alarms made per monitor check at run time ({@code MonitorAlarms}) begin with this. */
  public static String alarmPrefix(PierConfig config) {
    return config.prefix() + "-monitor-";
  }

  /**
   * Where monitors are created, changed, deleted and run: each check gets a CloudWatch alarm named
   * {@link #alarmPrefix} on the metric its runs write, notifying the alert topic.
   */
  private Map<String, String> alarmEnvironment() {
    // the topic's ARN from its fixed name, not a reference: the api stack's functions take it as a plain value
    return Map.of("PIER_MONITORING_ALARM_TOPIC_ARN", Fn.sub("arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:"
        + alertTopicName(config)),
        "PIER_MONITORING_ALARM_PREFIX", alarmPrefix(config));
  }

  /** What the monitors module is configured with wherever it runs in AWS. */
  private Map<String, String> environment() {
    Map<String, String> env = new java.util.LinkedHashMap<>();
    env.put("PIER_MONITORING_TABLE", tableName(config));
    env.put("PIER_MONITORING_BUCKET", bucketName(config));
    env.put("PIER_CAPTURE_BUCKET", data.captures().getBucketName());
    env.put("PIER_MONITORING_EVENT_BUS_NAME", "default");
    return env;
  }

  /**
   * Runs monitors: reads the registry and artifacts (SHAP importance loads the model), captures and their profiles,
   * and labels; writes monitors, runs, alerts and references; publishes alerts to the alert topic and the default
   * event bus.
   */
  private List<PolicyStatement> runPermissions() {
    List<PolicyStatement> p = new ArrayList<>(ApiStack.scoringPermissions(config, data));
    p.add(ApiStack.signingPublicKey(data));
    p.add(PolicyStatement.Builder.create()
        .sid("ReadWriteMonitoring")
        .actions(List.of("dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem",
            "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem"))
        .resources(List.of(table.getTableArn(), table.getTableArn() + "/index/gsi1"))
        .build());
    p.add(PolicyStatement.Builder.create()
        .sid("MonitoringTableKey")
        .actions(List.of("kms:Encrypt", "kms:GenerateDataKey"))
        .resources(List.of(data.key().getKeyArn()))
        .build());
    p.add(PolicyStatement.Builder.create()
        .sid("ReadWriteMonitoringObjects")
        .actions(List.of("s3:GetObject", "s3:PutObject", "s3:DeleteObject"))
        .resources(List.of(bucket.arnForObjects("monitors/*")))
        .build());
    p.add(PolicyStatement.Builder.create()
        .sid("ReadCapturesAndProfiles")
        .actions(List.of("s3:GetObject"))
        .resources(List.of(data.captures().arnForObjects("captures/*"), data.captures().arnForObjects("profiles/*")))
        .build());
    p.add(PolicyStatement.Builder.create()
        .sid("ListMonitoringObjects")
        .actions(List.of("s3:ListBucket"))
        .resources(List.of(bucket.getBucketArn(), data.captures().getBucketArn()))
        .build());
    p.add(PolicyStatement.Builder.create()
        .sid("MonitoringObjectsKey")
        .actions(List.of("kms:Decrypt", "kms:GenerateDataKey"))
        .resources(List.of(data.outputsKey().getKeyArn()))
        .build());
    p.add(PolicyStatement.Builder.create()
        .sid("PublishAlerts")
        .actions(List.of("sns:Publish"))
        .resources(List.of(alertTopic.getTopicArn()))
        .build());
    p.add(PolicyStatement.Builder.create()
        .sid("AlertTopicKey")
        .actions(List.of("kms:Decrypt", "kms:GenerateDataKey"))
        .resources(List.of(topicKey.getKeyArn()))
        .build());
    p.add(PolicyStatement.Builder.create()
        .sid("MonitorAlarms")
        .actions(List.of("cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms"))
        .resources(List.of(Fn.sub("arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:"
            + alarmPrefix(config) + "*")))
        .build());
    p.add(PolicyStatement.Builder.create()
        .sid("PutAlertEvents")
        .actions(List.of("events:PutEvents"))
        .resources(List.of(Fn.sub("arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default")))
        .build());
    return p;
  }

  private static final String OBJECTS_REASON = "Monitors keep their reference and runs as objects under "
      + "monitors/<monitor id>/ of the monitoring bucket and read captures and hourly profiles under captures/ and "
      + "profiles/ of the captures bucket, all named at run time; nothing else in either bucket. Each monitor check's "
      + "CloudWatch alarm is made at run time, named <prefix>-monitor-<monitor id>-<check>.";
  private static final String[] OBJECTS_FINDINGS = {"/^Resource::.*MonitoringBucket.*\\/monitors\\/\\*$/",
      "/^Resource::arn:.*:cloudwatch:.*:alarm:.*-monitor-\\*$/",
      "/^Resource::.*CapturesBucket.*\\/captures\\/\\*$/", "/^Resource::.*CapturesBucket.*\\/profiles\\/\\*$/"};

  private ApiFunction createWorker() {
    Map<String, String> env = new java.util.LinkedHashMap<>(environment());
    env.put("PIER_REGISTRY_TABLE", data.registryTable().getTableName());
    env.put("PIER_REGISTRY_ARTIFACTS_BUCKET", data.artifacts().getBucketName());
    env.put("PIER_ARTIFACTS_REQUIRE_SIGNATURE", Boolean.toString(config.requireArtifactSignature()));
    env.put("PIER_ARTIFACTS_SIGNING_KMS_KEY_ID", data.signingKey().getKeyArn());
    // runs come from the state machine; no timer of its own
    env.put("PIER_MONITORING_SCHEDULE_INTERVAL", "0s");
    env.putAll(alarmEnvironment());
    ApiFunction f = new ApiFunction(this, "MonitoringWorker", config, "monitoring worker (monitor-runs tasks)",
        ApiFunction.Trigger.stateMachineTask(Duration.minutes(WORKER_TIMEOUT_MINUTES)),
        config.batchWorkerMemoryMb(), env, runPermissions());
    ApiStack.suppressScoringFindings(f, OBJECTS_REASON, OBJECTS_FINDINGS);
    Nag.suppress(f.role(), "AwsSolutions-IAM5", "The monitors' index gsi1 is named in full; its ARN ends in the "
        + "index name, not a wildcard.", "/^Resource::.*MonitoringTable.*\\/index\\/gsi1$/");
    return f;
  }

  /**
   * The api functions serve monitoring too: the data plane (and the workers that score) capture predictions and profile
   * each stored batch; the control plane answers {@code /api/v1/monitors}, feedback and
   * profiles and runs monitors now. Each gets the monitoring configuration and a policy of this stack.
   */
  public void serve(ApiStack api, WorkersStack workers) {
    for (ApiFunction f : List.of(api.controlPlane())) {
      environment().forEach(f.function()::addEnvironment);
      f.function().addEnvironment("PIER_MONITORING_SCHEDULE_INTERVAL", "0s");
      alarmEnvironment().forEach(f.function()::addEnvironment);
      attach("ControlPlaneMonitoring", f, runPermissions());
    }
    List<PolicyStatement> capture = List.of(
        PolicyStatement.Builder.create()
            .sid("WriteCapturesAndProfiles")
            .actions(List.of("s3:PutObject"))
            .resources(List.of(data.captures().arnForObjects("captures/*"),
                data.captures().arnForObjects("profiles/*")))
            .build(),
        PolicyStatement.Builder.create()
            .sid("EncryptCaptures")
            .actions(List.of("kms:GenerateDataKey"))
            .resources(List.of(data.outputsKey().getKeyArn()))
            .build(),
        // each stored profile object is indexed (ProfileIndex): create-only puts of items whose partition key is a
        // profile index key; feedback is matched by the runs, so nothing per capture
        PolicyStatement.Builder.create()
            .sid("IndexProfiles")
            .actions(List.of("dynamodb:PutItem"))
            .resources(List.of(table.getTableArn()))
            .conditions(Map.of("ForAllValues:StringLike", Map.of("dynamodb:LeadingKeys", List.of(PROFILE_INDEX_KEYS))))
            .build(),
        PolicyStatement.Builder.create()
            .sid("IndexProfilesTableKey")
            .actions(List.of("kms:Encrypt", "kms:GenerateDataKey"))
            .resources(List.of(data.key().getKeyArn()))
            .build());
    Map<String, ApiFunction> capturing = new java.util.LinkedHashMap<>();
    capturing.put("DataPlaneCapture", api.dataPlane());
    capturing.put("AsyncWorkerCapture", workers.asyncWorker());
    capturing.put("BatchWorkerCapture", workers.batchWorker());
    capturing.forEach((id, f) -> {
      environment().forEach(f.function()::addEnvironment);
      f.function().addEnvironment("PIER_MONITORING_SCHEDULE_INTERVAL", "0s");
      attach(id, f, capture);
    });
  }

  private void attach(String id, ApiFunction f, List<PolicyStatement> statements) {
    Policy policy = Policy.Builder.create(this, id)
        .roles(List.of(f.role()))
        .statements(statements)
        .build();
    Nag.suppress(policy, "AwsSolutions-IAM5", OBJECTS_REASON + " Captures and profiles are written as objects "
        + "named by model, version and hour at write time. The monitors' index gsi1 is named in full. Artifacts are "
        + "content-addressed objects under artifacts/sha256/ (SHAP importance loads the model); versions placed on "
        + "endpoints are served by this stage's SageMaker endpoints (pier-<stage>-*).",
        "/^Resource::arn:.*:endpoint\\/pier-[a-z]+-\\*$/",
        "/^Resource::.*CapturesBucket.*\\/captures\\/\\*$/", "/^Resource::.*CapturesBucket.*\\/profiles\\/\\*$/",
        "/^Resource::.*MonitoringBucket.*\\/monitors\\/\\*$/", "/^Resource::.*MonitoringTable.*\\/index\\/gsi1$/",
        "/^Resource::.*ArtifactsBucket.*\\/artifacts\\/sha256\\/\\*$/",
        "/^Resource::arn:.*:cloudwatch:.*:alarm:.*-monitor-\\*$/");
  }

  /** {@value #STATE_MACHINE} from the state machines folder, its tasks the worker's {@code live} alias. */
  private StateMachine createStateMachine() {
    AslFile asl = AslFile.load(config.stateMachinesDir()).stream().filter(a -> a.name().equals(STATE_MACHINE))
        .findFirst().orElse(null);
    if (asl == null) {
      System.err.println("pier-cdk: no " + STATE_MACHINE + AslFile.SUFFIX + " in " + config.stateMachinesDir()
          + ": scheduled monitor runs are not deployed");
      return null;
    }
    StateMachine machine = LoggedStateMachine.deploy(this, asl.constructId(), config, STATE_MACHINE, asl.definition(),
        Map.of("MonitoringWorkerFunction", worker.alias().getFunctionArn()), Duration.hours(1));
    machine.addToRolePolicy(PolicyStatement.Builder.create()
        .sid("InvokeMonitoringWorker")
        .actions(List.of("lambda:InvokeFunction"))
        .resources(List.of(worker.alias().getFunctionArn()))
        .build());
    LoggedStateMachine.suppressLogsAndTraces(machine);
    return machine;
  }

  /** One EventBridge rule starts a sweep every {@link #SWEEP_INTERVAL}; a start EventBridge cannot make is retried. */
  private void scheduleSweep() {
    Rule.Builder.create(this, "MonitorRunsSchedule")
        .ruleName(config.prefix() + "-monitor-runs")
        .description("Pier: run the monitors' due scheduled windows")
        .schedule(Schedule.rate(SWEEP_INTERVAL))
        .targets(List.of(SfnStateMachine.Builder.create(stateMachine).retryAttempts(3).build()))
        .build();
  }

  /**
   * Alarms, each to the alert topic: any alert raised by a run (metric {@code Alerts} over all monitors), dataset
   * drift in any run, a failed sweep (a monitor's tasks that failed after retries end caught, so this is the sweep
   * itself), and the worker's errors. Missing data (no run in the period) is not breaching.
   */
  private void createAlarms() {
    alarm("MonitorAlertsRaised", "A monitor run raised an alert (see GET /api/v1/monitors/{id}/alerts)",
        runMetric("Alerts", "Sum"), 1);
    alarm("MonitorDatasetDrift", "A monitor run found dataset drift (share of drifted columns at or over the monitor's"
        + " threshold)", runMetric("DatasetDrift", "Maximum"), 1);
    alarm("MonitoringWorkerErrors", "The monitoring worker Lambda failed", worker.alias().metricErrors(
        software.amazon.awscdk.services.cloudwatch.MetricOptions.builder().period(SWEEP_INTERVAL).statistic("Sum")
            .build()), 1);
    if (stateMachine != null) {
      alarm("MonitorRunsFailed", "A monitor-runs sweep failed", stateMachine.metricFailed(
          software.amazon.awscdk.services.cloudwatch.MetricOptions.builder().period(SWEEP_INTERVAL).statistic("Sum")
              .build()), 1);
    }
  }

  /** A run metric over all monitors (the EMF lines' dimensionless set). */
  static Metric runMetric(String name, String statistic) {
    return Metric.Builder.create().namespace(NAMESPACE).metricName(name).statistic(statistic)
        .period(SWEEP_INTERVAL).build();
  }

  private void alarm(String id, String description, Metric metric, double threshold) {
    Alarm alarm = Alarm.Builder.create(this, id)
        .alarmDescription("Pier " + config.stage() + ": " + description)
        .metric(metric)
        .threshold(threshold)
        .evaluationPeriods(1)
        .comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
        .treatMissingData(TreatMissingData.NOT_BREACHING)
        .build();
    alarm.addAlarmAction(new SnsAction(alertTopic));
    alarms.add(alarm);
  }

  private RemovalPolicy removal() {
    return config.prod() ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
  }
}
