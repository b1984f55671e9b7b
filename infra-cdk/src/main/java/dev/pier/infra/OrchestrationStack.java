package dev.pier.infra;

import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Fn;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.events.CfnRule;
import software.amazon.awscdk.services.events.EventPattern;
import software.amazon.awscdk.interfaces.events.IRuleRef;
import software.amazon.awscdk.services.events.RuleTargetConfig;
import software.amazon.awscdk.services.sqs.IQueue;
import software.amazon.awscdk.services.events.IRuleTarget;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.iam.IRole;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.stepfunctions.StateMachine;
import software.constructs.Construct;

/**
 * Batch and background jobs: one Step Functions state machine per ASL file (logging everything and traced with
 * X-Ray), and the EventBridge rule that turns S3 uploads under {@code incoming/} of the batch bucket into work.
 *
 * <p>ASL files may use these {@code ${Placeholder}}s: {@code BatchBucket}, {@code BatchUploadsQueueUrl},
 * {@code RegistryTable}, {@code BatchWorkerFunction} (the ARN of the batch worker Lambda's {@code live} alias, which
 * batch-scoring's tasks invoke: {@link WorkersStack#batchWorker()}), {@code ExperimentsWorkerFunction} (the
 * experiments worker's {@code live} alias: {@link WorkersStack#experimentsWorker()}). A state machine that uses the
 * batch worker or bucket may read and write objects under {@code jobs/} of the batch bucket (batch-scoring's
 * Distributed Map reads each job's chunk plan there and writes its results there) and invoke the batch worker; one
 * that uses the experiments worker may invoke it; nothing else; give more here, statement by statement, when a file
 * needs it.
 *
 * <p>Batch schedules are EventBridge Scheduler schedules the API creates at run time; this stack holds the role they
 * assume ({@link #schedulerRole}). Recurring monitoring and retraining jobs can reuse the pattern.
 */
public final class OrchestrationStack extends Stack {
  /** The state machine that, when its ASL file exists, is started for each batch upload. */
  public static final String BATCH_STATE_MACHINE = "batch-scoring";

  private final PierConfig config;
  private final DataStack data;
  private final WorkersStack workers;
  private final List<StateMachine> stateMachines = new ArrayList<>();
  private final Rule batchUploadRule;
  private final Role schedulerRole;
  private final TrainingResources training;

  public OrchestrationStack(Construct scope, String id, StackProps props, PierConfig config, DataStack data,
      WorkersStack workers) {
    super(scope, id, props);
    this.config = config;
    this.data = data;
    this.workers = workers;
    this.training = new TrainingResources(this, "Training", config, data);
    createStateMachines();
    scheduleExperimentAnalysis();
    this.batchUploadRule = createBatchUploadRule();
    this.schedulerRole = createSchedulerRole();
  }

  /** What EventBridge Scheduler assumes for batch schedules: start the batch-scoring state machine, nothing else. */
  public Role schedulerRole() {
    return schedulerRole;
  }

  /** The role's name, fixed so the api stack can pass it to schedules without referencing this stack. */
  public static String schedulerRoleName(PierConfig config) {
    return config.prefix() + "-batch-scheduler";
  }

  /** The batch-scoring state machine's ARN, from its fixed name (for stacks deployed before this one). */
  public static String batchStateMachineArn(PierConfig config) {
    return Fn.sub("arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:" + config.prefix()
        + "-" + BATCH_STATE_MACHINE);
  }

  /**
   * Batch schedules (created by the API as EventBridge Scheduler schedules, see
   * {@code dev.pier.batch.EventBridgeScheduleTrigger}) start batch-scoring as this role; only Scheduler of this
   * account may assume it.
   */
  private Role createSchedulerRole() {
    Role role = Role.Builder.create(this, "BatchSchedulerRole")
        .roleName(schedulerRoleName(config))
        .assumedBy(new ServicePrincipal("scheduler.amazonaws.com").withConditions(Map.of(
            "StringEquals", Map.of("aws:SourceAccount", Aws.ACCOUNT_ID))))
        .description("Lets Pier's batch schedules start the batch-scoring state machine")
        .build();
    role.addToPolicy(PolicyStatement.Builder.create()
        .sid("StartBatchScoring")
        .actions(List.of("states:StartExecution"))
        .resources(List.of(batchStateMachineArn(config)))
        .build());
    return role;
  }

  /** SageMaker training: its execution role, its .sync state machine, its budget. */
  public TrainingResources training() {
    return training;
  }

  public List<StateMachine> stateMachines() {
    return List.copyOf(stateMachines);
  }

  public Rule batchUploadRule() {
    return batchUploadRule;
  }

  /**
   * A state machine for each ASL file whose placeholders this stack can fill; the training workflow with its worker
   * Lambda and the SageMaker training machine ({@link TrainingResources#deployWorkflow}). One that needs another is
   * left out rather than deployed as a machine that cannot run; synth says so on stderr.
   */
  private void createStateMachines() {
    AslFile workflow = null;
    for (AslFile asl : AslFile.load(config.stateMachinesDir())) {
      if (asl.name().equals(TrainingResources.WORKFLOW)) {
        workflow = asl; // after sagemaker-training, which it runs
        continue;
      }
      if (asl.name().equals(FeaturesStack.STATE_MACHINE) || asl.name().equals(FeaturesStack.HISTORICAL_STATE_MACHINE)) {
        continue; // the features stack deploys them, with the feature worker behind their tasks
      }
      if (asl.name().equals(MonitoringStack.STATE_MACHINE)) {
        continue; // deployed by the monitoring stack, with its worker
      }
      if (asl.name().equals(TrainingResources.STATE_MACHINE)) {
        stateMachines.add(training.deploy(asl)); // its own role: SageMaker, no batch objects or worker
        continue;
      }
      Set<String> unknown = new LinkedHashSet<>(asl.placeholders());
      unknown.removeAll(substitutions().keySet());
      if (unknown.isEmpty()) {
        stateMachines.add(createStateMachine(asl));
      } else {
        System.err.println("pier-cdk: not deploying state machine " + asl.name() + ": nothing in this app fills "
            + unknown);
      }
    }
    if (workflow != null && training.stateMachine() != null) {
      stateMachines.add(training.deployWorkflow(workflow)); // with the training worker behind its tasks
    }
  }

  private Map<String, String> substitutions() {
    return Map.of(
        "BatchBucket", data.batch().getBucketName(),
        "BatchUploadsQueueUrl", workers.batchUploads().queue().getQueueUrl(),
        "RegistryTable", data.registryTable().getTableName(),
        "BatchWorkerFunction", workers.batchWorker().alias().getFunctionArn(),
        "ExperimentsWorkerFunction", workers.experimentsWorker().alias().getFunctionArn());
  }

  private StateMachine createStateMachine(AslFile asl) {
    StateMachine machine = LoggedStateMachine.deploy(this, asl.constructId(), config, asl.name(), asl.definition(),
        substitutions(), Duration.hours(24));
    if (asl.placeholders().contains("ExperimentsWorkerFunction")) {
      machine.addToRolePolicy(PolicyStatement.Builder.create()
          .sid("InvokeExperimentsWorker")
          // the alias only: the published SnapStart version it points at, never $LATEST
          .actions(List.of("lambda:InvokeFunction"))
          .resources(List.of(workers.experimentsWorker().alias().getFunctionArn()))
          .build());
    }
    if (!asl.placeholders().contains("BatchWorkerFunction") && !asl.placeholders().contains("BatchBucket")) {
      // no batch objects or worker to reach (experiment-analysis): its role has the logs and X-Ray grants only
      LoggedStateMachine.suppressLogsAndTraces(machine);
      return machine;
    }
    machine.addToRolePolicy(PolicyStatement.Builder.create()
        .sid("BatchJobObjects")
        // ItemReader: the chunk plan the batch worker wrote (jobs/<job>/plan.json); ResultWriter: the map run's
        // results under jobs/<job>/map-results/, written as multipart uploads. Inputs and outputs are the batch
        // worker's business, not the state machine's.
        .actions(List.of("s3:GetObject", "s3:PutObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"))
        .resources(List.of(data.batch().arnForObjects(DataStack.BATCH_JOBS_PREFIX + "*")))
        .build());
    machine.addToRolePolicy(PolicyStatement.Builder.create()
        .sid("ListBatchBucket")
        .actions(List.of("s3:ListBucket"))
        .resources(List.of(data.batch().getBucketArn()))
        .build());
    machine.addToRolePolicy(PolicyStatement.Builder.create()
        .sid("BatchObjectsKms")
        .actions(List.of("kms:Decrypt", "kms:GenerateDataKey"))
        .resources(List.of(data.outputsKey().getKeyArn()))
        .build());
    if (asl.definition().contains("\"DISTRIBUTED\"")) {
      // A Distributed Map runs its iterations as child executions of this very state machine, which its role must
      // be allowed to start, watch and stop (AWS: "IAM policies for using Distributed Map states"). By its fixed
      // name, not its ARN attribute: a role policy naming its own machine's ARN would be a circular reference.
      String name = config.prefix() + "-" + asl.name();
      String arn = "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:";
      machine.addToRolePolicy(PolicyStatement.Builder.create()
          .sid("DistributedMapChildren")
          .actions(List.of("states:StartExecution"))
          .resources(List.of(Fn.sub(arn + "stateMachine:" + name)))
          .build());
      machine.addToRolePolicy(PolicyStatement.Builder.create()
          .sid("DistributedMapChildExecutions")
          .actions(List.of("states:DescribeExecution", "states:StopExecution"))
          .resources(List.of(Fn.sub(arn + "execution:" + name + ":*")))
          .build());
    }
    machine.addToRolePolicy(PolicyStatement.Builder.create()
        .sid("InvokeBatchWorker")
        .actions(List.of("lambda:InvokeFunction"))
        // the alias only: the published SnapStart version it points at, never $LATEST
        .resources(List.of(workers.batchWorker().alias().getFunctionArn()))
        .build());
    Nag.suppress(machine, "AwsSolutions-IAM5",
        LoggedStateMachine.LOGS_AND_TRACES + "; the state machine reads each job's chunk plan and writes its map results as objects under "
            + "jobs/<job id>/ of the batch bucket, named at run time, and touches nothing else in the bucket; "
            + "a Distributed Map watches and stops the child executions of its own state machine "
            + "(execution:<this machine>:*), whose names Step Functions picks at run time.",
        "Resource::*", "/^Resource::.*BatchBucket.*\\/jobs\\/\\*$/", "/^Resource::arn:.*:execution:.*:\\*$/");
    return machine;
  }

  /** The experiments' analysis workflow, started every {@link #ANALYSIS_INTERVAL} once its ASL file deploys. */
  public static final String ANALYSIS_STATE_MACHINE = "experiment-analysis";

  /** How often the analysis runs: the guardrails act within one interval (the local server's default too). */
  public static final Duration ANALYSIS_INTERVAL = Duration.minutes(5);

  /**
   * An EventBridge schedule for {@value #ANALYSIS_STATE_MACHINE} (its {@code ${ExperimentsWorkerFunction}} is the
   * workers stack's experiments worker). The rule's role may start that machine only; an execution EventBridge cannot start is retried, then dropped
   * (the next interval's run analyses the same experiments).
   */
  private void scheduleExperimentAnalysis() {
    String analysisId = new AslFile(ANALYSIS_STATE_MACHINE, "").constructId();
    for (StateMachine machine : stateMachines) {
      if (!machine.getNode().getId().equals(analysisId)) {
        continue;
      }
      Role role = Role.Builder.create(this, "ExperimentAnalysisScheduleRole")
          .assumedBy(new ServicePrincipal("events.amazonaws.com"))
          .description("Lets the experiment-analysis schedule start " + machine.getNode().getId())
          .build();
      machine.grantStartExecution(role);
      Rule.Builder.create(this, "ExperimentAnalysisSchedule")
          .ruleName(config.prefix() + "-experiment-analysis")
          .description("Pier: analyse the running experiments")
          .schedule(software.amazon.awscdk.services.events.Schedule.rate(ANALYSIS_INTERVAL))
          .targets(List.of(new StartOnSchedule(machine.getStateMachineArn(), role)))
          .build();
    }
  }

  /** A rule target that starts a state machine as {@code role}, retried a few times. */
  private record StartOnSchedule(String arn, IRole role) implements IRuleTarget {
    @Override
    public RuleTargetConfig bind(IRuleRef rule) {
      return bind(rule, null);
    }

    @Override
    public RuleTargetConfig bind(IRuleRef rule, String id) {
      return RuleTargetConfig.builder().arn(arn).role(role)
          .retryPolicy(CfnRule.RetryPolicyProperty.builder().maximumRetryAttempts(3).build()).build();
    }
  }

  /**
   * S3 "Object Created" events for {@code incoming/} in the batch bucket. They start the {@value #BATCH_STATE_MACHINE}
   * state machine once its ASL file exists; until then they wait in the batch-uploads queue (14 days at most), so no
   * upload is dropped silently. Events EventBridge cannot deliver go to that queue's dead-letter queue.
   */
  private Rule createBatchUploadRule() {
    Rule rule = Rule.Builder.create(this, "BatchUploadRule")
        .ruleName(batchUploadRuleName(config))
        .description("Pier: batch uploads under " + DataStack.BATCH_INCOMING_PREFIX)
        .eventPattern(EventPattern.builder()
            .source(List.of("aws.s3"))
            .detailType(List.of("Object Created"))
            .detail(Map.of(
                "bucket", Map.of("name", List.of(data.batch().getBucketName())),
                "object", Map.of("key", List.of(Map.of("prefix", DataStack.BATCH_INCOMING_PREFIX)))))
            .build())
        .build();
    rule.addTarget(batchTarget());
    return rule;
  }

  /** The rule's name, fixed so the workers stack can let exactly this rule write to its queue. */
  public static String batchUploadRuleName(PierConfig config) {
    return config.prefix() + "-batch-uploads";
  }

  private IRuleTarget batchTarget() {
    var deadLetters = workers.batchUploads().deadLetters();
    String batchId = new AslFile(BATCH_STATE_MACHINE, "").constructId();
    for (StateMachine machine : stateMachines) {
      if (machine.getNode().getId().equals(batchId)) {
        Role role = Role.Builder.create(this, "BatchUploadRuleRole")
            .assumedBy(new ServicePrincipal("events.amazonaws.com"))
            .description("Lets the batch-upload rule start " + machine.getNode().getId())
            .build();
        machine.grantStartExecution(role);
        return new DeadLetteredTarget(machine.getStateMachineArn(), role, deadLetters);
      }
    }
    return new DeadLetteredTarget(workers.batchUploads().queue().getQueueArn(), null, deadLetters);
  }

  /**
   * A rule target whose dead-letter queue lives in the workers stack. CDK's own targets would add a statement naming
   * this rule to that queue's policy, a reference back to this stack that CloudFormation cannot order; the workers
   * stack allows the rule by name instead.
   */
  private record DeadLetteredTarget(String arn, IRole role, IQueue deadLetters) implements IRuleTarget {
    @Override
    public RuleTargetConfig bind(IRuleRef rule) {
      return bind(rule, null);
    }

    @Override
    public RuleTargetConfig bind(IRuleRef rule, String id) {
      return RuleTargetConfig.builder()
          .arn(arn)
          .role(role)
          .deadLetterConfig(CfnRule.DeadLetterConfigProperty.builder().arn(deadLetters.getQueueArn()).build())
          .retryPolicy(CfnRule.RetryPolicyProperty.builder().maximumRetryAttempts(8).build())
          .build();
    }
  }
}
