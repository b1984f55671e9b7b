package dev.pier.features;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.kernel.PierException;
import dev.pier.statemachines.AslDefinition;
import dev.pier.statemachines.LocalStateMachineRunner;
import dev.pier.statemachines.StatesError;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * Historical retrieval as a job: {@code POST /api/v1/features/historical-jobs} records the request (an
 * {@code entity_source} file, the features, the {@code output}) as a RUNNING job in the definitions table
 * ({@code pk = historical-job}) and answers its id at once; the join runs as the {@code feature-historical} state
 * machine, whose one task ({@code historical-retrieve}) is {@link HistoricalRetrieval#retrieveToParquet} and whose
 * MarkFailed ({@code historical-fail}) records the error. Locally the ASL runs on the local runner in this process;
 * in AWS as an execution of the deployed machine ({@link #launchWith}), with the feature worker Lambda (which carries
 * DuckDB, unlike the api zip) behind its tasks. {@code GET …/historical-jobs/{id}} shows {@code state}
 * (Step Functions' names), and once SUCCEEDED the {@code output} Parquet, its {@code rows} and
 * {@code feature_names}.
 *
 * <p>The output location is fixed when the job is created (default
 * {@code <entity folder>/pier-historical/<job id>.parquet}), so a task retried after a crash or a time-out writes the
 * same object again and the job finishes once (a conditional write); a job still RUNNING after a restart is started
 * again by {@link #resumeRunning}.
 */
public final class HistoricalJobs {
  static final String JOBS = "historical-job";
  static final String DEFINITION = "feature-historical";
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** A job as the API shows it. */
  public record HistoricalJob(String id, Materialization.State state, List<String> features,
      @JsonProperty("feature_service") String featureService,
      @JsonProperty("entity_source") String entitySource, String output,
      @JsonProperty("full_feature_names") boolean fullFeatureNames, Long rows,
      @JsonProperty("feature_names") List<String> featureNames, String error,
      @JsonProperty("created_at") Instant createdAt, @JsonProperty("finished_at") Instant finishedAt) {}

  private final DynamoDbClient dynamo;
  private final String table;
  private final HistoricalRetrieval retrieval;
  private final Clock clock;
  private final ExecutorService executor;
  private final LocalStateMachineRunner runner;
  private final AslDefinition definition;
  private final Map<String, Boolean> running = new ConcurrentHashMap<>();
  private volatile Consumer<String> launcher = this::launchLocally;

  /**
   * @param executor where jobs run locally (one at a time when single-threaded); unused once {@link #launchWith}
   */
  public HistoricalJobs(DynamoDbClient dynamo, String table, HistoricalRetrieval retrieval, ExecutorService executor,
      Clock clock) {
    this.dynamo = dynamo;
    this.table = table;
    this.retrieval = retrieval;
    this.executor = executor;
    this.clock = clock;
    this.runner = LocalStateMachineRunner.builder()
        .task("arn:aws:states:::lambda:invoke", (parameters, context) -> {
          String function = parameters.path("FunctionName").asText();
          if (!function.equals(MaterializationWorkflow.LOCAL_FUNCTION)) {
            throw new StatesError("Lambda.ResourceNotFoundException", "no local function " + function);
          }
          return NODES.objectNode().set("Payload", invoke(parameters.path("Payload")));
        })
        .build();
    this.definition = AslDefinition.bundled(DEFINITION,
        Map.of("FeatureWorkerFunction", MaterializationWorkflow.LOCAL_FUNCTION));
  }

  /** Jobs start as executions of the deployed state machine (in AWS) instead of on the local runner. */
  public void launchWith(Consumer<String> launcher) {
    this.launcher = Objects.requireNonNull(launcher);
  }

  /**
   * Checks the request as far as can be without DuckDB (features known, an {@code s3://} entity source, names
   * unambiguous), records the job and starts it; 400 naming what is wrong.
   */
  public HistoricalJob start(List<String> features, String featureService, String entitySource, String output,
      boolean fullFeatureNames) {
    if (entitySource == null || !entitySource.startsWith("s3://") || entitySource.endsWith("/")) {
      throw PierException.badRequest("'entity_source' must be an s3://bucket/key.parquet location");
    }
    if (output != null && (!output.startsWith("s3://") || output.endsWith("/"))) {
      throw PierException.badRequest("'output' must be an s3://bucket/key.parquet location");
    }
    Catalog catalog = retrieval.catalog();
    List<String> names = new ArrayList<>();
    for (FeatureRef r : catalog.resolve(features, featureService)) { // 404/400 naming an unknown feature or service
      String name = fullFeatureNames ? r.fullName() : r.feature();
      if (names.contains(name)) {
        throw PierException.badRequest("feature name '" + name + "' is in more than one view: ask with"
            + " \"full_feature_names\": true");
      }
      names.add(name);
    }
    String id = "hist-" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    String target = output != null ? output
        : entitySource.substring(0, entitySource.lastIndexOf('/') + 1) + "pier-historical/" + id + ".parquet";
    Map<String, AttributeValue> item = new HashMap<>();
    item.put("pk", str(JOBS));
    item.put("sk", str(id));
    item.put("state", str(Materialization.State.RUNNING.name()));
    item.put("entity_source", str(entitySource));
    item.put("output", str(target));
    item.put("full_feature_names", AttributeValue.fromBool(fullFeatureNames));
    item.put("created_at", str(clock.instant().toString()));
    if (features != null && !features.isEmpty()) {
      item.put("features", AttributeValue.fromL(features.stream().map(HistoricalJobs::str).toList()));
    }
    if (featureService != null) {
      item.put("feature_service", str(featureService));
    }
    dynamo.putItem(b -> b.tableName(table).item(item).conditionExpression("attribute_not_exists(pk)"));
    launcher.accept(id);
    return get(id);
  }

  /** The job; 404 naming it when there is none. */
  public HistoricalJob get(String id) {
    Map<String, AttributeValue> item = item(id);
    if (item == null) {
      throw PierException.notFound("historical retrieval job '" + id + "' does not exist");
    }
    return job(item);
  }

  /** Starts every RUNNING job again (after a restart); answers how many. */
  public int resumeRunning() {
    int n = 0;
    Map<String, AttributeValue> start = null;
    do {
      QueryResponse page = dynamo.query(QueryRequest.builder().tableName(table).consistentRead(true)
          .keyConditionExpression("pk = :pk").expressionAttributeValues(Map.of(":pk", str(JOBS)))
          .exclusiveStartKey(start).build());
      for (Map<String, AttributeValue> i : page.items()) {
        if (Materialization.State.RUNNING.name().equals(i.get("state").s())) {
          launcher.accept(i.get("sk").s());
          n++;
        }
      }
      start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
    } while (start != null);
    return n;
  }

  /**
   * One task of the {@code feature-historical} state machine: {@code historical-retrieve} runs the join (unless the
   * job is no longer RUNNING) and answers its state; {@code historical-fail} records the error. Failures are named for
   * the ASL's Retry and Catch, as {@link MaterializationTasks} names them.
   */
  public JsonNode invoke(JsonNode payload) {
    String id = payload.path("job_id").asText();
    try {
      return switch (payload.path("action").asText()) {
        case "historical-retrieve" -> {
          HistoricalJob job = get(id);
          if (job.state() == Materialization.State.RUNNING) {
            HistoricalRetrieval.ParquetResult r = retrieval.retrieveToParquet(job.features(), job.featureService(),
                job.entitySource(), job.output(), job.fullFeatureNames());
            succeed(id, r);
            job = get(id);
          }
          yield NODES.objectNode().put("state", job.state().name());
        }
        case "historical-fail" -> {
          JsonNode error = payload.path("error");
          finish(id, Materialization.State.FAILED, Map.of("#error", "error"),
              Map.of(":e", str(error.path("Cause").asText(error.path("Error").asText("failed")))), "#error = :e");
          yield NODES.objectNode();
        }
        default -> throw new FeaturesInvalidError("unknown action " + payload.path("action"));
      };
    } catch (PierException e) {
      if (e.status() < 500) {
        throw new FeaturesInvalidError(e.getMessage());
      }
      throw new FeaturesTransientError(e.getMessage(), e);
    } catch (software.amazon.awssdk.core.exception.SdkException | java.io.UncheckedIOException e) {
      throw new FeaturesTransientError(String.valueOf(e.getMessage()), e);
    }
  }

  private void succeed(String id, HistoricalRetrieval.ParquetResult r) {
    finish(id, Materialization.State.SUCCEEDED, Map.of("#rows", "rows"),
        Map.of(":r", AttributeValue.fromN(Long.toString(r.rows())), ":n",
            AttributeValue.fromL(r.featureNames().stream().map(HistoricalJobs::str).toList())),
        "#rows = :r, feature_names = :n");
  }

  /** Moves a RUNNING job to {@code state} (a conditional write: a job finishes once). */
  private void finish(String id, Materialization.State state, Map<String, String> names,
      Map<String, AttributeValue> values, String set) {
    Map<String, String> n = new HashMap<>(names);
    n.put("#state", "state");
    Map<String, AttributeValue> v = new HashMap<>(values);
    v.put(":s", str(state.name()));
    v.put(":f", str(clock.instant().toString()));
    v.put(":running", str(Materialization.State.RUNNING.name()));
    try {
      dynamo.updateItem(b -> b.tableName(table).key(Map.of("pk", str(JOBS), "sk", str(id)))
          .updateExpression("SET #state = :s, finished_at = :f, " + set).conditionExpression("#state = :running")
          .expressionAttributeNames(n).expressionAttributeValues(v));
    } catch (ConditionalCheckFailedException e) {
      // finished by an earlier run of the same task
    }
  }

  private void launchLocally(String id) {
    if (running.putIfAbsent(id, Boolean.TRUE) == null) {
      executor.submit(() -> {
        try {
          var result = runner.run(definition, NODES.objectNode().put("job_id", id), id);
          if (result.status() == LocalStateMachineRunner.ExecutionResult.Status.FAILED) {
            String cause = result.cause() != null ? result.cause() : result.error();
            finish(id, Materialization.State.FAILED, Map.of("#error", "error"), Map.of(":e", str(cause)),
                "#error = :e");
          }
        } catch (RuntimeException e) {
          finish(id, Materialization.State.FAILED, Map.of("#error", "error"), Map.of(":e", str(e.toString())),
              "#error = :e");
        } finally {
          running.remove(id);
        }
      });
    }
  }

  private Map<String, AttributeValue> item(String id) {
    Map<String, AttributeValue> item = dynamo.getItem(b -> b.tableName(table).consistentRead(true)
        .key(Map.of("pk", str(JOBS), "sk", str(id)))).item();
    return item == null || item.isEmpty() ? null : item;
  }

  private static HistoricalJob job(Map<String, AttributeValue> i) {
    return new HistoricalJob(i.get("sk").s(), Materialization.State.valueOf(i.get("state").s()),
        i.containsKey("features") ? i.get("features").l().stream().map(AttributeValue::s).toList() : null,
        i.containsKey("feature_service") ? i.get("feature_service").s() : null, i.get("entity_source").s(),
        i.get("output").s(), Boolean.TRUE.equals(i.get("full_feature_names").bool()),
        i.containsKey("rows") ? Long.valueOf(i.get("rows").n()) : null,
        i.containsKey("feature_names") ? i.get("feature_names").l().stream().map(AttributeValue::s).toList() : null,
        i.containsKey("error") ? i.get("error").s() : null, Instant.parse(i.get("created_at").s()),
        i.containsKey("finished_at") ? Instant.parse(i.get("finished_at").s()) : null);
  }

  private static AttributeValue str(String s) {
    return AttributeValue.fromS(s);
  }
}
