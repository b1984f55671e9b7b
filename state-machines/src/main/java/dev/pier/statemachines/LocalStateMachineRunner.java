package dev.pier.statemachines;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs Amazon States Language definitions in this process, the way Step Functions runs them in AWS: Task, Choice,
 * Map (inline and distributed, with ItemReader, ItemBatcher, ResultWriter and tolerated failures), Parallel, Pass,
 * Wait, Succeed and Fail; InputPath, Parameters, ResultSelector, ResultPath and OutputPath; intrinsic functions;
 * Retry with backoff and Catch. Task resources are mapped to in-process {@link TaskHandler}s; distributed Maps read
 * and write S3 through {@link ItemStore}.
 *
 * <p>Thread-safety: one runner runs many executions at once. Map iterations and Parallel branches run on virtual
 * threads, bounded by the state's MaxConcurrency. An execution that is {@linkplain Execution#stop() stopped} ends
 * {@code ABORTED} before its next state or iteration; a local execution survives no crash, so callers make their
 * tasks idempotent and start the execution again (the batch worker skips finished chunks).
 */
public final class LocalStateMachineRunner {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, TaskHandler> handlers;
  private final ItemStore items;
  private final Sleeper sleeper;
  private final java.util.function.Consumer<String> entered;

  private LocalStateMachineRunner(Builder b) {
    this.handlers = Map.copyOf(b.handlers);
    this.items = b.items;
    this.sleeper = b.sleeper;
    this.entered = b.entered;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Starts an execution on the calling thread and returns when it ends. */
  public ExecutionResult run(AslDefinition definition, JsonNode input, String executionName) {
    Execution e = new Execution(definition, executionName);
    return run(e, input);
  }

  /** Runs {@code execution} (made with {@link #execution}) on the calling thread; it can be stopped from another. */
  public ExecutionResult run(Execution execution, JsonNode input) {
    ObjectNode context = NODES.objectNode();
    ObjectNode exec = context.putObject("Execution");
    exec.put("Id", "arn:aws:states:local:000000000000:execution:" + execution.definition.name() + ":"
        + execution.name);
    exec.put("Name", execution.name);
    exec.set("Input", input);
    exec.put("StartTime", Instant.now().toString());
    ObjectNode machine = context.putObject("StateMachine");
    machine.put("Id", "arn:aws:states:local:000000000000:stateMachine:" + execution.definition.name());
    machine.put("Name", execution.definition.name());
    try {
      JsonNode output = runStates(execution.definition.machine(), input, context, execution);
      return new ExecutionResult(ExecutionResult.Status.SUCCEEDED, output, null, null);
    } catch (Aborted a) {
      return new ExecutionResult(ExecutionResult.Status.ABORTED, null, "States.Aborted", "the execution was stopped");
    } catch (StatesError e) {
      return new ExecutionResult(ExecutionResult.Status.FAILED, null, e.error(), e.cause());
    }
  }

  public Execution execution(AslDefinition definition, String name) {
    return new Execution(definition, name);
  }

  /** One run of a definition; {@link #stop()} aborts it. */
  public static final class Execution {
    private final AslDefinition definition;
    private final String name;
    private volatile boolean stopped;

    private Execution(AslDefinition definition, String name) {
      this.definition = definition;
      this.name = name;
    }

    public String name() {
      return name;
    }

    public void stop() {
      stopped = true;
    }

    void checkRunning() {
      if (stopped) {
        throw new Aborted();
      }
    }
  }

  /** How an execution ended: its output when it succeeded, its error and cause when it failed. */
  public record ExecutionResult(Status status, JsonNode output, String error, String cause) {
    public enum Status { SUCCEEDED, FAILED, ABORTED }
  }

  private static final class Aborted extends RuntimeException {
    Aborted() {
      super("aborted", null, false, false);
    }
  }

  // ---- states -----------------------------------------------------------------------------------------------------

  private JsonNode runStates(StateMachine machine, JsonNode input, ObjectNode context, Execution execution) {
    String current = machine.startAt();
    JsonNode data = input;
    while (true) {
      execution.checkRunning();
      State state = machine.states().get(current);
      ObjectNode stateContext = context.deepCopy();
      ObjectNode stateInfo = stateContext.putObject("State");
      stateInfo.put("Name", current);
      stateInfo.put("EnteredTime", Instant.now().toString());
      stateInfo.put("RetryCount", 0);
      entered.accept(current);
      Step step = runState(state, data, stateContext, execution);
      data = step.output;
      if (step.next == null) {
        return data;
      }
      current = step.next;
    }
  }

  private record Step(JsonNode output, String next) {}

  private Step runState(State state, JsonNode input, ObjectNode context, Execution execution) {
    return switch (state) {
      case State.Pass pass -> {
        JsonNode effective = inputPath(pass.io(), input, context);
        JsonNode result = pass.parameters() != null ? PayloadTemplate.apply(pass.parameters(), effective, context)
            : pass.result() != null ? pass.result() : effective;
        yield new Step(outputPath(pass.io(), resultPath(pass.io(), input, result), context), pass.next());
      }
      case State.Worker worker -> runWithRetries(worker, input, context, execution);
      case State.Choice choice -> {
        JsonNode effective = inputPath(choice.io(), input, context);
        String next = null;
        for (State.Choice.Branch branch : choice.choices()) {
          if (ChoiceRules.matches(branch.rule(), effective, context)) {
            next = branch.next();
            break;
          }
        }
        if (next == null) {
          if (choice.defaultNext() == null) {
            throw new StatesError(StatesError.NO_CHOICE_MATCHED,
                "no Choice rule matched in state '" + choice.name() + "'");
          }
          next = choice.defaultNext();
        }
        yield new Step(outputPath(choice.io(), effective, context), next);
      }
      case State.Wait wait -> {
        JsonNode effective = inputPath(wait.io(), input, context);
        Duration duration = switch (wait.until()) {
          case State.Wait.Seconds s -> Duration.ofSeconds(s.seconds());
          case State.Wait.SecondsPath s -> Duration.ofSeconds(JsonPath.read(s.path(), effective, context).asLong());
          case State.Wait.Timestamp t -> untilTimestamp(t.timestamp());
          case State.Wait.TimestampPath t -> untilTimestamp(JsonPath.read(t.path(), effective, context).asText());
        };
        if (!duration.isNegative()) {
          sleeper.sleep(duration, execution);
        }
        yield new Step(outputPath(wait.io(), effective, context), wait.next());
      }
      case State.Succeed succeed -> new Step(outputPath(succeed.io(), inputPath(succeed.io(), input, context),
          context), null);
      case State.Fail fail -> {
        String error = fail.errorPath() != null ? JsonPath.read(fail.errorPath(), input, context).asText()
            : fail.error();
        String cause = fail.causePath() != null ? JsonPath.read(fail.causePath(), input, context).asText()
            : fail.cause();
        throw new StatesError(error, cause);
      }
    };
  }

  private static Duration untilTimestamp(String timestamp) {
    return Duration.between(Instant.now(), OffsetDateTime.parse(timestamp).toInstant());
  }

  /** Task, Parallel and Map: the work, then Retry and Catch around it. */
  private Step runWithRetries(State.Worker state, JsonNode input, ObjectNode context, Execution execution) {
    int[] attempts = new int[state.retry().size()];
    int retryCount = 0;
    while (true) {
      execution.checkRunning();
      ((ObjectNode) context.get("State")).put("RetryCount", retryCount);
      try {
        JsonNode effective = inputPath(state.io(), input, context);
        JsonNode result = switch (state) {
          case State.Task task -> task(task, effective, context, execution, retryCount);
          case State.Parallel parallel -> parallel(parallel, effective, context, execution);
          case State.MapState map -> map(map, effective, context, execution);
        };
        if (state.resultSelector() != null) {
          result = PayloadTemplate.apply(state.resultSelector(), result, context);
        }
        return new Step(outputPath(state.io(), resultPath(state.io(), input, result), context), state.next());
      } catch (StatesError error) {
        Duration delay = retryDelay(state.retry(), attempts, error);
        if (delay != null) {
          retryCount++;
          sleeper.sleep(delay, execution);
          continue;
        }
        for (State.Catcher catcher : state.catches()) {
          if (error.matches(catcher.errorEquals())) {
            ObjectNode errorOutput = NODES.objectNode().put("Error", error.error()).put("Cause", error.cause());
            JsonNode output = catcher.resultPath() == null ? input
                : JsonPath.write(catcher.resultPath(), input, errorOutput);
            return new Step(output, catcher.next());
          }
        }
        throw error;
      }
    }
  }

  /** The wait before the next attempt, or null when no Retrier allows one. The first matching Retrier decides. */
  private static Duration retryDelay(List<State.Retrier> retriers, int[] attempts, StatesError error) {
    for (int i = 0; i < retriers.size(); i++) {
      State.Retrier r = retriers.get(i);
      if (!error.matches(r.errorEquals())) {
        continue;
      }
      if (attempts[i] >= r.maxAttempts()) {
        return null;
      }
      double seconds = r.intervalSeconds() * Math.pow(r.backoffRate(), attempts[i]);
      if (r.maxDelaySeconds() != null) {
        seconds = Math.min(seconds, r.maxDelaySeconds());
      }
      if (r.fullJitter()) {
        seconds = ThreadLocalRandom.current().nextDouble() * seconds;
      }
      attempts[i]++;
      return Duration.ofMillis((long) (seconds * 1000));
    }
    return null;
  }

  private JsonNode task(State.Task state, JsonNode effective, ObjectNode context, Execution execution,
      int retryCount) {
    String resource = state.resource();
    TaskHandler handler = handlers.get(resource);
    if (handler == null) {
      throw new StatesError(StatesError.RUNTIME, "no local handler for Task resource '" + resource + "'");
    }
    JsonNode parameters = state.parameters() != null
        ? PayloadTemplate.apply(state.parameters(), effective, context) : effective;
    TaskHandler.TaskContext taskContext = new TaskHandler.TaskContext(execution.name, state.name(), retryCount);
    if (state.timeoutSeconds() == null) {
      return invoke(handler, parameters, taskContext);
    }
    try (ExecutorService one = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<JsonNode> f = one.submit(() -> invoke(handler, parameters, taskContext));
      try {
        return f.get(state.timeoutSeconds(), TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        f.cancel(true);
        throw new StatesError(StatesError.TIMEOUT, "task '" + state.name() + "' timed out");
      } catch (ExecutionException e) {
        throw e.getCause() instanceof RuntimeException r ? r : new StatesError(StatesError.TASK_FAILED,
            String.valueOf(e.getCause()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new Aborted();
      }
    }
  }

  private static JsonNode invoke(TaskHandler handler, JsonNode parameters, TaskHandler.TaskContext context) {
    try {
      JsonNode result = handler.handle(parameters, context);
      return result == null ? NODES.nullNode() : result;
    } catch (StatesError | Aborted e) {
      throw e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Aborted();
    } catch (Exception e) {
      throw new StatesError(StatesError.TASK_FAILED, e.getClass().getSimpleName() + ": " + e.getMessage(), e);
    }
  }

  private JsonNode parallel(State.Parallel state, JsonNode effective, ObjectNode context, Execution execution) {
    JsonNode input = state.parameters() != null
        ? PayloadTemplate.apply(state.parameters(), effective, context) : effective;
    List<Future<JsonNode>> futures = new ArrayList<>();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (StateMachine branch : state.branches()) {
        futures.add(pool.submit(() -> runStates(branch, input, context, execution)));
      }
      ArrayNode results = NODES.arrayNode();
      for (Future<JsonNode> f : futures) {
        results.add(await(f, futures));
      }
      return results;
    }
  }

  // ---- Map --------------------------------------------------------------------------------------------------------

  private JsonNode map(State.MapState state, JsonNode effective, ObjectNode context, Execution execution) {
    boolean distributed = state.distributed();
    List<JsonNode> source = readItems(state.items(), effective, context);
    List<JsonNode> iterationInputs = new ArrayList<>();
    JsonNode selector = state.itemSelector();
    for (int i = 0; i < source.size(); i++) {
      if (selector == null) {
        iterationInputs.add(source.get(i));
      } else {
        ObjectNode itemContext = context.deepCopy();
        ObjectNode item = itemContext.putObject("Map").putObject("Item");
        item.put("Index", i);
        item.set("Value", source.get(i));
        iterationInputs.add(PayloadTemplate.apply(selector, effective, itemContext));
      }
    }
    if (state.batcher() != null) {
      iterationInputs = batch(state.batcher(), iterationInputs, effective, context);
    }
    int maxConcurrency = state.maxConcurrency().asInt(effective, context);
    int limit = maxConcurrency > 0 ? maxConcurrency : distributed ? 10_000 : Integer.MAX_VALUE;
    List<IterationResult> results = iterate(state.processor(), iterationInputs, context, execution, limit,
        !distributed);

    if (!distributed) {
      ArrayNode out = NODES.arrayNode();
      results.forEach(r -> out.add(r.output));
      return out;
    }
    long failed = results.stream().filter(r -> r.error != null).count();
    double toleratedPercent = state.toleratedFailurePercentage().asDouble(effective, context);
    int toleratedCount = state.toleratedFailureCount().asInt(effective, context);
    boolean exceeded = failed > 0 && failed > toleratedCount
        && (results.isEmpty() || 100.0 * failed / results.size() > toleratedPercent);
    JsonNode output;
    if (state.resultWriter() != null) {
      output = writeResults(state.name(), state.resultWriter(), results, effective, context, execution);
    } else {
      ArrayNode out = NODES.arrayNode();
      results.forEach(r -> out.add(r.error == null ? r.output
          : NODES.objectNode().put("Error", r.error.error()).put("Cause", r.error.cause())));
      output = out;
    }
    if (exceeded) {
      IterationResult first = results.stream().filter(r -> r.error != null).findFirst().orElseThrow();
      throw new StatesError(StatesError.EXCEED_TOLERATED_FAILURE_THRESHOLD, failed + " of " + results.size()
          + " items failed, more than the tolerated " + toleratedPercent + " % / " + toleratedCount
          + "; first: " + first.error.error() + ": " + first.error.cause());
    }
    return output;
  }

  private record IterationResult(JsonNode input, JsonNode output, StatesError error) {}

  private List<IterationResult> iterate(StateMachine processor, List<JsonNode> inputs, ObjectNode context,
      Execution execution, int limit, boolean failFast) {
    Semaphore permits = new Semaphore(Math.min(limit, Math.max(1, inputs.size())));
    List<Future<IterationResult>> futures = new ArrayList<>();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < inputs.size(); i++) {
        JsonNode input = inputs.get(i);
        ObjectNode iterationContext = context.deepCopy();
        ObjectNode item = iterationContext.putObject("Map").putObject("Item");
        item.put("Index", i);
        item.set("Value", input);
        futures.add(pool.submit(() -> {
          permits.acquire();
          try {
            execution.checkRunning();
            return new IterationResult(input, runStates(processor, input, iterationContext, execution), null);
          } catch (StatesError e) {
            if (failFast) {
              throw e;
            }
            return new IterationResult(input, null, e);
          } finally {
            permits.release();
          }
        }));
      }
      List<IterationResult> results = new ArrayList<>();
      for (Future<IterationResult> f : futures) {
        results.add(await(f, futures));
      }
      return results;
    }
  }

  /** The future's value; its failure (an ASL error, an abort) cancels the others and is rethrown as it was. */
  private static <T> T await(Future<T> f, List<? extends Future<?>> all) {
    try {
      return f.get();
    } catch (ExecutionException e) {
      all.forEach(o -> o.cancel(true));
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new StatesError(StatesError.RUNTIME, String.valueOf(e.getCause()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      all.forEach(o -> o.cancel(true));
      throw new Aborted();
    }
  }

  private List<JsonNode> readItems(State.MapState.Items source, JsonNode effective, JsonNode context) {
    return switch (source) {
      case State.MapState.ItemsPath itemsPath -> {
        JsonNode items = JsonPath.read(itemsPath.path(), effective, context);
        if (!items.isArray()) {
          throw new StatesError(StatesError.RUNTIME, "ItemsPath must select an array");
        }
        List<JsonNode> out = new ArrayList<>();
        items.forEach(out::add);
        yield out;
      }
      case State.MapState.ItemReader reader -> readItems(reader, effective, context);
    };
  }

  private List<JsonNode> readItems(State.MapState.ItemReader reader, JsonNode effective, JsonNode context) {
    JsonNode parameters = PayloadTemplate.apply(reader.parameters(), effective, context);
    String bucket = parameters.path("Bucket").asText();
    int maxItems = reader.config().maxItems().asInt(effective, context);
    if (items == null) {
      throw new StatesError(StatesError.ITEM_READER_FAILED, "this runner has no S3 item store");
    }
    List<JsonNode> out;
    try {
      out = switch (reader.source()) {
        case LIST_OBJECTS_V2 -> items.list(bucket, parameters.path("Prefix").asText(""));
        case GET_OBJECT -> ItemFormats.parse(items.get(bucket, parameters.path("Key").asText()), reader.config());
      };
    } catch (StatesError e) {
      throw e;
    } catch (RuntimeException e) {
      throw new StatesError(StatesError.ITEM_READER_FAILED, "could not read items from s3://" + bucket + "/"
          + parameters.path("Key").asText(parameters.path("Prefix").asText()) + ": " + e.getMessage(), e);
    }
    return maxItems > 0 && out.size() > maxItems ? out.subList(0, maxItems) : out;
  }

  /** ItemBatcher: consecutive items grouped into {@code {"Items": [...], "BatchInput": {...}}}. */
  private static List<JsonNode> batch(State.MapState.Batcher batcher, List<JsonNode> items, JsonNode effective,
      JsonNode context) {
    int maxItems = batcher.maxItemsPerBatch().asInt(effective, context);
    int maxBytes = batcher.maxInputBytesPerBatch().asInt(effective, context);
    JsonNode batchInput = batcher.batchInput() != null
        ? PayloadTemplate.apply(batcher.batchInput(), effective, context) : null;
    List<JsonNode> batches = new ArrayList<>();
    ArrayNode current = null;
    int bytes = 0;
    for (JsonNode item : items) {
      int size = item.toString().length();
      if (current == null || (maxItems > 0 && current.size() >= maxItems)
          || (!current.isEmpty() && bytes + size > maxBytes)) {
        ObjectNode b = NODES.objectNode();
        current = b.putArray("Items");
        if (batchInput != null) {
          b.set("BatchInput", batchInput);
        }
        batches.add(b);
        bytes = 0;
      }
      current.add(item);
      bytes += size;
    }
    return batches;
  }

  /**
   * ResultWriter: the child executions' results as {@code SUCCEEDED_0.json} / {@code FAILED_0.json} and a
   * {@code manifest.json} under {@code <Prefix>/<map run id>/}; the Map's result then names the manifest.
   */
  private JsonNode writeResults(String name, JsonNode writer, List<IterationResult> results, JsonNode effective,
      JsonNode context, Execution execution) {
    JsonNode parameters = PayloadTemplate.apply(writer, effective, context);
    String bucket = parameters.path("Bucket").asText();
    String prefix = parameters.path("Prefix").asText("");
    String runId = execution.name + "-" + name.replaceAll("[^A-Za-z0-9-]", "-");
    String base = (prefix.isEmpty() || prefix.endsWith("/") ? prefix : prefix + "/") + runId + "/";
    ArrayNode succeeded = NODES.arrayNode();
    ArrayNode failed = NODES.arrayNode();
    AtomicInteger index = new AtomicInteger();
    for (IterationResult r : results) {
      ObjectNode entry = NODES.objectNode();
      entry.put("ExecutionArn", "arn:aws:states:local:000000000000:execution:" + runId + ":" + index.getAndIncrement());
      entry.put("Input", r.input.toString());
      entry.put("InputDetails", NODES.objectNode().put("Included", true).toString());
      entry.put("Name", Integer.toString(index.get() - 1));
      if (r.error == null) {
        entry.put("Output", r.output.toString());
        entry.put("Status", "SUCCEEDED");
        succeeded.add(entry);
      } else {
        entry.put("Error", r.error.error());
        entry.put("Cause", r.error.cause());
        entry.put("Status", "FAILED");
        failed.add(entry);
      }
    }
    ObjectNode manifest = NODES.objectNode();
    manifest.put("DestinationBucket", bucket);
    manifest.put("MapRunArn", "arn:aws:states:local:000000000000:mapRun:" + runId);
    ArrayNode files = manifest.putObject("ResultFiles").putArray("SUCCEEDED");
    ArrayNode failedFiles = ((ObjectNode) manifest.get("ResultFiles")).putArray("FAILED");
    ((ObjectNode) manifest.get("ResultFiles")).putArray("PENDING");
    try {
      if (!succeeded.isEmpty()) {
        items.put(bucket, base + "SUCCEEDED_0.json", JSON.writeValueAsBytes(succeeded));
        files.addObject().put("Key", base + "SUCCEEDED_0.json").put("Size", succeeded.toString().length());
      }
      if (!failed.isEmpty()) {
        items.put(bucket, base + "FAILED_0.json", JSON.writeValueAsBytes(failed));
        failedFiles.addObject().put("Key", base + "FAILED_0.json").put("Size", failed.toString().length());
      }
      items.put(bucket, base + "manifest.json", JSON.writeValueAsBytes(manifest));
    } catch (RuntimeException | com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new StatesError(StatesError.RESULT_WRITER_FAILED, "could not write results to s3://" + bucket + "/"
          + base + ": " + e.getMessage(), e);
    }
    ObjectNode out = NODES.objectNode();
    out.put("MapRunArn", manifest.get("MapRunArn").asText());
    out.putObject("ResultWriterDetails").put("Bucket", bucket).put("Key", base + "manifest.json");
    return out;
  }

  // ---- data flow --------------------------------------------------------------------------------------------------

  private static JsonNode inputPath(State.Io io, JsonNode input, JsonNode context) {
    return io.inputPath() == null ? NODES.objectNode() : JsonPath.read(io.inputPath(), input, context);
  }

  private static JsonNode resultPath(State.Io io, JsonNode input, JsonNode result) {
    return io.resultPath() == null ? input : JsonPath.write(io.resultPath(), input, result);
  }

  private static JsonNode outputPath(State.Io io, JsonNode output, JsonNode context) {
    return io.outputPath() == null ? NODES.objectNode() : JsonPath.read(io.outputPath(), output, context);
  }

  /** Waits (Wait states, retry back-off); tests replace it to run retries without real time passing. */
  @FunctionalInterface
  public interface Sleeper {
    void sleep(Duration d, Execution execution);

    Sleeper REAL = (d, execution) -> {
      long end = System.nanoTime() + d.toNanos();
      while (true) {
        execution.checkRunning();
        long left = end - System.nanoTime();
        if (left <= 0) {
          return;
        }
        try {
          Thread.sleep(Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, 200));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new Aborted();
        }
      }
    };
  }

  public static final class Builder {
    private final Map<String, TaskHandler> handlers = new HashMap<>();
    private ItemStore items;
    private Sleeper sleeper = Sleeper.REAL;
    private java.util.function.Consumer<String> entered = name -> {};

    /** Maps a Task {@code Resource} (after substitutions) to an in-process handler. */
    public Builder task(String resource, TaskHandler handler) {
      handlers.put(Objects.requireNonNull(resource), Objects.requireNonNull(handler));
      return this;
    }

    /** Where distributed Maps read items and write results. */
    public Builder items(ItemStore store) {
      this.items = store;
      return this;
    }

    public Builder sleeper(Sleeper sleeper) {
      this.sleeper = sleeper;
      return this;
    }

    /**
     * Hears the name of every state an execution enters (Map iterations' states included, on their threads): what
     * Step Functions bills as state transitions, so a test can check a cost estimate against the states run.
     */
    public Builder entered(java.util.function.Consumer<String> listener) {
      this.entered = Objects.requireNonNull(listener);
      return this;
    }

    public LocalStateMachineRunner build() {
      return new LocalStateMachineRunner(this);
    }
  }
}
