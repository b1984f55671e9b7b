package dev.pier.features;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.kernel.PierException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The api's side of the work it hands to the feature worker Lambda in AWS, where the api zip has no DuckDB: inline
 * historical retrieval ({@code historical-inline}), the offline half of a push ({@code push-offline}) and batch
 * scoring's point-in-time lookups ({@code point-in-time}), each a synchronous invoke whose answer comes back in the
 * invoke's payload, or, when a request or an answer would pass Lambda's 6 MB payload limit, as a JSON object in the
 * staging bucket that the payload names (read once, then deleted).
 *
 * <p>An offline push is staged first: the rows are written to {@code push/<id>.json} in the staging bucket, the id
 * being a digest of the push source and the rows, and only then is the worker asked to write them as Parquet at
 * {@code <batch source>/push-<id>.parquet} (then it deletes the staged object). Once staged the rows are not lost: a
 * failed or timed-out invoke leaves them staged, and the worker writes every staged push before each incremental
 * materialization ({@code push-sweep}). The same rows pushed again write the same object again, never a second copy.
 *
 * <p>The worker answers a request it refuses as {@code {"error": {"status": 400, "message": …}}}: it is re-thrown
 * here with the same status, so a caller sees the same 4xx as from the plain server.
 */
public final class WorkerHandOff {
  /** Requests and answers larger than this go through the staging bucket (Lambda's limit is 6 MB each way). */
  public static final int INLINE_BYTES = 5_000_000;
  static final String PUSH_PREFIX = "push/";
  static final String EXCHANGE_PREFIX = "exchange/";
  private static final ObjectMapper JSON = DefinitionsParser.JSON;

  /** Invokes the worker synchronously: the event's bytes in, its answer's bytes out. */
  @FunctionalInterface
  public interface Invoker {
    /**
     * @throws PierException 502 when the function failed (Lambda's {@code FunctionError}), 503 when it could not be
     *     reached
     */
    byte[] invoke(byte[] event);
  }

  private final Invoker invoker;
  private final S3Client s3;
  private final String bucket;

  /** @param stagingBucket the bucket (no prefix) where both sides exchange what is too big for a payload */
  public WorkerHandOff(Invoker invoker, S3Client s3, String stagingBucket) {
    this.invoker = invoker;
    this.s3 = s3;
    this.bucket = stagingBucket;
  }

  /** The feature worker's answer to inline entity rows, as {@link HistoricalRetrieval#retrieve}'s. */
  public HistoricalRetrieval.Result historical(List<String> features, String featureService, JsonNode entityRows,
      boolean fullFeatureNames) {
    ObjectNode event = JSON.createObjectNode().put("action", WorkerTasks.HISTORICAL_INLINE)
        .put("full_feature_names", fullFeatureNames);
    if (features != null) {
      event.set("features", JSON.valueToTree(features));
    }
    if (featureService != null) {
      event.put("feature_service", featureService);
    }
    event.set("entity_rows", entityRows);
    JsonNode answer = call(event);
    List<String> names = new ArrayList<>();
    answer.path("feature_names").forEach(n -> names.add(n.asText()));
    List<ObjectNode> rows = new ArrayList<>(answer.path("rows").size());
    answer.path("rows").forEach(r -> rows.add((ObjectNode) r));
    return new HistoricalRetrieval.Result(names, rows);
  }

  /** The feature worker's answer to an {@code entity_source} file, as {@link HistoricalRetrieval#retrieveToParquet}'s. */
  public HistoricalRetrieval.ParquetResult historicalToParquet(List<String> features, String featureService,
      String entitySource, String output, boolean fullFeatureNames) {
    ObjectNode event = JSON.createObjectNode().put("action", WorkerTasks.HISTORICAL_FILE)
        .put("full_feature_names", fullFeatureNames).put("entity_source", entitySource);
    if (features != null) {
      event.set("features", JSON.valueToTree(features));
    }
    if (featureService != null) {
      event.put("feature_service", featureService);
    }
    if (output != null) {
      event.put("output", output);
    }
    JsonNode answer = call(event);
    List<String> names = new ArrayList<>();
    answer.path("feature_names").forEach(n -> names.add(n.asText()));
    return new HistoricalRetrieval.ParquetResult(answer.path("output").asText(), answer.path("rows").asLong(), names);
  }

  /**
   * Stages pushed rows, then has the worker write them as Parquet under the push source's batch source.
   *
   * @return where the Parquet object is (or, when the worker could not be reached, will be once a sweep writes it)
   *     and whether it is written yet
   */
  public Staged pushOffline(String pushSource, JsonNode df, String location) {
    String id = pushId(pushSource, df);
    ObjectNode staged = JSON.createObjectNode().put("push_source_name", pushSource)
        .put("staged_at", Instant.now().toString());
    staged.set("df", df);
    String key = PUSH_PREFIX + id + ".json";
    s3.putObject(b -> b.bucket(bucket).key(key).contentType("application/json"),
        RequestBody.fromBytes(bytes(staged))); // from here on the rows are durable: a sweep writes them if we cannot
    try {
      JsonNode answer = call(JSON.createObjectNode().put("action", WorkerTasks.PUSH_OFFLINE).put("staged", key));
      return new Staged(answer.path("offline_object").asText(location), true);
    } catch (PierException e) {
      if (e.status() < 500) {
        throw e; // refused (the definitions changed under it); the worker removed the staged rows
      }
      return new Staged(location, false);
    }
  }

  /** Where staged rows are written, and whether they are yet. */
  public record Staged(String location, boolean written) {}

  /** Batch scoring's point-in-time lookups, as {@link PointInTimeLookup#lookup}'s, values typed by the catalog. */
  public List<Map<String, FeatureValue>> pointInTime(Catalog catalog, String featureService,
      List<Map<String, Object>> instances, String timestampField) {
    ObjectNode event = JSON.createObjectNode().put("action", WorkerTasks.POINT_IN_TIME)
        .put("feature_service", featureService).put("timestamp_field", timestampField);
    var list = event.putArray("instances");
    for (Map<String, Object> instance : instances) {
      ObjectNode row = list.addObject();
      instance.forEach((k, v) -> row.set(k, v instanceof Instant t ? JSON.getNodeFactory().textNode(t.toString())
          : JSON.valueToTree(v)));
    }
    JsonNode answer = call(event);
    Map<String, Dtype> types = new LinkedHashMap<>();
    for (FeatureRef r : catalog.resolve(null, featureService)) {
      types.put(r.fullName(), catalog.dtype(r));
    }
    List<Map<String, FeatureValue>> out = new ArrayList<>(instances.size());
    for (JsonNode row : answer.path("rows")) {
      Map<String, FeatureValue> values = new LinkedHashMap<>();
      for (var e : row.properties()) {
        Dtype type = types.get(e.getKey());
        JsonNode v = e.getValue();
        JsonNode value = v.path("value");
        values.put(e.getKey(), new FeatureValue(type == null || value.isNull() || value.isMissingNode() ? null
            : type.fromJson(value), FeatureStatus.valueOf(v.path("status").asText()),
            v.hasNonNull("event_timestamp") ? Instant.parse(v.get("event_timestamp").asText()) : null));
      }
      out.add(values);
    }
    if (out.size() != instances.size()) {
      throw new PierException(502, "the feature worker answered " + out.size() + " rows for " + instances.size()
          + " instances");
    }
    return out;
  }

  /** A push's id: the same source and rows give the same id, so pushing them again writes the same object. */
  static String pushId(String pushSource, JsonNode df) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(pushSource.getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 0);
      sha.update(bytes(df));
      return HexFormat.of().formatHex(sha.digest(), 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Sends the event (through the staging bucket when too big), reads the answer (likewise), re-throws a refusal. */
  private JsonNode call(ObjectNode event) {
    byte[] payload = bytes(event);
    String requestKey = null;
    if (payload.length > INLINE_BYTES) {
      requestKey = EXCHANGE_PREFIX + UUID.randomUUID() + "-request.json";
      String k = requestKey;
      s3.putObject(b -> b.bucket(bucket).key(k).contentType("application/json"), RequestBody.fromBytes(payload));
      payload = bytes(JSON.createObjectNode().put("action", event.path("action").asText()).put("request", k));
    }
    JsonNode answer;
    try {
      answer = JSON.readTree(invoker.invoke(payload));
    } catch (IOException e) {
      throw new PierException(502, "the feature worker's answer is not JSON: " + e.getMessage(), e);
    } finally {
      if (requestKey != null) {
        String k = requestKey;
        s3.deleteObject(b -> b.bucket(bucket).key(k));
      }
    }
    if (answer.has("answer")) { // too big for the payload: staged by the worker, read once
      String key = answer.get("answer").asText();
      try {
        answer = JSON.readTree(s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } finally {
        s3.deleteObject(b -> b.bucket(bucket).key(key));
      }
    }
    JsonNode error = answer.get("error");
    if (error != null && error.isObject()) {
      throw new PierException(error.path("status").asInt(500), error.path("message").asText("the worker failed"));
    }
    return answer;
  }

  static byte[] bytes(JsonNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
