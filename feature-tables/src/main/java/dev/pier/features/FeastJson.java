package dev.pier.features;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/**
 * Feast feature server's JSON for an online read: {@code {"metadata": {"feature_names": [...]}, "results":
 * [{"values": [...], "statuses": [...], "event_timestamps": [...]}, ...]}}, one result per column in the order of
 * {@code feature_names}. Entity columns carry {@code PRESENT} and the epoch, as Feast's do; a value never found has
 * the epoch as its event time too.
 */
public final class FeastJson {
  private FeastJson() {}

  public static ObjectNode online(OnlineResult result) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode root = f.objectNode();
    ArrayNode names = root.putObject("metadata").putArray("feature_names");
    result.featureNames().forEach(names::add);
    ArrayNode results = root.putArray("results");
    for (OnlineResult.Column c : result.columns()) {
      ObjectNode r = results.addObject();
      ArrayNode values = r.putArray("values");
      ArrayNode statuses = r.putArray("statuses");
      ArrayNode times = r.putArray("event_timestamps");
      for (FeatureValue v : c.values()) {
        values.add(c.dtype() == null ? DefinitionsParser.JSON.valueToTree(v.value()) : c.dtype().toJson(v.value()));
        statuses.add(v.status().name());
        times.add((v.eventTime() == null ? Instant.EPOCH : v.eventTime()).toString());
      }
    }
    return root;
  }
}
