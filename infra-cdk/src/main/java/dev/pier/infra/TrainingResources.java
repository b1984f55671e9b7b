package dev.pier.infra;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.budgets.CfnBudget;
import software.amazon.awscdk.services.events.EventPattern;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.events.targets.LambdaFunction;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.sns.Topic;
import software.amazon.awscdk.services.sns.subscriptions.EmailSubscription;
import software.amazon.awscdk.services.stepfunctions.StateMachine;
import software.constructs.Construct;

/**
 * Training in AWS: the SageMaker execution role its training jobs run as, the state machine that runs one SageMaker
 * training job through Step Functions' {@code .sync} integration ({@value #STATE_MACHINE}{@code .asl.json}: managed
 * spot with checkpoints in S3, MaxRuntime and MaxWait), and the cost alarm — a monthly AWS Budget on SageMaker's cost
 * that notifies its own topic at 80 % of actual and 100 % of forecast spend.
 *
 * <p>Everything a training job reads or writes lives under {@value #PREFIX} of the batch bucket (its channels, which
 * the training server writes there, the model output under {@code training/<job>/output/}, checkpoints under
 * {@value #CHECKPOINTS}, expired after {@link DataStack#TRAINING_CHECKPOINT_DAYS} days), encrypted with the
 * outputs key; the role can touch nothing else. Context key {@code trainingMonthlyBudgetUsd} sets the budget (100 in
 * dev, 1,000 in prod by default).
 */
public final class TrainingResources extends Construct {
  /** The ASL file (without {@code .asl.json}) this construct deploys. */
  public static final String STATE_MACHINE = "sagemaker-training";
  /** The training workflow's ASL file: deployed with the training worker Lambda behind its tasks. */
  public static final String WORKFLOW = "training";
  public static final String WORKER_HANDLER = "dev.pier.training.jobs.TrainingWorkerHandler::handleRequest";
  /** {@code mvn -pl functions/training-jobs -am package -Pworker}; context {@code trainingWorkerZip} overrides it. */
  public static final Path DEFAULT_WORKER_ZIP =
      Path.of("../functions/training-jobs/target/training-worker/training-worker.zip");
  /** SageMaker's XGBoost image in us-east-1; context {@code trainingXgboostImage} names the region's. */
  public static final String DEFAULT_XGBOOST_IMAGE =
      "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1";
  /** The rule Step Functions manages to hear when a child execution ends ({@code startExecution.sync}). */
  static final String EXECUTION_SYNC_RULE = "StepFunctionsGetEventsForStepFunctionsExecutionRule";
  public static final String PREFIX = "training/";
  public static final String CHECKPOINTS = DataStack.TRAINING_CHECKPOINTS_PREFIX;
  /** The rule Step Functions manages to hear when a SageMaker training job ends (the {@code .sync} pattern). */
  static final String SYNC_RULE = "StepFunctionsGetEventsForSageMakerTrainingJobsRule";

  private final PierConfig config;
  private final DataStack data;
  private final Role sageMakerRole;
  private final Topic costTopic;
  private final CfnBudget budget;
  private StateMachine stateMachine;

  /** The training worker's fixed name: the API Lambda forwards training's routes to it by name. */
  public static String workerFunctionName(PierConfig config) {
    return config.prefix() + "-training-worker";
  }

  /** The training workflow's ARN, from its fixed name (what the worker starts a submitted job as). */
  public static String workflowArn(PierConfig config) {
    return software.amazon.awscdk.Fn.sub("arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:"
        + config.prefix() + "-" + WORKFLOW);
  }

  /**
   * What the API Lambda (control plane) needs to serve training's routes: the worker's name, and invoking it (the
   * worker validates, records and starts jobs; the API Lambda does not carry training).
   */
  public static Map<String, String> apiEnvironment(PierConfig config) {
    return Map.of("PIER_TRAINING_WORKER_FUNCTION", workerFunctionName(config));
  }

  public static PolicyStatement apiStatement(PierConfig config) {
    return PolicyStatement.Builder.create()
        .sid("ForwardTrainingRoutes")
        .actions(List.of("lambda:InvokeFunction"))
        .resources(List.of(software.amazon.awscdk.Fn.sub("arn:${AWS::Partition}:lambda:${AWS::Region}:"
            + "${AWS::AccountId}:function:" + workerFunctionName(config))))
        .build();
  }

  public TrainingResources(Construct scope, String id, PierConfig config, DataStack data) {
    super(scope, id);
    this.config = config;
    this.data = data;
    this.sageMakerRole = createSageMakerRole();
    this.costTopic = createCostTopic();
    this.budget = createBudget();
  }

  public Role sageMakerRole() {
    return sageMakerRole;
  }

  public Topic costTopic() {
    return costTopic;
  }

  public CfnBudget budget() {
    return budget;
  }

  /** The state machine, once {@link #deploy} made it; else null (no such ASL file). */
  public StateMachine stateMachine() {
    return stateMachine;
  }

  /** The placeholders {@value #STATE_MACHINE}{@code .asl.json} needs. */
  public Map<String, String> substitutions() {
    return Map.of(
        "SageMakerRoleArn", sageMakerRole.getRoleArn(),
        "TrainingBucket", data.batch().getBucketName(),
        "TrainingKmsKey", data.outputsKey().getKeyArn());
  }

  /**
   * SageMaker assumes it for the training jobs it runs (only for this account's jobs): read the channels and write the
   * model and checkpoints under {@value #PREFIX} of the batch bucket, with the outputs key; write its logs and metrics;
   * pull the training image (SageMaker's XGBoost image, or a script's image in this account's {@code pier-training-*}
   * ECR repositories).
   */
  private Role createSageMakerRole() {
    Role role = Role.Builder.create(this, "SageMakerRole")
        .roleName(config.prefix() + "-sagemaker-training")
        .assumedBy(new ServicePrincipal("sagemaker.amazonaws.com").withConditions(Map.of(
            "StringEquals", Map.of("aws:SourceAccount", Aws.ACCOUNT_ID))))
        .description("Pier " + config.stage() + ": what SageMaker training jobs started by Pier may touch")
        .build();
    String trainingObjects = data.batch().arnForObjects(PREFIX + "*");
    role.addToPolicy(PolicyStatement.Builder.create()
        .sid("TrainingObjects")
        .actions(List.of("s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"))
        .resources(List.of(trainingObjects))
        .build());
    role.addToPolicy(PolicyStatement.Builder.create()
        .sid("ListTrainingObjects")
        .actions(List.of("s3:ListBucket"))
        .resources(List.of(data.batch().getBucketArn()))
        .conditions(Map.of("StringLike", Map.of("s3:prefix", List.of(PREFIX + "*"))))
        .build());
    role.addToPolicy(PolicyStatement.Builder.create()
        .sid("TrainingKms")
        .actions(List.of("kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"))
        .resources(List.of(data.outputsKey().getKeyArn()))
        .build());
    role.addToPolicy(PolicyStatement.Builder.create()
        .sid("TrainingVolumeGrant")
        .actions(List.of("kms:CreateGrant"))
        .resources(List.of(data.outputsKey().getKeyArn()))
        .conditions(Map.of("Bool", Map.of("kms:GrantIsForAWSResource", "true")))
        .build());
    String logs = "arn:" + Aws.PARTITION + ":logs:" + Aws.REGION + ":" + Aws.ACCOUNT_ID
        + ":log-group:/aws/sagemaker/TrainingJobs";
    role.addToPolicy(PolicyStatement.Builder.create()
        .sid("TrainingLogs")
        .actions(List.of("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"))
        .resources(List.of(logs, logs + ":log-stream:*"))
        .build());
    role.addToPolicy(PolicyStatement.Builder.create()
        .sid("TrainingMetrics")
        .actions(List.of("cloudwatch:PutMetricData"))
        .resources(List.of("*"))
        .conditions(Map.of("StringEquals", Map.of("cloudwatch:namespace", "/aws/sagemaker/TrainingJobs")))
        .build());
    role.addToPolicy(PolicyStatement.Builder.create()
        .sid("EcrToken")
        .actions(List.of("ecr:GetAuthorizationToken"))
        .resources(List.of("*"))
        .build());
    role.addToPolicy(PolicyStatement.Builder.create()
        .sid("TrainingImages")
        .actions(List.of("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"))
        .resources(List.of(
            // SageMaker's XGBoost image lives in an AWS-owned account that differs per region
            "arn:" + Aws.PARTITION + ":ecr:" + Aws.REGION + ":*:repository/sagemaker-xgboost",
            "arn:" + Aws.PARTITION + ":ecr:" + Aws.REGION + ":" + Aws.ACCOUNT_ID + ":repository/pier-training-*"))
        .build());
    Nag.suppress(role, "AwsSolutions-IAM5",
        "Training jobs read their channels and write their model and checkpoints as objects under training/ of the "
            + "batch bucket (training/<job>/..., training/checkpoints/<job>/...), named at run time; SageMaker names its "
            + "log streams per job (log-stream:*); ecr:GetAuthorizationToken and cloudwatch:PutMetricData support no "
            + "resource (the latter limited to SageMaker's training namespace by condition); SageMaker's XGBoost image "
            + "is in an AWS account that differs by region (repository/sagemaker-xgboost in any account), a script's "
            + "image in this account's pier-training-* repositories.",
        "Resource::*", "/^Resource::.*BatchBucket.*\\/training\\/\\*$/", "/^Resource::.*:log-stream:\\*$/",
        "/^Resource::arn:.*:ecr:.*:\\*:repository\\/sagemaker-xgboost$/",
        "/^Resource::arn:.*:repository\\/pier-training-\\*$/");
    return role;
  }

  /** The budget's notifications: an SNS topic with its own key, which AWS Budgets of this account may publish to. */
  private Topic createCostTopic() {
    Key key = Key.Builder.create(this, "CostTopicKey")
        .description("Pier " + config.stage() + ": encrypts the training cost topic")
        .enableKeyRotation(true)
        .removalPolicy(config.prod() ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY)
        .build();
    key.grant(new ServicePrincipal("budgets.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey");
    Topic topic = Topic.Builder.create(this, "CostTopic")
        .displayName("Pier " + config.stage() + " training cost")
        .masterKey(key)
        .enforceSsl(true)
        .build();
    topic.addToResourcePolicy(PolicyStatement.Builder.create()
        .sid("BudgetsPublish")
        .principals(List.of(new ServicePrincipal("budgets.amazonaws.com")))
        .actions(List.of("sns:Publish"))
        .resources(List.of(topic.getTopicArn()))
        .conditions(Map.of("StringEquals", Map.of("aws:SourceAccount", Aws.ACCOUNT_ID)))
        .build());
    if (config.alarmEmail() != null) {
      topic.addSubscription(new EmailSubscription(config.alarmEmail()));
    }
    return topic;
  }

  /** Monthly SageMaker cost: notified at 80 % of the actual and 100 % of the forecast spend. */
  private CfnBudget createBudget() {
    Object context = getNode().tryGetContext("trainingMonthlyBudgetUsd");
    double limit = context != null ? Double.parseDouble(context.toString()) : config.prod() ? 1000 : 100;
    var subscribers = List.of(CfnBudget.SubscriberProperty.builder()
        .subscriptionType("SNS").address(costTopic.getTopicArn()).build());
    return CfnBudget.Builder.create(this, "TrainingBudget")
        .budget(CfnBudget.BudgetDataProperty.builder()
            .budgetName(config.prefix() + "-training")
            .budgetType("COST")
            .timeUnit("MONTHLY")
            .budgetLimit(CfnBudget.SpendProperty.builder().amount(limit).unit("USD").build())
            .costFilters(Map.of("Service", List.of("Amazon SageMaker")))
            .build())
        .notificationsWithSubscribers(List.of(
            notification("ACTUAL", 80, subscribers),
            notification("FORECASTED", 100, subscribers)))
        .build();
  }

  private static CfnBudget.NotificationWithSubscribersProperty notification(String type, double percent,
      List<CfnBudget.SubscriberProperty> subscribers) {
    return CfnBudget.NotificationWithSubscribersProperty.builder()
        .notification(CfnBudget.NotificationProperty.builder()
            .notificationType(type).comparisonOperator("GREATER_THAN").threshold(percent)
            .thresholdType("PERCENTAGE").build())
        .subscribers(subscribers)
        .build();
  }

  /**
   * The state machine of {@code asl}: logs everything and is traced like the others; may create, watch and stop
   * SageMaker training jobs, pass the SageMaker role to SageMaker only, keep the {@code .sync} rule Step Functions
   * manages, and let SageMaker encrypt the training volume with the outputs key.
   */
  public StateMachine deploy(AslFile asl) {
    // a spot job may wait for capacity: the longest MaxWait SageMaker allows is 28 days
    StateMachine machine = LoggedStateMachine.deploy(this, asl.constructId(), config, asl.name(), asl.definition(),
        substitutions(), Duration.days(29));
    String arn = "arn:" + Aws.PARTITION + ":";
    machine.addToRolePolicy(PolicyStatement.Builder.create()
        .sid("SageMakerTrainingJobs")
        .actions(List.of("sagemaker:CreateTrainingJob", "sagemaker:DescribeTrainingJob",
            "sagemaker:StopTrainingJob", "sagemaker:AddTags"))
        .resources(List.of(arn + "sagemaker:" + Aws.REGION + ":" + Aws.ACCOUNT_ID + ":training-job/*"))
        .build());
    machine.addToRolePolicy(PolicyStatement.Builder.create()
        .sid("PassSageMakerRole")
        .actions(List.of("iam:PassRole"))
        .resources(List.of(sageMakerRole.getRoleArn()))
        .conditions(Map.of("StringEquals", Map.of("iam:PassedToService", "sagemaker.amazonaws.com")))
        .build());
    machine.addToRolePolicy(PolicyStatement.Builder.create()
        .sid("SyncRule")
        .actions(List.of("events:PutTargets", "events:PutRule", "events:DescribeRule"))
        .resources(List.of(arn + "events:" + Aws.REGION + ":" + Aws.ACCOUNT_ID + ":rule/" + SYNC_RULE))
        .build());
    machine.addToRolePolicy(PolicyStatement.Builder.create()
        .sid("TrainingVolumeGrant")
        .actions(List.of("kms:CreateGrant"))
        .resources(List.of(data.outputsKey().getKeyArn()))
        .conditions(Map.of("Bool", Map.of("kms:GrantIsForAWSResource", "true")))
        .build());
    Nag.suppress(machine, "AwsSolutions-IAM5",
        LoggedStateMachine.LOGS_AND_TRACES + "; the training jobs it starts are named at run time (training-job/*).",
        "Resource::*", "/^Resource::arn:.*:training-job\\/\\*$/");
    this.stateMachine = machine;
    return machine;
  }

  /**
   * The training workflow ({@value #WORKFLOW}{@code .asl.json}) with the training worker Lambda behind its tasks and
   * {@value #STATE_MACHINE} (deployed first, by {@link #deploy}) running its trials' folds and refit as SageMaker
   * training jobs. The worker reads and writes the jobs and registry tables, reads datasets and writes channels and
   * models in the batch bucket, and stores registered models in the artifacts bucket; the workflow may invoke only the
   * worker and start, watch and stop only executions of {@value #STATE_MACHINE}, and (its tuning states, for
   * {@code tuning.service sagemaker}) create, watch and stop only Pier's SageMaker tuning jobs.
   */
  public StateMachine deployWorkflow(AslFile asl) {
    if (stateMachine == null) {
      throw new IllegalStateException(WORKFLOW + " needs " + STATE_MACHINE + " deployed first");
    }
    Function worker = createWorker();
    Map<String, String> places = new java.util.HashMap<>(substitutions()); // the tuning states' role, bucket and key
    places.putAll(Map.of("TrainingWorkerFunction", worker.getFunctionArn(),
        "SageMakerTrainingStateMachine", stateMachine.getStateMachineArn()));
    StateMachine machine = LoggedStateMachine.deploy(this, asl.constructId(), config, asl.name(), asl.definition(),
        places, Duration.days(30));
    worker.grantInvoke(machine);
    executionEndedRule(machine, worker);
    String arn = "arn:" + Aws.PARTITION + ":";
    machine.addToRolePolicy(PolicyStatement.Builder.create()
        .sid("StartSageMakerTraining")
        .actions(List.of("states:StartExecution"))
        .resources(List.of(stateMachine.getStateMachineArn()))
        .build());
    machine.addToRolePolicy(PolicyStatement.Builder.create()
        .sid("WatchSageMakerTraining")
        .actions(List.of("states:DescribeExecution", "states:StopExecution"))
        .resources(List.of(arn + "states:" + Aws.REGION + ":" + Aws.ACCOUNT_ID + ":execution:" + config.prefix() + "-"
            + STATE_MACHINE + ":*"))
        .build());
    machine.addToRolePolicy(PolicyStatement.Builder.create()
        .sid("ExecutionSyncRule")
        .actions(List.of("events:PutTargets", "events:PutRule", "events:DescribeRule"))
        .resources(List.of(arn + "events:" + Aws.REGION + ":" + Aws.ACCOUNT_ID + ":rule/" + EXECUTION_SYNC_RULE))
        .build());
    Nag.suppress(machine, "AwsSolutions-IAM5",
        LoggedStateMachine.LOGS_AND_TRACES + "; the child executions of the SageMaker training state machine are named by Step Functions at run time "
            + "(execution:<machine>:*); lambda:InvokeFunction on the worker's versions (:*) is CDK's grant.",
        "Resource::*", "/^Resource::arn:.*:execution:.*-sagemaker-training:\\*$/", "/^Resource::.*TrainingWorker.*:\\*$/");
    allowTuning(machine);
    return machine;
  }

  /** SageMaker's tuning jobs of training jobs (tuning.service sagemaker) are named {@code <job id>-amt}. */
  static final String TUNING_JOBS = "hyper-parameter-tuning-job/tj-*";
  /** The rule Step Functions manages for {@code createHyperParameterTuningJob.sync}. */
  static final String TUNING_SYNC_RULE = "StepFunctionsGetEventsForSageMakerTuningJobsRule";

  /**
   * The workflow's tuning states (SageMaker Automatic Model Tuning, {@code createHyperParameterTuningJob.sync}): create,
   * watch and stop Pier's tuning jobs (named after the training job), pass the SageMaker role to SageMaker only, keep
   * the {@code .sync} rule, and let SageMaker encrypt the tuning job's training volumes with the outputs key.
   */
  private void allowTuning(StateMachine machine) {
    String arn = "arn:" + Aws.PARTITION + ":";
    machine.addToRolePolicy(PolicyStatement.Builder.create()
        .sid("SageMakerTuningJobs")
        .actions(List.of("sagemaker:CreateHyperParameterTuningJob", "sagemaker:DescribeHyperParameterTuningJob",
            "sagemaker:StopHyperParameterTuningJob", "sagemaker:AddTags", "sagemaker:ListTags"))
        .resources(List.of(arn + "sagemaker:" + Aws.REGION + ":" + Aws.ACCOUNT_ID + ":" + TUNING_JOBS))
        .build());
    machine.addToRolePolicy(PolicyStatement.Builder.create()
        .sid("PassSageMakerRoleToTuning")
        .actions(List.of("iam:PassRole"))
        .resources(List.of(sageMakerRole.getRoleArn()))
        .conditions(Map.of("StringEquals", Map.of("iam:PassedToService", "sagemaker.amazonaws.com")))
        .build());
    machine.addToRolePolicy(PolicyStatement.Builder.create()
        .sid("TuningSyncRule")
        .actions(List.of("events:PutTargets", "events:PutRule", "events:DescribeRule"))
        .resources(List.of(arn + "events:" + Aws.REGION + ":" + Aws.ACCOUNT_ID + ":rule/" + TUNING_SYNC_RULE))
        .build());
    machine.addToRolePolicy(PolicyStatement.Builder.create()
        .sid("TuningVolumeGrant")
        .actions(List.of("kms:CreateGrant"))
        .resources(List.of(data.outputsKey().getKeyArn()))
        .conditions(Map.of("Bool", Map.of("kms:GrantIsForAWSResource", "true")))
        .build());
    Nag.suppress(machine, "AwsSolutions-IAM5",
        "The tuning jobs the workflow starts are named after the training job at run time (" + TUNING_JOBS + ").",
        "/^Resource::arn:.*:hyper-parameter-tuning-job\\/tj-\\*$/");
  }

  /**
   * Executions of the training workflow that end FAILED, TIMED_OUT or ABORTED (stopped in the console, timed out,
   * failed outside a task — or through Pier's own fail task, which the worker tells apart) go to the training worker:
   * a job still RUNNING ends with the reason, and the queue dispatches. Only this rule may invoke the worker for it
   * (the Lambda permission names the rule); EventBridge retries a failed invocation.
   */
  private void executionEndedRule(StateMachine machine, Function worker) {
    Rule rule = Rule.Builder.create(this, "TrainingExecutionEnded")
        .description("Pier: training workflow executions that end outside Pier's tasks, to the training worker")
        .eventPattern(EventPattern.builder()
            .source(List.of("aws.states"))
            .detailType(List.of("Step Functions Execution Status Change"))
            .detail(Map.of(
                "stateMachineArn", List.of(machine.getStateMachineArn()),
                "status", List.of("FAILED", "TIMED_OUT", "ABORTED")))
            .build())
        .build();
    rule.addTarget(LambdaFunction.Builder.create(worker).retryAttempts(20).maxEventAge(Duration.hours(6)).build());
  }

  private Function createWorker() {
    DuckDbWorker worker = DuckDbWorker.prepare(this, config,
        "Pier training worker: the training workflow's tasks (datasets, channels, trials, registry)");
    Role role = worker.role();
    var jobs = data.jobsTable();
    var registry = data.registryTable();
    role.addToPolicy(PolicyStatement.Builder.create()
        .sid("Tables")
        .actions(List.of("dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:PutItem",
            "dynamodb:UpdateItem", "dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem",
            "dynamodb:TransactWriteItems"))
        .resources(List.of(jobs.getTableArn(), jobs.getTableArn() + "/index/*", registry.getTableArn(),
            registry.getTableArn() + "/index/*"))
        .build());
    role.addToPolicy(PolicyStatement.Builder.create()
        .sid("BatchBucket")
        .actions(List.of("s3:GetObject", "s3:PutObject", "s3:ListBucket"))
        .resources(List.of(data.batch().getBucketArn(), data.batch().arnForObjects("*")))
        .build());
    role.addToPolicy(PolicyStatement.Builder.create()
        .sid("Artifacts")
        .actions(List.of("s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:DeleteObject",
            "s3:AbortMultipartUpload"))
        .resources(List.of(data.artifacts().getBucketArn(), data.artifacts().arnForObjects("*")))
        .build());
    // the routes the API Lambda forwards: a submitted job starts as an execution of the workflow, a cancel stops it
    role.addToPolicy(PolicyStatement.Builder.create()
        .sid("StartTrainingJobs")
        .actions(List.of("states:StartExecution"))
        .resources(List.of(workflowArn(config)))
        .build());
    role.addToPolicy(PolicyStatement.Builder.create()
        .sid("StopTrainingJobs")
        .actions(List.of("states:StopExecution"))
        .resources(List.of(software.amazon.awscdk.Fn.sub("arn:${AWS::Partition}:states:${AWS::Region}:"
            + "${AWS::AccountId}:execution:" + config.prefix() + "-" + WORKFLOW + ":*")))
        .build());
    // a job tuned by SageMaker Automatic Model Tuning: its tuning job's training jobs are read and recorded as trials
    String sagemaker = "arn:" + Aws.PARTITION + ":sagemaker:" + Aws.REGION + ":" + Aws.ACCOUNT_ID + ":";
    role.addToPolicy(PolicyStatement.Builder.create()
        .sid("ReadTuningJobs")
        .actions(List.of("sagemaker:DescribeHyperParameterTuningJob",
            "sagemaker:ListTrainingJobsForHyperParameterTuningJob"))
        .resources(List.of(sagemaker + TUNING_JOBS))
        .build());
    role.addToPolicy(PolicyStatement.Builder.create()
        .sid("ReadTunedTrainingJobs")
        .actions(List.of("sagemaker:DescribeTrainingJob"))
        .resources(List.of(sagemaker + "training-job/tj-*"))
        .build());
    // a search with a pruner: its SageMaker trials are watched while they train and a pruned one's jobs stopped
    role.addToPolicy(PolicyStatement.Builder.create()
        .sid("StopPrunedTrainingJobs")
        .actions(List.of("sagemaker:StopTrainingJob"))
        .resources(List.of(sagemaker + "training-job/tj-*"))
        .build());
    // a SageMaker trial's per-round metrics: its training jobs' round lines, read from SageMaker's log group only
    String trainingLogs = "arn:" + Aws.PARTITION + ":logs:" + Aws.REGION + ":" + Aws.ACCOUNT_ID
        + ":log-group:/aws/sagemaker/TrainingJobs";
    role.addToPolicy(PolicyStatement.Builder.create()
        .sid("ReadTrainingLogs")
        .actions(List.of("logs:GetLogEvents", "logs:FilterLogEvents"))
        .resources(List.of(trainingLogs, trainingLogs + ":log-stream:*"))
        .build());
    Nag.suppress(role, "AwsSolutions-IAM5",
        "SageMaker names a training job's log streams in /aws/sagemaker/TrainingJobs at run time (log-stream:*); the "
            + "worker only reads them (logs:GetLogEvents, logs:FilterLogEvents).",
        "/^Resource::arn:.*:log-group:\\/aws\\/sagemaker\\/TrainingJobs:log-stream:\\*$/");
    Nag.suppress(role, "AwsSolutions-IAM5",
        "A SageMaker-tuned job's tuning job and its training jobs, and a watched trial's training jobs (described, "
            + "stopped when pruned), are named after the Pier job at run time (" + TUNING_JOBS + ", training-job/tj-*).",
        "/^Resource::arn:.*:hyper-parameter-tuning-job\\/tj-\\*$/", "/^Resource::arn:.*:training-job\\/tj-\\*$/");
    // the workflow's experiment step creates and starts experiments as the experiments API does
    Experimentation.manage(data).forEach(role::addToPolicy);
    data.key().grantEncryptDecrypt(role);
    data.outputsKey().grantEncryptDecrypt(role);
    data.artifactsKey().grantEncryptDecrypt(role);
    Nag.suppress(role, "AwsSolutions-IAM5",
        "X-Ray's PutTraceSegments and PutTelemetryRecords support no resource-level permissions (Resource '*'); the "
            + "worker reads datasets and writes channels and models as objects of the batch bucket and registered "
            + "models in the artifacts bucket, named at run time; the tables' indexes (index/*); a cancelled job's "
            + "execution of the training workflow, named after the job at run time (execution:<workflow>:*); KMS grants list "
            + "GenerateDataKey* and ReEncrypt* on their keys.",
        "Resource::*", "/^Resource::.*BatchBucket.*\\/\\*$/", "/^Resource::.*Artifacts.*\\/\\*$/",
        "/^Resource::.*Table.*\\/index\\/\\*$/", "Action::kms:GenerateDataKey*", "Action::kms:ReEncrypt*",
        "/^Resource::arn:.*:execution:.*-training:\\*$/");
    Object image = getNode().tryGetContext("trainingXgboostImage");
    return worker.function(this, config,
        "Pier training worker: the training workflow's tasks; trials and refits train on SageMaker", WORKER_HANDLER,
        DuckDbWorker.zip(this, "trainingWorkerZip", "PIER_TRAINING_WORKER_ZIP", DEFAULT_WORKER_ZIP),
        Map.of(
            "PIER_JOBS_TABLE", jobs.getTableName(),
            "PIER_TRAINING_BUCKET", data.batch().getBucketName(),
            "PIER_REGISTRY_TABLE", registry.getTableName(),
            "PIER_ARTIFACTS_BUCKET", data.artifacts().getBucketName(),
            "PIER_SAGEMAKER_XGBOOST_IMAGE", image != null ? image.toString() : DEFAULT_XGBOOST_IMAGE,
            "PIER_TRAINING_STATE_MACHINE_ARN", workflowArn(config),
            Experimentation.TABLE_ENV, data.experimentsTable().getTableName()),
        workerFunctionName(config));
  }
}
