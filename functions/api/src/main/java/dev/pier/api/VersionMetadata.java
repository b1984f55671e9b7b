package dev.pier.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.kernel.PierException;
import dev.pier.kernel.tensor.SignatureJson;
import dev.pier.registry.Framework;
import dev.pier.registry.NewVersion;
import dev.pier.runtime.oip.OipJson;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Reads the {@code metadata} part of a registration: {@code framework} (required), and optionally
 * {@code signature} (OIP tensor metadata), {@code description}, {@code tags} (string values) and
 * {@code metrics} (numeric values). Unknown fields are refused so that a typo does not pass silently.
 */
final class VersionMetadata {
  private static final Set<String> FIELDS = Set.of("framework", "signature", "description", "tags", "metrics");

  private VersionMetadata() {}

  static NewVersion parse(String json) {
    if (json == null || json.isBlank()) {
      throw PierException.badRequest("multipart part 'metadata' is required: JSON with at least"
          + " {\"framework\": \"" + Framework.ids() + "\"}");
    }
    JsonNode root;
    try {
      root = OipJson.readTree(json.getBytes(StandardCharsets.UTF_8));
    } catch (PierException e) {
      throw PierException.badRequest("metadata: " + e.getMessage());
    }
    if (!root.isObject()) {
      throw PierException.badRequest("metadata must be a JSON object");
    }
    for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!FIELDS.contains(name)) {
        throw PierException.badRequest("metadata: unknown field '" + name + "'; allowed: " + FIELDS);
      }
    }
    JsonNode fw = root.get("framework");
    Framework framework = fw != null && fw.isTextual() ? Framework.parse(fw.asText()) : null;
    if (framework == null) {
      throw PierException.badRequest("metadata.framework must be one of " + Framework.ids()
          + (fw == null ? " (it is missing)" : ", got " + fw));
    }
    JsonNode signature = root.get("signature");
    JsonNode description = root.get("description");
    if (description != null && !description.isNull() && !description.isTextual()) {
      throw PierException.badRequest("metadata.description must be a string");
    }
    Map<String, String> tags = new LinkedHashMap<>();
    JsonNode t = root.get("tags");
    if (t != null && !t.isNull()) {
      if (!t.isObject()) {
        throw PierException.badRequest("metadata.tags must be an object of strings");
      }
      t.fields().forEachRemaining(e -> {
        if (!e.getValue().isTextual()) {
          throw PierException.badRequest("metadata.tags." + e.getKey() + " must be a string");
        }
        tags.put(e.getKey(), e.getValue().asText());
      });
    }
    Map<String, Double> metrics = new LinkedHashMap<>();
    JsonNode m = root.get("metrics");
    if (m != null && !m.isNull()) {
      if (!m.isObject()) {
        throw PierException.badRequest("metadata.metrics must be an object of numbers");
      }
      m.fields().forEachRemaining(e -> {
        if (!e.getValue().isNumber()) {
          throw PierException.badRequest("metadata.metrics." + e.getKey() + " must be a number");
        }
        metrics.put(e.getKey(), e.getValue().asDouble());
      });
    }
    return new NewVersion(framework,
        signature == null || signature.isNull() ? null : SignatureJson.parse(signature, "metadata.signature"),
        description == null || description.isNull() ? null : description.asText(), tags, metrics);
  }
}
