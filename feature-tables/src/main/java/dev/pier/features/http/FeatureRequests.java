package dev.pier.features.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.kernel.PierException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reading the feature store's request bodies: unknown keys and mistyped fields are a 400 naming them. */
final class FeatureRequests {
  private FeatureRequests() {}

  /** Feast's online request: {@code features} or {@code feature_service}, {@code entities}, {@code full_feature_names}. */
  record Online(List<String> features, String featureService, Map<String, JsonNode> entities, boolean fullNames) {}

  /** {@code entity_rows} with {@code features} or {@code feature_service}, and {@code full_feature_names}. */
  record Historical(List<String> features, String featureService, JsonNode entityRows, String entitySource,
      String output, boolean fullNames) {}

  static Online online(JsonNode body) {
    object(body, Set.of("features", "feature_service", "entities", "full_feature_names"));
    Map<String, JsonNode> entities = new LinkedHashMap<>();
    JsonNode e = body.path("entities");
    if (!e.isMissingNode() && !e.isObject()) {
      throw PierException.badRequest("'entities' must be an object of join key → list of values");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = e.fields(); it.hasNext(); ) {
      var entry = it.next();
      entities.put(entry.getKey(), entry.getValue());
    }
    return new Online(features(body), text(body, "feature_service"), entities, bool(body, "full_feature_names"));
  }

  static Historical historical(JsonNode body) {
    object(body, Set.of("features", "feature_service", "entity_rows", "entity_source", "output",
        "full_feature_names"));
    if (body.has("entity_rows") == body.has("entity_source")) {
      throw PierException.badRequest("give either 'entity_rows' (up to 10000, answered inline) or 'entity_source'"
          + " (an s3:// Parquet file, answered as a Parquet file at 'output')");
    }
    if (body.has("output") && !body.has("entity_source")) {
      throw PierException.badRequest("'output' goes with 'entity_source'; inline entity_rows are answered inline");
    }
    return new Historical(features(body), text(body, "feature_service"), body.get("entity_rows"),
        text(body, "entity_source"), text(body, "output"), bool(body, "full_feature_names"));
  }

  /** A historical retrieval job's request: an {@code entity_source} file (inline rows go to the synchronous route). */
  static Historical historicalJob(JsonNode body) {
    object(body, Set.of("features", "feature_service", "entity_source", "output", "full_feature_names"));
    if (!body.hasNonNull("entity_source")) {
      throw PierException.badRequest("'entity_source' (an s3:// Parquet file of entity rows) is required; inline"
          + " entity_rows are answered at once by POST /api/v1/features/historical");
    }
    return new Historical(features(body), text(body, "feature_service"), null, text(body, "entity_source"),
        text(body, "output"), bool(body, "full_feature_names"));
  }

  static void object(JsonNode body, Set<String> known) {
    if (body == null || !body.isObject()) {
      throw PierException.badRequest("the request body must be a JSON object");
    }
    for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!known.contains(k)) {
        throw PierException.badRequest("unknown field '" + k + "' (known: "
            + String.join(", ", known.stream().sorted().toList()) + ")");
      }
    }
  }

  private static List<String> features(JsonNode body) {
    JsonNode f = body.get("features");
    if (f == null || f.isNull()) {
      return null;
    }
    if (!f.isArray()) {
      throw PierException.badRequest("'features' must be a list of \"view:feature\"");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode n : f) {
      if (!n.isTextual()) {
        throw PierException.badRequest("'features' must be a list of \"view:feature\"; " + n + " is not text");
      }
      out.add(n.textValue());
    }
    return out;
  }

  static java.time.Instant time(JsonNode body, String field) {
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    try {
      return dev.pier.features.Timestamps.parse(n);
    } catch (IllegalArgumentException e) {
      throw PierException.badRequest("'" + field + "': " + e.getMessage());
    }
  }

  static List<String> names(JsonNode body, String field) {
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) {
      return List.of();
    }
    if (!n.isArray()) {
      throw PierException.badRequest("'" + field + "' must be a list of names");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode e : n) {
      if (!e.isTextual()) {
        throw PierException.badRequest("'" + field + "' must be a list of names; " + e + " is not text");
      }
      out.add(e.textValue());
    }
    return out;
  }

  static String text(JsonNode body, String field) {
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isTextual()) {
      throw PierException.badRequest("'" + field + "' must be text");
    }
    return n.textValue();
  }

  private static boolean bool(JsonNode body, String field) {
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) {
      return false;
    }
    if (!n.isBoolean()) {
      throw PierException.badRequest("'" + field + "' must be true or false");
    }
    return n.booleanValue();
  }
}
