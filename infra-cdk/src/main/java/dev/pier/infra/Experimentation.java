package dev.pier.infra;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.constructs.Construct;

/**
 * The experiments' part of the app (online experiments, flags, holdouts and their automatic analysis), statement by
 * statement after the calls of {@code dev.pier.experiments.store.ExperimentStore} and {@code Flags} on the experiments
 * table ({@link DataStack#experimentsTable()}): the data plane reads the running experiments and holdouts and stores
 * exposures; the control plane manages experiments, flags and holdouts; the experiments worker — the api zip once
 * more, behind every task of {@code experiment-analysis.asl.json} — also moves aliases through the registry (a winner
 * promoted, a guardrail stop returning the alias to control), which writes the registry table and the audit trail.
 *
 * <p>Guardrail breaches are an EMF metric of the app ({@value #NAMESPACE} / {@value #GUARDRAIL_BREACHES}, written by
 * {@code dev.pier.api.platform.ExperimentMetrics} for each analysis that finds one), which the observability stack
 * alarms on ({@link #guardrailBreaches()}).
 */
final class Experimentation {
  /** The api's {@code pier.experiments.table}. */
  static final String TABLE_ENV = "PIER_EXPERIMENTS_TABLE";
  /** The EMF namespace of the experiments' metrics. */
  static final String NAMESPACE = "Pier/Experiments";
  /** Guardrail comparisons an analysis found breached (no dimensions: any experiment's breach alarms). */
  static final String GUARDRAIL_BREACHES = "GuardrailBreaches";
  /**
   * The worker's timeout: an analysis folds the experiment's stored batches not yet folded (all of them on a cold
   * start) and computes the results; two minutes leaves room for a long experiment's first fold.
   */
  static final int WORKER_TIMEOUT_SECONDS = 120;
  /** The worker's memory: the folded ledgers (about 250 bytes a unit) stay in memory between analyses. */
  static final int WORKER_MEMORY_MB = 2048;

  private Experimentation() {}

  /** {@code pier.experiments.table}, for every function that runs the experiments module. */
  static Map<String, String> environment(DataStack data) {
    return Map.of(TABLE_ENV, data.experimentsTable().getTableName());
  }

  /**
   * The data plane's share: read the running experiments and holdouts (a snapshot refreshed every few seconds) and
   * store the exposures it logs, one batch item each with its batch-id marker in one transaction (Put and
   * ConditionCheck), never overwriting or deleting anything.
   */
  static List<PolicyStatement> assign(DataStack data) {
    return List.of(
        PolicyStatement.Builder.create()
            .sid("AssignExperiments")
            .actions(List.of("dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:ConditionCheckItem"))
            .resources(tableAndIndex(data))
            .build(),
        tableKey(data, "ExperimentsTableKeyForAssignment"));
  }

  /**
   * The control plane's and the worker's share: create, transition and analyse experiments, record decisions, manage
   * flags and holdouts (a removed holdout is a delete).
   */
  static List<PolicyStatement> manage(DataStack data) {
    return List.of(
        PolicyStatement.Builder.create()
            .sid("ManageExperiments")
            .actions(List.of("dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem",
                "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"))
            .resources(tableAndIndex(data))
            .build(),
        tableKey(data, "ExperimentsTableKey"));
  }

  /**
   * The experiments worker: what {@code experiment-analysis.asl.json}'s tasks run ({@code running}, {@code analyze}).
   * Besides the experiments table it reads and writes the registry table (an automatic decision moves the alias, as
   * actor {@code experiment:<id>}, with the registry's approval rules) and writes the audit trail's state changes.
   */
  static ApiFunction createWorker(Construct scope, PierConfig config, DataStack data) {
    var registry = data.registryTable();
    List<PolicyStatement> permissions = new ArrayList<>(manage(data));
    permissions.add(PolicyStatement.Builder.create()
        .sid("MoveAliases")
        // an alias move is a transaction (Put, Update, ConditionCheck) on the registry's single table; reading the
        // model, its versions and approvals is Get and Query
        .actions(List.of("dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem",
            "dynamodb:ConditionCheckItem"))
        .resources(List.of(registry.getTableArn(), registry.getTableArn() + "/index/gsi1"))
        .build());
    permissions.add(PolicyStatement.Builder.create()
        .sid("WriteAuditEntries")
        // the alias move's audit entry: one object under audit/events/, written once under Object Lock
        .actions(List.of("s3:PutObject", "s3:PutObjectRetention"))
        .resources(List.of(data.audit().arnForObjects(DataStack.AUDIT_EVENTS_PREFIX + "*")))
        .build());
    permissions.add(PolicyStatement.Builder.create()
        .sid("EncryptAuditEntries")
        .actions(List.of("kms:GenerateDataKey"))
        .resources(List.of(data.outputsKey().getKeyArn()))
        .build());
    PierConfig.Retention r = config.retention();
    Map<String, String> env = new LinkedHashMap<>(environment(data));
    env.put("PIER_REGISTRY_TABLE", registry.getTableName());
    env.put("PIER_REGISTRY_ARTIFACTS_BUCKET", data.artifacts().getBucketName());
    env.put("PIER_AUDIT_BUCKET", data.audit().getBucketName());
    env.put("PIER_AUDIT_PREFIX", DataStack.AUDIT_PREFIX);
    env.put("PIER_AUDIT_OBJECT_LOCK_DAYS", Integer.toString(r.auditLockDays()));
    env.put("PIER_AUDIT_OBJECT_LOCK_MODE", r.auditLockMode().name().toUpperCase(java.util.Locale.ROOT));
    ApiFunction f = new ApiFunction(scope, "ExperimentsWorker", config, "experiments worker (experiment-analysis tasks)",
        ApiFunction.Trigger.stateMachineTask(Duration.seconds(WORKER_TIMEOUT_SECONDS)), WORKER_MEMORY_MB, env,
        permissions);
    Nag.suppress(f.role(), "AwsSolutions-IAM5", "Audit entries are one object each under audit/events/, named at "
        + "write time; the worker writes nothing else in the audit bucket.", "/^Resource::.*\\/audit\\/events\\/\\*$/");
    return f;
  }

  /** Guardrail breaches found by analyses, summed over {@code period}. */
  static Metric guardrailBreaches(Duration period) {
    return Metric.Builder.create()
        .namespace(NAMESPACE)
        .metricName(GUARDRAIL_BREACHES)
        .statistic("Sum")
        .period(period)
        .build();
  }

  private static List<String> tableAndIndex(DataStack data) {
    var table = data.experimentsTable();
    return List.of(table.getTableArn(), table.getTableArn() + "/index/gsi1");
  }

  /** The table is encrypted with the data key: use it, through DynamoDB only. */
  private static PolicyStatement tableKey(DataStack data, String sid) {
    return PolicyStatement.Builder.create()
        .sid(sid)
        .actions(List.of("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"))
        .resources(List.of(data.key().getKeyArn()))
        .conditions(Map.of("StringEquals", Map.of("kms:ViaService",
            software.amazon.awscdk.Fn.sub("dynamodb.${AWS::Region}.amazonaws.com"))))
        .build();
  }
}
