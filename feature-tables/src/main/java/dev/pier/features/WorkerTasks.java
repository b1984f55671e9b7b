package dev.pier.features;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.kernel.PierException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The feature worker's side of {@link WorkerHandOff}: the tasks the api hands over because they need DuckDB.
 * {@code historical-inline} joins inline entity rows, {@code historical-file} an {@code entity_source} file into its
 * Parquet output, {@code point-in-time} looks up batch instances as of their
 * timestamps, {@code push-offline} writes one staged push as Parquet and {@code push-sweep} every staged push left
 * (after an invoke that failed). A request too big for Lambda's payload arrives as a {@code request} key of the
 * staging bucket; an answer too big for it is put there and answered as {@code {"answer": key}}. A request refused
 * (4xx) is answered as {@code {"error": {"status", "message"}}} rather than thrown, so the api answers the same 4xx.
 */
public final class WorkerTasks {
  public static final String HISTORICAL_INLINE = "historical-inline";
  public static final String HISTORICAL_FILE = "historical-file";
  public static final String POINT_IN_TIME = "point-in-time";
  public static final String PUSH_OFFLINE = "push-offline";
  public static final String PUSH_SWEEP = "push-sweep";
  private static final ObjectMapper JSON = DefinitionsParser.JSON;

  private final FeatureRegistry registry;
  private final HistoricalRetrieval historical;
  private final PointInTimeLookup pointInTime;
  private final FeaturePush push;
  private final S3Client s3;
  private final String bucket;

  public WorkerTasks(FeatureRegistry registry, HistoricalRetrieval historical, PointInTimeLookup pointInTime,
      FeaturePush push, S3Client s3, String stagingBucket) {
    this.registry = registry;
    this.historical = historical;
    this.pointInTime = pointInTime;
    this.push = push;
    this.s3 = s3;
    this.bucket = stagingBucket;
  }

  /** Whether {@code action} is one of these tasks. */
  public static boolean handles(String action) {
    return List.of(HISTORICAL_INLINE, HISTORICAL_FILE, POINT_IN_TIME, PUSH_OFFLINE, PUSH_SWEEP).contains(action);
  }

  public JsonNode invoke(JsonNode event) {
    try {
      JsonNode request = event.has("request") ? read(event.get("request").asText()) : event;
      JsonNode answer = switch (event.path("action").asText()) {
        case HISTORICAL_INLINE -> historical(request);
        case HISTORICAL_FILE -> JSON.valueToTree(historical.retrieveToParquet(names(request.get("features")),
            request.hasNonNull("feature_service") ? request.get("feature_service").asText() : null,
            request.path("entity_source").asText(), request.hasNonNull("output") ? request.get("output").asText() : null,
            request.path("full_feature_names").asBoolean(false)));
        case POINT_IN_TIME -> pointInTime(request);
        case PUSH_OFFLINE -> writeStaged(request.path("staged").asText());
        case PUSH_SWEEP -> JSON.createObjectNode().put("written", sweep());
        default -> throw PierException.badRequest("unknown action " + event.path("action"));
      };
      byte[] bytes = WorkerHandOff.bytes(answer);
      if (bytes.length <= WorkerHandOff.INLINE_BYTES) {
        return answer;
      }
      String key = WorkerHandOff.EXCHANGE_PREFIX + UUID.randomUUID() + "-answer.json";
      s3.putObject(b -> b.bucket(bucket).key(key).contentType("application/json"), RequestBody.fromBytes(bytes));
      return JSON.createObjectNode().put("answer", key);
    } catch (PierException e) {
      if (e.status() >= 500) {
        throw e;
      }
      ObjectNode error = JSON.createObjectNode();
      error.putObject("error").put("status", e.status()).put("message", e.getMessage());
      return error;
    }
  }

  private JsonNode historical(JsonNode r) {
    HistoricalRetrieval.Result result = historical.retrieve(names(r.get("features")),
        r.hasNonNull("feature_service") ? r.get("feature_service").asText() : null, r.get("entity_rows"),
        r.path("full_feature_names").asBoolean(false));
    ObjectNode out = JSON.createObjectNode();
    out.set("feature_names", JSON.valueToTree(result.featureNames()));
    ArrayNode rows = out.putArray("rows");
    result.rows().forEach(rows::add);
    return out;
  }

  private JsonNode pointInTime(JsonNode r) {
    String service = r.path("feature_service").asText();
    List<Map<String, Object>> instances = new ArrayList<>();
    for (JsonNode i : r.path("instances")) {
      @SuppressWarnings("unchecked")
      Map<String, Object> instance = JSON.convertValue(i, LinkedHashMap.class);
      instances.add(instance);
    }
    List<Map<String, FeatureValue>> found = pointInTime.lookup(service, instances,
        r.path("timestamp_field").asText(HistoricalRetrieval.EVENT_TIMESTAMP));
    Catalog catalog = registry.catalog();
    Map<String, Dtype> types = new LinkedHashMap<>();
    for (FeatureRef ref : catalog.resolve(null, service)) {
      types.put(ref.fullName(), catalog.dtype(ref));
    }
    ObjectNode out = JSON.createObjectNode();
    ArrayNode rows = out.putArray("rows");
    for (Map<String, FeatureValue> values : found) {
      ObjectNode row = rows.addObject();
      for (var e : values.entrySet()) {
        FeatureValue v = e.getValue();
        ObjectNode value = row.putObject(e.getKey());
        Dtype type = types.get(e.getKey());
        if (v.value() == null || type == null) {
          value.putNull("value");
        } else {
          value.set("value", type.toJson(v.value()));
        }
        value.put("status", v.status().name());
        if (v.eventTime() != null) {
          value.put("event_timestamp", v.eventTime().toString());
        }
      }
    }
    return out;
  }

  /**
   * Writes one staged push as Parquet and deletes it; a push already written (the object is gone) answers nothing to
   * do. Rows the definitions no longer accept are dropped with the 400 naming why, as the api would have answered.
   */
  private JsonNode writeStaged(String key) {
    JsonNode staged;
    try {
      staged = read(key);
    } catch (NoSuchKeyException e) {
      return JSON.createObjectNode().put("already_written", true);
    }
    String id = key.substring(WorkerHandOff.PUSH_PREFIX.length(), key.length() - ".json".length());
    FeaturePush.PushResult result;
    try {
      result = push.writeStaged(staged.path("push_source_name").asText(), staged.get("df"), id,
          Instant.parse(staged.path("staged_at").asText()));
    } catch (PierException e) {
      if (e.status() < 500) { // refused for good: nothing to retry; the api (or the sweep's log) names why
        s3.deleteObject(b -> b.bucket(bucket).key(key));
      }
      throw e; // a 5xx leaves the rows staged for the next sweep
    }
    s3.deleteObject(b -> b.bucket(bucket).key(key)); // only once the Parquet object is written
    return JSON.createObjectNode().put("offline_object", result.offlineObject());
  }

  /** Writes every staged push (those whose invoke failed); answers how many. */
  public int sweep() {
    int n = 0;
    for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(WorkerHandOff.PUSH_PREFIX)).contents()) {
      if (o.key().endsWith(".json")) {
        try {
          writeStaged(o.key());
          n++;
        } catch (PierException e) {
          if (e.status() >= 500) {
            throw e;
          }
          System.err.println("feature worker: staged push " + o.key() + " refused and dropped: " + e.getMessage());
        }
      }
    }
    return n;
  }

  private JsonNode read(String key) {
    try {
      return JSON.readTree(s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> names(JsonNode list) {
    if (list == null || list.isNull()) {
      return null;
    }
    List<String> out = new ArrayList<>();
    list.forEach(n -> out.add(n.asText()));
    return out;
  }
}
