package dev.pier.registry.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pier.kernel.PierException;
import dev.pier.kernel.json.RequestJson;
import dev.pier.security.privacy.PiiFields;
import dev.pier.security.ArtifactSignature;
import dev.pier.kernel.tensor.SignatureJson;
import dev.pier.registry.Batching;
import dev.pier.registry.ExplainSettings;
import dev.pier.kernel.engine.Framework;
import dev.pier.registry.ModelVersion;
import dev.pier.registry.NewVersion;
import dev.pier.registry.Placement;
import dev.pier.registry.ResponseCaching;
import dev.pier.registry.ServingProperties;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the {@code metadata} part of a registration: {@code framework} (required), and optionally
 * {@code signature} (OIP tensor metadata), {@code description}, {@code tags} (string values) and
 * {@code metrics} (numeric values), {@code pii_fields} (input fields holding personal data). Unknown fields are refused so that a typo does not pass silently.
 */
final class VersionMetadata {
  private static final Set<String> FIELDS = Set.of("framework", "signature", "description", "tags", "metrics",
      "batching", "placement", "response_cache", "explain", "params", "properties", "run_id", "lineage", "pipeline",
      "pii_fields", "artifact_signature", "feature_service", "capture");
  private static final Set<String> LINEAGE = Set.of("run", "datasets", "code", "parents", "engine", "container");

  private VersionMetadata() {}

  /** Parses registration metadata; {@code serving} checks the feature pipeline, if any. */
  static NewVersion parse(String json, ServingChecks serving) {
    if (json == null || json.isBlank()) {
      throw PierException.badRequest("multipart part 'metadata' is required: JSON with at least"
          + " {\"framework\": \"" + Framework.ids() + "\"}");
    }
    JsonNode root;
    try {
      root = RequestJson.readTree(json.getBytes(StandardCharsets.UTF_8));
    } catch (PierException e) {
      throw PierException.badRequest("metadata: " + e.getMessage());
    }
    if (!root.isObject()) {
      throw PierException.badRequest("metadata must be a JSON object");
    }
    onlyFields(root, FIELDS, "metadata");
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
    JsonNode runId = root.get("run_id");
    return new NewVersion(framework,
        signature == null || signature.isNull() ? null : SignatureJson.parse(signature, "metadata.signature"),
        new ModelVersion.Metadata(description == null || description.isNull() ? null : description.asText(), tags,
            metrics, strings(root.get("params"), "params"), withServing(withReserved(strings(root.get("properties"),
                "properties"), piiFields(root), root.get("artifact_signature")), root)),
        new ModelVersion.Serving(batching(root.get("batching")), placement(root.get("placement")),
            responseCache(root.get("response_cache")), explain(root.get("explain")),
            pipeline(root.get("pipeline"), serving)),
        new ModelVersion.Provenance(null, runId == null || runId.isNull() ? null : runId.asText(),
            lineage(root.get("lineage"))));
  }

  /**
   * The input fields marked as personal data: {@code "pii_fields": ["name", ...]} and/or {@code "pii": true} on
   * tensors of {@code signature.inputs}. Kept in the version's properties ({@link PiiFields#PROPERTY}).
   */
  private static PiiFields piiFields(JsonNode root) {
    java.util.Set<String> names = new java.util.TreeSet<>();
    JsonNode list = root.get("pii_fields");
    if (list != null && !list.isNull()) {
      if (!list.isArray()) {
        throw PierException.badRequest("metadata.pii_fields must be an array of input field names");
      }
      for (int i = 0; i < list.size(); i++) {
        JsonNode n = list.get(i);
        if (!n.isTextual() || n.asText().isBlank() || n.asText().contains(",")) {
          throw PierException.badRequest("metadata.pii_fields[" + i + "] must be a non-empty field name without commas");
        }
        names.add(n.asText());
      }
    }
    JsonNode inputs = root.path("signature").path("inputs");
    for (int i = 0; i < inputs.size(); i++) {
      JsonNode flag = inputs.get(i).get("pii");
      if (flag == null || flag.isNull()) {
        continue;
      }
      if (!flag.isBoolean()) {
        throw PierException.badRequest("metadata.signature.inputs[" + i + "].pii must be true or false");
      }
      if (flag.asBoolean() && inputs.get(i).path("name").isTextual()) {
        names.add(inputs.get(i).get("name").asText());
      }
    }
    return PiiFields.of(names);
  }

  /** Properties Pier sets from their own metadata fields and never lets a PATCH of {@code properties} change. */
  static final Set<String> RESERVED_PROPERTIES = Set.of(PiiFields.PROPERTY, ArtifactSignature.PROPERTY,
      ServingProperties.FEATURE_SERVICE, ServingProperties.CAPTURE_SAMPLE_RATE,
      ServingProperties.FEATURE_VIEW_VERSIONS);

  /**
   * {@code feature_service} (a feature service's name: its features are looked up online for each instance) and
   * {@code capture} ({@code {"sample_rate": 0.1}}: the share of requests captured for monitoring), kept as
   * {@link ServingProperties}.
   */
  private static Map<String, String> withServing(Map<String, String> properties, JsonNode root) {
    JsonNode service = root.get("feature_service");
    if (service != null && !service.isNull()) {
      if (!service.isTextual() || service.asText().isBlank()) {
        throw PierException.badRequest("metadata.feature_service must be a feature service's name (a string)");
      }
      properties.put(ServingProperties.FEATURE_SERVICE, service.asText());
    }
    JsonNode capture = root.get("capture");
    if (capture != null && !capture.isNull()) {
      properties.put(ServingProperties.CAPTURE_SAMPLE_RATE, captureRate(capture, "metadata.capture"));
    }
    return properties;
  }

  /** {@code {"sample_rate": r}} with r in [0, 1], as the property's text; a 400 naming the field otherwise. */
  static String captureRate(JsonNode capture, String where) {
    if (!capture.isObject() || capture.size() != 1 || !capture.has("sample_rate")) {
      throw PierException.badRequest(where + " must be {\"sample_rate\": r} with r from 0 to 1");
    }
    JsonNode rate = capture.get("sample_rate");
    if (!rate.isNumber() || !(rate.asDouble() >= 0 && rate.asDouble() <= 1)) {
      throw PierException.badRequest(where + ".sample_rate must be a number from 0 to 1, got " + rate);
    }
    return Double.toString(rate.asDouble());
  }

  private static Map<String, String> withReserved(Map<String, String> properties, PiiFields pii, JsonNode signature) {
    for (String reserved : RESERVED_PROPERTIES) {
      if (properties.containsKey(reserved)) {
        throw PierException.badRequest("metadata.properties." + reserved + " is reserved: use metadata.pii_fields"
            + " (or \"pii\": true on signature inputs) and metadata.artifact_signature");
      }
    }
    if (!pii.isEmpty()) {
      properties.put(PiiFields.PROPERTY, pii.property());
    }
    if (signature != null && !signature.isNull()) {
      if (!signature.isTextual() || signature.asText().isBlank()) {
        throw PierException.badRequest("metadata.artifact_signature must be the base64 DER ECDSA signature (a string)");
      }
      properties.put(ArtifactSignature.PROPERTY, signature.asText().strip());
    }
    return properties;
  }

  /** {@code {"background": [[...], ...]}}: representative input rows for KernelSHAP and LIME. */
  private static ExplainSettings explain(JsonNode e) {
    if (e == null || e.isNull()) {
      return null;
    }
    JsonNode rows = e.isObject() ? e.get("background") : null;
    if (rows == null || !rows.isArray() || rows.isEmpty()) {
      throw PierException.badRequest("metadata.explain must be {\"background\": [[row], ...]} with at least one row");
    }
    float[][] background = new float[rows.size()][];
    for (int r = 0; r < rows.size(); r++) {
      JsonNode row = rows.get(r);
      if (!row.isArray()) {
        throw PierException.badRequest("metadata.explain.background[" + r + "] must be an array of numbers");
      }
      background[r] = new float[row.size()];
      for (int j = 0; j < row.size(); j++) {
        if (!row.get(j).isNumber()) {
          throw PierException.badRequest("metadata.explain.background[" + r + "][" + j + "] must be a number");
        }
        background[r][j] = (float) row.get(j).asDouble();
      }
    }
    return new ExplainSettings(background);
  }

  /** {@code {"ttl_seconds": 60, "max_entries": 10000}}; max_entries defaults to 10000. */
  private static ResponseCaching responseCache(JsonNode c) {
    if (c == null || c.isNull()) {
      return null;
    }
    if (!c.isObject()) {
      throw PierException.badRequest("metadata.response_cache must be {\"ttl_seconds\": N, \"max_entries\": M}");
    }
    onlyFields(c, Set.of("ttl_seconds", "max_entries"), "metadata.response_cache");
    JsonNode ttl = c.get("ttl_seconds");
    JsonNode max = c.get("max_entries");
    if (ttl == null || !ttl.isIntegralNumber()) {
      throw PierException.badRequest("metadata.response_cache.ttl_seconds must be an integer");
    }
    if (max != null && !max.isIntegralNumber()) {
      throw PierException.badRequest("metadata.response_cache.max_entries must be an integer");
    }
    return new ResponseCaching(ttl.asLong(), max == null ? 10_000 : max.asLong());
  }

  private static Map<String, String> strings(JsonNode n, String field) {
    Map<String, String> out = new LinkedHashMap<>();
    if (n == null || n.isNull()) {
      return out;
    }
    if (!n.isObject()) {
      throw PierException.badRequest("metadata." + field + " must be an object");
    }
    n.fields().forEachRemaining(e -> {
      if (!e.getValue().isValueNode() || e.getValue().isNull()) {
        throw PierException.badRequest("metadata." + field + "." + e.getKey() + " must be a string or number");
      }
      out.put(e.getKey(), e.getValue().asText());
    });
    return out;
  }

  /**
   * Provenance: {@code run} (training run id), {@code datasets} ([{uri, version, sha256}]), {@code code}
   * ({repository, commit}), {@code parents} ([{model, version}]), {@code engine} / {@code container} (versions).
   */
  private static String lineage(JsonNode n) {
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isObject()) {
      throw PierException.badRequest("metadata.lineage must be an object");
    }
    onlyFields(n, LINEAGE, "metadata.lineage");
    for (String list : List.of("datasets", "parents")) {
      if (n.has(list) && !n.get(list).isArray()) {
        throw PierException.badRequest("metadata.lineage." + list + " must be an array");
      }
    }
    for (JsonNode d : n.path("datasets")) {
      if (!d.hasNonNull("uri")) {
        throw PierException.badRequest("metadata.lineage.datasets: every dataset needs a uri");
      }
    }
    for (JsonNode p : n.path("parents")) {
      if (!p.hasNonNull("model") || !p.path("version").canConvertToInt() || p.get("version").asInt() < 1) {
        throw PierException.badRequest("metadata.lineage.parents: every parent needs a model and a version number");
      }
    }
    return n.toString();
  }

  /**
   * {@code {"kind": "function"|"endpoint"|"ecs", "endpoint_name": "...", "instance_type": "ml.g5.xlarge",
   * "instance_count": 1, "memory_mb": 4096}}; only kind is required.
   */
  private static Placement placement(JsonNode p) {
    if (p == null || p.isNull()) {
      return null;
    }
    if (!p.isObject()) {
      throw PierException.badRequest("metadata.placement must be an object with 'kind' (function, endpoint or ecs)");
    }
    onlyFields(p, Set.of("kind", "endpoint_name", "instance_type", "instance_count", "memory_mb"),
        "metadata.placement");
    JsonNode kind = p.get("kind");
    Placement.Kind k = kind == null || !kind.isTextual() ? null : switch (kind.asText()) {
      case "function" -> Placement.Kind.FUNCTION;
      case "endpoint" -> Placement.Kind.ENDPOINT;
      case "ecs" -> Placement.Kind.ECS;
      default -> null;
    };
    if (k == null) {
      throw PierException.badRequest("metadata.placement.kind must be function, endpoint or ecs"
          + (kind == null ? " (it is missing)" : ", got " + kind));
    }
    return new Placement(k, text(p, "endpoint_name"), text(p, "instance_type"), integer(p, "instance_count"),
        integer(p, "memory_mb"));
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw PierException.badRequest("metadata.placement." + field + " must be a string");
    }
    return v.asText();
  }

  private static Integer integer(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw PierException.badRequest("metadata.placement." + field + " must be an integer");
    }
    return v.asInt();
  }

  /** {@code {"max_batch_size": 32, "max_delay_ms": 2}} and the endpoint's extensions ({@link Batching#parse}). */
  private static Batching batching(JsonNode b) {
    return Batching.parse(b);
  }

  /** Refuses fields outside {@code allowed}, so a typo in a registration does not pass silently. */
  static void onlyFields(JsonNode node, Set<String> allowed, String where) {
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!allowed.contains(name)) {
        throw PierException.badRequest(where + ": unknown field '" + name + "'; allowed: " + new java.util.TreeSet<>(allowed));
      }
    }
  }

  /** The feature pipeline, checked now (a 400 naming the field) and kept as JSON text. */
  private static String pipeline(JsonNode p, ServingChecks serving) {
    if (p == null || p.isNull()) {
      return null;
    }
    serving.checkPipeline(p, "metadata.pipeline");
    return p.toString();
  }
}
