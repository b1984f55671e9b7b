package dev.pier.registry.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.kernel.PierException;
import dev.pier.kernel.json.RequestJson;
import dev.pier.registry.Alias;
import dev.pier.registry.Canary;
import java.util.Set;

/** Reads an alias target: {@code {"version": 3}} or {@code {"version": 3, "canary": {"version": 4, "weight": 0.1}}}. */
final class AliasTargetJson {
  private AliasTargetJson() {}

  static Alias.Target parse(byte[] body) {
    JsonNode root = RequestJson.readTree(body);
    if (!root.isObject()) {
      throw PierException.badRequest("body must be {\"version\": N} or {\"version\": N, \"canary\": {\"version\": M, \"weight\": W}}");
    }
    VersionMetadata.onlyFields(root, Set.of("version", "canary"), "alias");
    int version = positive(root.get("version"), "version");
    JsonNode c = root.get("canary");
    if (c == null || c.isNull()) {
      return new Alias.Target(version, null);
    }
    if (!c.isObject()) {
      throw PierException.badRequest("canary must be {\"version\": M, \"weight\": W}");
    }
    VersionMetadata.onlyFields(c, Set.of("version", "weight"), "canary");
    JsonNode weight = c.get("weight");
    if (weight == null || !weight.isNumber()) {
      throw PierException.badRequest("canary.weight must be a number between 0 and 1");
    }
    return new Alias.Target(version, new Canary(positive(c.get("version"), "canary.version"), weight.asDouble()));
  }

  private static int positive(JsonNode n, String field) {
    if (n == null || !n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < 1) {
      throw PierException.badRequest(field + " must be a positive integer" + (n == null ? " (it is missing)" : ", got " + n));
    }
    return n.asInt();
  }
}
