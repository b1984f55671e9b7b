package dev.pier.endpoints.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.kernel.PierException;
import dev.pier.kernel.engine.Framework;
import dev.pier.kernel.json.RequestJson;
import dev.pier.kernel.tensor.Signature;
import dev.pier.kernel.tensor.SignatureJson;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the endpoint needs of a version's registration metadata (the JSON of {@code POST /api/v1/models/{m}/versions}):
 * {@code framework}, {@code signature} (required for TorchScript, which carries none) and {@code batching}. The
 * registration's other fields are accepted and not used here; unknown ones are refused as registration refuses them.
 */
public record EndpointMetadata(Framework framework, Signature signature, BatchPolicy batching) {
  private static final Set<String> FIELDS = Set.of("framework", "signature", "description", "tags", "metrics",
      "batching", "placement", "response_cache", "explain", "params", "properties", "run_id", "lineage", "pipeline",
      "pii_fields", "artifact_signature", "feature_service", "capture");

  public static EndpointMetadata parse(String json) {
    JsonNode root;
    try {
      root = RequestJson.readTree(json.getBytes(StandardCharsets.UTF_8));
    } catch (PierException e) {
      throw PierException.badRequest("metadata: " + e.getMessage());
    }
    if (!root.isObject()) {
      throw PierException.badRequest("metadata must be a JSON object");
    }
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!FIELDS.contains(f)) {
        throw PierException.badRequest("metadata: unknown field '" + f + "'; allowed: " + new TreeSet<>(FIELDS));
      }
    }
    JsonNode fw = root.get("framework");
    Framework framework = fw != null && fw.isTextual() ? Framework.parse(fw.asText()) : null;
    if (framework == null) {
      throw PierException.badRequest("metadata.framework must be one of " + Framework.ids()
          + (fw == null ? " (it is missing)" : ", got " + fw));
    }
    JsonNode sig = root.get("signature");
    Signature signature = sig == null || sig.isNull() ? null : SignatureJson.parse(sig, "metadata.signature");
    return new EndpointMetadata(framework, signature, BatchPolicy.parse(root.get("batching")));
  }
}
