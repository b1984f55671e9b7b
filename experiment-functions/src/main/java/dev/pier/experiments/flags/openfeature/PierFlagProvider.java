package dev.pier.experiments.flags.openfeature;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.openfeature.sdk.ErrorCode;
import dev.openfeature.sdk.EvaluationContext;
import dev.openfeature.sdk.FeatureProvider;
import dev.openfeature.sdk.ImmutableMetadata;
import dev.openfeature.sdk.Metadata;
import dev.openfeature.sdk.ProviderEvaluation;
import dev.openfeature.sdk.Value;
import dev.pier.experiments.assignment.ExposureBuffer;
import dev.pier.experiments.assignment.FlagAssignment;
import dev.pier.experiments.assignment.FlagExperiments;
import dev.pier.experiments.flags.Evaluation;
import dev.pier.experiments.flags.Flag;
import dev.pier.experiments.flags.FlagEvaluator;
import dev.pier.experiments.flags.FlagJson;
import dev.pier.experiments.flags.FlagType;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * An OpenFeature provider for Pier's flags that evaluates locally: it fetches every flag from
 * {@code GET /api/v1/flags} at {@link #initialize} and then every {@code refresh} (with {@code If-None-Match}, so an
 * unchanged configuration costs a 304), evaluates with the server's own {@link FlagEvaluator} (same rules, same unit
 * hash, so client and server agree), and reports exposures (flag, variant, targeting key, time) to
 * {@code POST /api/v1/flags/exposures} in batches every {@code flushEvery} or at 500 pending. A flag with a running
 * experiment on it (the listing carries the running flag experiments and the global holdout) is evaluated as the
 * server does: a unit the experiment takes gets its arm's variant (reason {@code SPLIT}, flag metadata
 * {@code experiment} = {@code <id>=<arm>}), and its first exposure is reported to
 * {@code POST /api/v1/experiments/{id}/exposures} at the same flushes, so the experiment's results count the units
 * the provider placed. An evaluation never
 * waits on the network. A flag that is missing answers the caller's default with {@code FLAG_NOT_FOUND}; a type the
 * call does not ask for answers it with {@code TYPE_MISMATCH}.
 *
 * <pre>
 * OpenFeatureAPI.getInstance().setProviderAndWait(new PierFlagProvider(URI.create("http://127.0.0.1:8080"),
 *     Duration.ofSeconds(30), Duration.ofSeconds(10), Map.of("X-Api-Key", key)));
 * boolean on = OpenFeatureAPI.getInstance().getClient().getBooleanValue("new-checkout", false,
 *     new ImmutableContext("user-42", Map.of("country", new Value("NL"))));
 * </pre>
 */
public final class PierFlagProvider implements FeatureProvider {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int FLUSH_AT = 500;

  private final URI base;
  private final Duration refresh;
  private final Duration flushEvery;
  private final Map<String, String> headers;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final ConcurrentLinkedQueue<ObjectNode> pending = new ConcurrentLinkedQueue<>();
  private final AtomicInteger pendingCount = new AtomicInteger();
  private volatile Map<String, Flag> flags = Map.of();
  private volatile FlagExperiments experiments = FlagExperiments.NONE;
  // units placed by experiments on flags: deduplicated, bounded, retried (see ExposureBuffer), posted by flush
  private final ExposureBuffer experimentExposures = new ExposureBuffer(10_000);
  private volatile String etag;
  private ScheduledExecutorService scheduler;

  /** {@code headers} carry credentials ({@code X-Api-Key} or {@code Authorization}) when the server asks for them. */
  public PierFlagProvider(URI base, Duration refresh, Duration flushEvery, Map<String, String> headers) {
    this.base = base;
    this.refresh = refresh;
    this.flushEvery = flushEvery;
    this.headers = Map.copyOf(headers);
  }

  @Override
  public Metadata getMetadata() {
    return () -> "pier";
  }

  @Override
  public void initialize(EvaluationContext context) throws Exception {
    refresh();
    scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "pier-flags");
      t.setDaemon(true);
      return t;
    });
    scheduler.scheduleWithFixedDelay(this::refreshQuietly, refresh.toMillis(), refresh.toMillis(), TimeUnit.MILLISECONDS);
    scheduler.scheduleWithFixedDelay(this::flushQuietly, flushEvery.toMillis(), flushEvery.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  @Override
  public void shutdown() {
    if (scheduler != null) scheduler.shutdownNow();
    flushQuietly();
  }

  /** Fetches the flags now unless unchanged since the last fetch. */
  public void refresh() throws IOException, InterruptedException {
    HttpRequest.Builder request = request("/api/v1/flags").GET();
    if (etag != null) request.header("If-None-Match", etag);
    HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() == 304) return;
    if (response.statusCode() != 200) {
      throw new IOException("GET /api/v1/flags answered " + response.statusCode() + ": " + response.body());
    }
    Map<String, Flag> next = new HashMap<>();
    JsonNode root = JSON.readTree(response.body());
    for (JsonNode node : root.path("flags")) {
      Flag flag = FlagJson.read(node);
      next.put(flag.key(), flag);
    }
    experiments = FlagExperiments.fromJson(root);
    flags = Map.copyOf(next);
    etag = response.headers().firstValue("ETag").orElse(null);
  }

  /**
   * Sends the exposures collected so far, in requests of at most 1,000: the experiments' first exposures of units to
   * {@code POST /api/v1/experiments/{id}/exposures} (a failed request is kept and sent again by the next flush), then
   * the flag exposures.
   */
  public void flush() throws IOException, InterruptedException {
    RuntimeException failed = experimentExposures.drain(this::postExperimentExposures, 1_000);
    if (failed != null) {
      throw new IOException("experiment exposures kept for the next flush: " + failed.getMessage(), failed);
    }
    List<ObjectNode> batch = new ArrayList<>();
    ObjectNode next;
    while ((next = pending.poll()) != null) {
      pendingCount.decrementAndGet();
      batch.add(next);
      if (batch.size() == 1_000) {
        postOrRequeue(batch);
        batch.clear();
      }
    }
    if (!batch.isEmpty()) postOrRequeue(batch);
  }

  /** A failed report goes back in the queue for the next flush (up to 10,000 pending; beyond that it is dropped). */
  private void postOrRequeue(List<ObjectNode> batch) throws IOException, InterruptedException {
    try {
      post(batch);
    } catch (IOException e) {
      if (pendingCount.get() < 10_000) {
        pending.addAll(batch);
        pendingCount.addAndGet(batch.size());
      }
      throw e;
    }
  }

  @Override
  public ProviderEvaluation<Boolean> getBooleanEvaluation(String key, Boolean fallback, EvaluationContext ctx) {
    return evaluate(key, fallback, ctx, FlagType.BOOLEAN, JsonNode::asBoolean);
  }

  @Override
  public ProviderEvaluation<String> getStringEvaluation(String key, String fallback, EvaluationContext ctx) {
    return evaluate(key, fallback, ctx, FlagType.STRING, JsonNode::asText);
  }

  @Override
  public ProviderEvaluation<Integer> getIntegerEvaluation(String key, Integer fallback, EvaluationContext ctx) {
    return evaluate(key, fallback, ctx, FlagType.NUMBER, JsonNode::asInt);
  }

  @Override
  public ProviderEvaluation<Double> getDoubleEvaluation(String key, Double fallback, EvaluationContext ctx) {
    return evaluate(key, fallback, ctx, FlagType.NUMBER, JsonNode::asDouble);
  }

  @Override
  public ProviderEvaluation<Value> getObjectEvaluation(String key, Value fallback, EvaluationContext ctx) {
    return evaluate(key, fallback, ctx, FlagType.JSON, node -> Value.objectToValue(JSON.convertValue(node, Object.class)));
  }

  private <T> ProviderEvaluation<T> evaluate(String key, T fallback, EvaluationContext ctx, FlagType wanted,
                                             Function<JsonNode, T> convert) {
    Flag flag = flags.get(key);
    if (flag == null) return error(fallback, ErrorCode.FLAG_NOT_FOUND, "no flag '" + key + "'");
    if (flag.type() != wanted) {
      return error(fallback, ErrorCode.TYPE_MISMATCH, "flag '" + key + "' is a " + flag.type().name().toLowerCase(java.util.Locale.ROOT)
          + " flag");
    }
    String targetingKey = ctx == null ? null : ctx.getTargetingKey();
    Map<String, JsonNode> attributes = new HashMap<>();
    if (ctx != null) ctx.asObjectMap().forEach((name, value) -> attributes.put(name, JSON.valueToTree(value)));
    FlagAssignment placed = experiments.isEmpty() ? null : experiments.arm(flag, targetingKey, attributes);
    Evaluation e = FlagExperiments.served(flag, placed, FlagEvaluator.evaluate(flag, targetingKey, attributes));
    if (targetingKey != null && !targetingKey.isEmpty()) expose(key, e.variant(), targetingKey);
    var answer = ProviderEvaluation.<T>builder().value(convert.apply(e.value())).variant(e.variant()).reason(e.reason());
    if (placed != null) {
      experimentExposures.offer(placed.experiment(), targetingKey, placed.arm(), Instant.now().toEpochMilli());
      if (experimentExposures.queued() >= FLUSH_AT && scheduler != null) scheduler.execute(this::flushQuietly);
      answer.flagMetadata(ImmutableMetadata.builder().addString("experiment", e.experiment()).build());
    }
    return answer.build();
  }

  private void expose(String key, String variant, String unit) {
    pending.add(JSON.createObjectNode().put("flag", key).put("variant", variant).put("unit", unit)
        .put("timestamp", Instant.now().toEpochMilli()));
    if (pendingCount.incrementAndGet() >= FLUSH_AT && scheduler != null) scheduler.execute(this::flushQuietly);
  }

  private static <T> ProviderEvaluation<T> error(T fallback, ErrorCode code, String message) {
    return ProviderEvaluation.<T>builder().value(fallback).reason("ERROR").errorCode(code).errorMessage(message)
        .build();
  }

  private void post(List<ObjectNode> items) throws IOException, InterruptedException {
    ObjectNode body = JSON.createObjectNode();
    ArrayNode array = body.putArray("items");
    items.forEach(array::add);
    HttpResponse<String> response = http.send(request("/api/v1/flags/exposures")
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() / 100 != 2) {
      throw new IOException("POST /api/v1/flags/exposures answered " + response.statusCode() + ": " + response.body());
    }
  }

  /** One batch of an experiment's exposures, {@code [unit, arm, epochMillis]} rows; throws to keep it for later. */
  private void postExperimentExposures(String experiment, String batchId, List<Object[]> rows) {
    ObjectNode body = JSON.createObjectNode();
    ArrayNode items = body.putArray("items");
    for (Object[] r : rows) {
      items.addObject().put("unit", (String) r[0]).put("arm", (String) r[1]).put("timestamp", (Long) r[2]);
    }
    String path = "/api/v1/experiments/" + experiment + "/exposures";
    try {
      HttpResponse<String> response = http.send(request(path).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() == 409 || response.statusCode() == 404) {
        return; // the experiment stopped (or is gone) since the last refresh: its exposures no longer count
      }
      if (response.statusCode() / 100 != 2) {
        throw new IllegalStateException("POST " + path + " answered " + response.statusCode() + ": "
            + response.body());
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("POST " + path + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while posting " + path, e);
    }
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10));
    headers.forEach(b::header);
    return b;
  }

  private void refreshQuietly() {
    try {
      refresh();
    } catch (IOException e) {
      System.getLogger(PierFlagProvider.class.getName()).log(System.Logger.Level.WARNING,
          "flag refresh failed; evaluating with the last configuration: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void flushQuietly() {
    try {
      flush();
    } catch (IOException e) {
      System.getLogger(PierFlagProvider.class.getName()).log(System.Logger.Level.WARNING,
          "flag exposure report failed: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
