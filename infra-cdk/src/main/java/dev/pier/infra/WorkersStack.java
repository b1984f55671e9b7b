package dev.pier.infra;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Fn;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.lambda.eventsources.SqsEventSource;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.sns.subscriptions.SqsSubscription;
import software.amazon.awscdk.services.sqs.DeadLetterQueue;
import software.amazon.awscdk.services.sqs.Queue;
import software.amazon.awscdk.services.sqs.QueueEncryption;
import software.constructs.Construct;

/**
 * Work queues for the {@code workers} app (Funqy handlers for events and state-machine tasks), each with its own
 * dead-letter queue that the observability stack alarms on; the async predictions worker: the api zip again
 * ({@link ApiFunction#HANDLER} runs SQS events through the {@code AsyncSqsBatch} that {@code AsyncWiring} produces),
 * consuming its queue; and the batch worker, the api zip once more, which runs the batch-scoring state machine's tasks.
 *
 * <p>TODO(workers): the {@code functions/workers} app does not exist yet. When it does, add one Lambda per Funqy
 * handler here ({@code QUARKUS_FUNQY_EXPORT=<name>} picks the function from the shared zip), each with an
 * {@code SqsEventSource} on its queue and a role holding only what that handler calls, the way {@link ApiFunction}
 * does for the api app.
 */
public final class WorkersStack extends Stack {
  /**
   * The async worker's lease (the api's {@code pier.async.lease}, 60 s by default) and so the async queue's visibility
   * timeout: a message whose worker died comes back about when its claim on the record runs out.
   */
  static final int ASYNC_LEASE_SECONDS = 60;

  /** A message is tried this many times before it moves to the dead-letter queue. */
  static final int MAX_RECEIVES = 5;

  /**
   * The async worker's timeout: below {@link #ASYNC_LEASE_SECONDS}, so a batch still running is never handed out again
   * (the visibility timeout runs from receipt for all messages of a batch).
   */
  static final int ASYNC_WORKER_TIMEOUT_SECONDS = ASYNC_LEASE_SECONDS - 10;

  /** Messages per async worker invocation, worked one after another; failures are reported per message. */
  static final int ASYNC_BATCH_SIZE = 10;

  /**
   * The batch worker's timeout. Chunks are sized to about 8 s of scoring ({@code dev.pier.batch.ChunkSizing}), a
   * first job's default chunk takes about as long, and validation streams the input once at S3 speed (gigabytes a
   * minute): five minutes leaves a wide margin for a cold start and loading the model, while a stuck invocation
   * still comes back to the state machine's retries soon.
   */
  static final int BATCH_WORKER_TIMEOUT_SECONDS = 300;

  /** A work queue and where its poison messages go. */
  public record WorkQueue(String name, Queue queue, Queue deadLetters) {}

  private final PierConfig config;
  private final DataStack data;
  private final List<WorkQueue> queues = new ArrayList<>();
  private final WorkQueue batchUploads;
  private final WorkQueue predictionCaptures;
  private final WorkQueue asyncPredictions;
  private final ApiFunction asyncWorker;
  private final ApiFunction batchWorker;
  private final ApiFunction experimentsWorker;

  public WorkersStack(Construct scope, String id, StackProps props, PierConfig config, DataStack data) {
    super(scope, id, props);
    this.config = config;
    this.data = data;
    this.batchUploads = createQueue("BatchUploads", Duration.minutes(15));
    this.predictionCaptures = createQueue("PredictionCaptures", Duration.minutes(2));
    this.asyncPredictions = createQueue("AsyncPredictions", Duration.seconds(ASYNC_LEASE_SECONDS));
    allowBatchUploadRule();
    this.asyncWorker = createAsyncWorker();
    this.batchWorker = createBatchWorker();
    this.experimentsWorker = Experimentation.createWorker(this, config, data);
  }

  /** The Lambda behind every task of the experiment-analysis state machine ({@link Experimentation#createWorker}). */
  public ApiFunction experimentsWorker() {
    return experimentsWorker;
  }

  /**
   * Scores async predictions: reads the registry and artifacts (or calls the version's SageMaker endpoint) like the
   * data plane, and works the async records and objects ({@link AsyncGrants#work()}); nothing else.
   */
  private ApiFunction createAsyncWorker() {
    var registry = data.registryTable();
    AsyncGrants async = new AsyncGrants(data, asyncPredictions.queue());
    List<PolicyStatement> permissions = new ArrayList<>(ApiStack.scoringPermissions(config, data));
    permissions.addAll(async.work());
    // the worker loads models like the data plane, so it verifies artifact signatures the same way
    permissions.add(ApiStack.signingPublicKey(data));
    Map<String, String> env = new java.util.LinkedHashMap<>(Map.of(
        "PIER_REGISTRY_TABLE", registry.getTableName(),
        "PIER_REGISTRY_ARTIFACTS_BUCKET", data.artifacts().getBucketName(),
        "PIER_RETENTION_ASYNC_RESULTS", config.retention().asyncResultsDays() + "d",
        "PIER_ARTIFACTS_REQUIRE_SIGNATURE", Boolean.toString(config.requireArtifactSignature()),
        "PIER_ARTIFACTS_SIGNING_KMS_KEY_ID", data.signingKey().getKeyArn()));
    env.putAll(async.environment(false));
    ApiFunction f = new ApiFunction(this, "AsyncWorker", config, "async prediction worker (SQS)",
        ApiFunction.Trigger.queue(Duration.seconds(ASYNC_WORKER_TIMEOUT_SECONDS)), config.dataPlaneMemoryMb(), env,
        permissions);
    f.alias().addEventSource(SqsEventSource.Builder.create(asyncPredictions.queue())
        .batchSize(ASYNC_BATCH_SIZE)
        .reportBatchItemFailures(true)
        .build());
    ApiStack.suppressScoringFindings(f, AsyncGrants.OBJECTS_REASON, AsyncGrants.OBJECTS_FINDING);
    return f;
  }

  /**
   * Makes the async worker hand predictions of versions placed on the asynchronous endpoints among {@code endpoints}
   * to them ({@code InvokeEndpointAsync}) and complete them from their notifications: the async queue subscribes to
   * each endpoint's success and error topics (SNS envelope, not raw, which the worker reads either way), and the
   * worker may stage requests, invoke this stage's endpoints (pier-&lt;stage&gt;-*) asynchronously, and read and drop
   * what they write.
   */
  public void receiveEndpointNotifications(List<GpuEndpoint> endpoints) {
    List<GpuEndpoint> async = endpoints.stream().filter(GpuEndpoint::async).toList();
    if (async.isEmpty()) {
      return;
    }
    Queue queue = asyncPredictions.queue();
    for (GpuEndpoint e : async) {
      for (var topic : e.notificationTopics()) {
        topic.addSubscription(SqsSubscription.Builder.create(queue).build());
      }
    }
    Role role = asyncWorker.role();
    role.addToPrincipalPolicy(PolicyStatement.Builder.create()
        .sid("InvokeAsyncEndpoints")
        .actions(List.of("sagemaker:InvokeEndpointAsync"))
        .resources(List.of(ApiStack.stageEndpoints(config)))
        .build());
    role.addToPrincipalPolicy(PolicyStatement.Builder.create()
        .sid("StageAsyncEndpointRequests")
        .actions(List.of("s3:PutObject"))
        .resources(List.of(data.asyncResults().arnForObjects(AsyncGrants.REQUESTS + "*")))
        .build());
    role.addToPrincipalPolicy(PolicyStatement.Builder.create()
        .sid("TakeAsyncEndpointOutputs")
        .actions(List.of("s3:GetObject", "s3:DeleteObject"))
        .resources(async.stream().map(e -> data.captures().arnForObjects(e.outputPrefix() + "*")).toList())
        .build());
    role.addToPrincipalPolicy(PolicyStatement.Builder.create()
        .sid("DecryptAsyncEndpointOutputs")
        .actions(List.of("kms:Decrypt"))
        .resources(List.of(data.outputsKey().getKeyArn()))
        .conditions(Map.of("StringEquals", Map.of("kms:ViaService", Fn.sub("s3.${AWS::Region}.amazonaws.com"))))
        .build());
    asyncWorker.function().addEnvironment("PIER_ASYNC_SAGEMAKER_ASYNC_ENDPOINTS",
        String.join(",", async.stream().map(GpuEndpoint::name).toList()));
    Nag.suppress(role, "AwsSolutions-IAM5", "SageMaker writes each asynchronous answer or failure to an object of "
        + "its own naming under async-inference/<endpoint>/ of the outputs bucket; the worker reads and drops only "
        + "those.", "/^Resource::.*\\/async-inference\\/.*\\*$/");
  }

  /**
   * Runs the batch-scoring state machine's tasks (validate, score-chunk, write-results, finalize, fail, and the
   * upload and schedule runs that start jobs): the batch worker's zip ({@link PierConfig#batchWorkerZip}: the api
   * zip plus the table outputs' Glue and BigQuery clients), whose handler hands each task's payload to the batch
   * worker. It scores like the data plane (registry, artifacts, signatures, endpoints), keeps jobs and chunks
   * in the jobs table, reads inputs anywhere in the batch bucket and writes only under {@code outputs/} and
   * {@code jobs/}, and starts batch-scoring executions for new uploads and schedule runs. The orchestration stack
   * points the state machine at its {@code live} alias; the state machine's ARN comes from its fixed name, so this
   * stack does not depend on that one.
   */
  private ApiFunction createBatchWorker() {
    var jobs = data.jobsTable();
    var batch = data.batch();
    List<PolicyStatement> permissions = new ArrayList<>(ApiStack.scoringPermissions(config, data));
    permissions.add(ApiStack.signingPublicKey(data));
    permissions.addAll(List.of(
        PolicyStatement.Builder.create()
            .sid("ReadWriteJobs")
            // chunks are recorded with the job's counters in one transaction (Put, Update, ConditionCheck)
            .actions(List.of("dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem",
                "dynamodb:ConditionCheckItem"))
            .resources(List.of(jobs.getTableArn(), jobs.getTableArn() + "/index/gsi1"))
            .build(),
        PolicyStatement.Builder.create()
            .sid("WriteJobsTable")
            .actions(List.of("kms:Encrypt", "kms:GenerateDataKey"))
            .resources(List.of(data.key().getKeyArn()))
            .build(),
        PolicyStatement.Builder.create()
            .sid("ReadBatchObjects")
            .actions(List.of("s3:GetObject"))
            .resources(List.of(batch.arnForObjects("*")))
            .build(),
        PolicyStatement.Builder.create()
            .sid("WriteBatchResults")
            .actions(List.of("s3:PutObject"))
            .resources(List.of(batch.arnForObjects(DataStack.BATCH_OUTPUTS_PREFIX + "*"),
                batch.arnForObjects(DataStack.BATCH_JOBS_PREFIX + "*")))
            .build(),
        PolicyStatement.Builder.create()
            .sid("ListBatchBucket")
            // results and errors of a job are listed to write its manifest; a schedule's input prefix is listed
            // for its newest object
            .actions(List.of("s3:ListBucket"))
            .resources(List.of(batch.getBucketArn()))
            .build(),
        PolicyStatement.Builder.create()
            .sid("BatchObjectsKms")
            .actions(List.of("kms:Decrypt", "kms:GenerateDataKey"))
            .resources(List.of(data.outputsKey().getKeyArn()))
            .build(),
        PolicyStatement.Builder.create()
            .sid("WriteBatchTables")
            // glue://db.table outputs: each chunk's Parquet file under tables/<db>/<table>/; mode overwrite deletes
            // the table's other jobs' files
            .actions(List.of("s3:PutObject", "s3:DeleteObject"))
            .resources(List.of(batch.arnForObjects("tables/*")))
            .build(),
        PolicyStatement.Builder.create()
            .sid("GlueTables")
            // the table checked or created before any chunk, its partition registered at the end (the calls
            // dev.pier.batch.tables.GlueCatalog makes), or an Iceberg table's commit (Iceberg's GlueCatalog)
            .actions(List.of("glue:GetTable", "glue:CreateTable", "glue:UpdateTable", "glue:CreateDatabase",
                "glue:GetPartitions", "glue:BatchCreatePartition", "glue:BatchDeletePartition",
                "glue:GetDatabase")) // GetDatabase: Iceberg's GlueCatalog, for "table_format": "iceberg"
            .resources(List.of(
                Fn.sub("arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:catalog"),
                Fn.sub("arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:database/*"),
                Fn.sub("arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:table/*/*")))
            .build(),
        PolicyStatement.Builder.create()
            .sid("ReadBigQueryCredentials")
            // bigquery:// outputs of the Lambda path: Google's credentials, the object Spark jobs read them from
            .actions(List.of("s3:GetObject"))
            .resources(List.of(data.artifacts().arnForObjects(SparkEngine.BIGQUERY_CREDENTIALS_KEY)))
            .build(),
        PolicyStatement.Builder.create()
            .sid("StartBatchScoring")
            .actions(List.of("states:StartExecution"))
            .resources(List.of(OrchestrationStack.batchStateMachineArn(config)))
            .build()));
    Map<String, String> env = new java.util.LinkedHashMap<>(Map.of(
        "PIER_REGISTRY_TABLE", data.registryTable().getTableName(),
        "PIER_REGISTRY_ARTIFACTS_BUCKET", data.artifacts().getBucketName(),
        "PIER_ARTIFACTS_REQUIRE_SIGNATURE", Boolean.toString(config.requireArtifactSignature()),
        "PIER_ARTIFACTS_SIGNING_KMS_KEY_ID", data.signingKey().getKeyArn()));
    env.putAll(batchEnvironment(config, data));
    env.putAll(FeaturesStack.apiEnvironment(config)); // rows with entity keys: online or point-in-time lookups
    permissions.addAll(FeaturesStack.apiStatements(config, false));
    // bigquery:// outputs: a service account key or workload identity federation configuration (an operator's upload)
    env.put("PIER_BIGQUERY_CREDENTIALS",
        "s3://" + data.artifacts().getBucketName() + "/" + SparkEngine.BIGQUERY_CREDENTIALS_KEY);
    ApiFunction f = new ApiFunction(this, "BatchWorker", config, "batch worker (batch-scoring tasks)",
        ApiFunction.Trigger.stateMachineTask(Duration.seconds(BATCH_WORKER_TIMEOUT_SECONDS)),
        config.batchWorkerMemoryMb(), env, permissions, config.batchWorkerZip());
    FeaturesStack.grantHandOff(f.role(), config, false); // point-in-time lookups run in the feature worker
    ApiStack.suppressScoringFindings(f, "Batch inputs may be any object of the batch bucket, which holds batch data "
            + "only; results go to the job's folder under outputs/, chunk plans under jobs/, both named per job at "
            + "run time; a glue:// table's files under tables/<database>/<table>/, its Glue database and table named "
            + "by the job's output (glue://database.table).",
        "/^Resource::.*BatchBucket.*\\/\\*$/", "/^Resource::.*BatchBucket.*\\/outputs\\/\\*$/",
        "/^Resource::.*BatchBucket.*\\/jobs\\/\\*$/", "/^Resource::.*BatchBucket.*\\/tables\\/\\*$/",
        "/^Resource::arn:.*:glue:.*$/");
    return f;
  }

  /**
   * What the batch worker and the control plane both need to find jobs ({@code dev.pier.api.PierConfig.Batch}):
   * names, not references, of the orchestration stack's state machine.
   */
  static Map<String, String> batchEnvironment(PierConfig config, DataStack data) {
    return Map.of(
        "PIER_BATCH_JOBS_TABLE", data.jobsTable().getTableName(),
        "PIER_BATCH_BUCKET", data.batch().getBucketName(),
        "PIER_BATCH_STATE_MACHINE_ARN", OrchestrationStack.batchStateMachineArn(config),
        "PIER_BATCH_WORKER_MEMORY_GB", Double.toString(config.batchWorkerMemoryMb() / 1024.0));
  }

  /** The Lambda behind every task of the batch-scoring state machine ({@link #createBatchWorker()}). */
  public ApiFunction batchWorker() {
    return batchWorker;
  }

  /** The Lambda that runs async predictions off {@link #asyncPredictions()}. */
  public ApiFunction asyncWorker() {
    return asyncWorker;
  }

  /**
   * The orchestration stack's rule sends batch uploads here (and what it cannot deliver to the dead-letter queue).
   * The rule is named by ARN rather than referenced, so this stack does not depend on the one that depends on it.
   */
  private void allowBatchUploadRule() {
    String ruleArn = Fn.sub("arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/"
        + OrchestrationStack.batchUploadRuleName(config));
    for (Queue q : List.of(batchUploads.queue(), batchUploads.deadLetters())) {
      q.addToResourcePolicy(PolicyStatement.Builder.create()
          .sid("BatchUploadRule")
          .principals(List.of(new ServicePrincipal("events.amazonaws.com")))
          .actions(List.of("sqs:SendMessage"))
          .resources(List.of(q.getQueueArn()))
          .conditions(Map.of("ArnEquals", Map.of("aws:SourceArn", ruleArn)))
          .build());
    }
  }

  /** S3 uploads under {@code incoming/} of the batch bucket, delivered by the orchestration stack's rule. */
  public WorkQueue batchUploads() {
    return batchUploads;
  }

  /** Sampled request/response pairs on their way to the captures bucket and the drift monitors. */
  public WorkQueue predictionCaptures() {
    return predictionCaptures;
  }

  /**
   * Async prediction ids ({@code Prefer: respond-async}); the api's data plane sends to it
   * ({@code pier.async.queue-url}) and {@link #asyncWorker()} consumes it.
   */
  public WorkQueue asyncPredictions() {
    return asyncPredictions;
  }

  public List<WorkQueue> queues() {
    return List.copyOf(queues);
  }

  /**
   * @param visibilityTimeout at least the consuming function's timeout, so a message is not handed out twice while
   *     it is being worked on
   */
  private WorkQueue createQueue(String name, Duration visibilityTimeout) {
    Queue deadLetters = Queue.Builder.create(this, name + "DeadLetters")
        .encryption(QueueEncryption.SQS_MANAGED)
        .enforceSsl(true)
        .retentionPeriod(Duration.days(14))
        .build();
    Queue queue = Queue.Builder.create(this, name)
        .encryption(QueueEncryption.SQS_MANAGED)
        .enforceSsl(true)
        .visibilityTimeout(visibilityTimeout)
        .retentionPeriod(Duration.days(config.prod() ? 14 : 4))
        .deadLetterQueue(DeadLetterQueue.builder().queue(deadLetters).maxReceiveCount(MAX_RECEIVES).build())
        .build();
    WorkQueue q = new WorkQueue(name, queue, deadLetters);
    queues.add(q);
    return q;
  }
}
