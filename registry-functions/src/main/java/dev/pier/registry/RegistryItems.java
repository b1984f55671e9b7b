package dev.pier.registry;

import dev.pier.kernel.engine.Framework;

import static dev.pier.registry.RegistryTable.PK;
import static dev.pier.registry.RegistryTable.SK;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.kernel.PierException;
import dev.pier.kernel.tensor.Signature;
import dev.pier.kernel.tensor.SignatureJson;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * How the registry's values are stored as DynamoDB items (see {@link RegistryTable} for the keys): the one place that
 * knows attribute names. The names and shapes are those of the first stored versions, so tables written by older
 * builds read unchanged ({@code StoredDataCompatibilityTest}); a new field gets a new, optional attribute.
 */
final class RegistryItems {
  private static final ObjectMapper JSON = new ObjectMapper();

  private RegistryItems() {}

  // --- keys ---

  static String partition(String model) {
    return "MODEL#" + model;
  }

  static Map<String, AttributeValue> modelKey(String model) {
    return Map.of(PK, s(partition(model)), SK, s("MODEL"));
  }

  static Map<String, AttributeValue> versionKey(String model, int version) {
    return Map.of(PK, s(partition(model)), SK, s(String.format("VERSION#%010d", version)));
  }

  static Map<String, AttributeValue> aliasKey(String model, String alias) {
    return Map.of(PK, s(partition(model)), SK, s("ALIAS#" + alias));
  }

  static Map<String, AttributeValue> aliasChangeKey(String model, String alias, long revision) {
    return Map.of(PK, s(partition(model)), SK, s(String.format("ALIASLOG#%s#%010d", alias, revision)));
  }

  static Map<String, AttributeValue> idempotencyKey(String model, String key) {
    return Map.of(PK, s(partition(model)), SK, s("IDEMPOTENCY#" + key));
  }

  static Map<String, AttributeValue> cardKey(String model, int version) {
    return Map.of(PK, s(partition(model)), SK, s(String.format("CARD#%010d", version)));
  }

  /** The key of an item, whatever it is. */
  static Map<String, AttributeValue> keyOf(Map<String, AttributeValue> item) {
    return Map.of(PK, item.get(PK), SK, item.get(SK));
  }

  // --- versions ---

  static Map<String, AttributeValue> versionItem(ModelVersion v) {
    Map<String, AttributeValue> item = new HashMap<>(versionKey(v.model(), v.version()));
    item.put("model", s(v.model()));
    item.put("version", n(v.version()));
    ModelVersion.Artifact a = v.artifact();
    if (a.framework() != null) {
      item.put("framework", s(a.framework().id()));
    }
    if (a.sha256() != null) {
      item.put("sha256", s(a.sha256()));
      item.put("artifactKey", s(a.key()));
    }
    item.put("sizeBytes", n(a.sizeBytes()));
    item.put("servable", AttributeValue.fromBool(a.servable()));
    item.put("reviewStatus", s(v.governance().status().name()));
    item.put("stage", s(v.governance().stage()));
    item.put("revision", n(v.revision()));
    item.put("updatedAt", s(v.updatedAt().toString()));
    putIfSet(item, "source", v.provenance().source());
    putIfSet(item, "runId", v.provenance().runId());
    putIfSet(item, "statusMessage", a.statusMessage());
    putIfSet(item, "lineage", v.provenance().lineage());
    putIfSet(item, "pipeline", v.serving().pipeline());
    putIfSet(item, "createdBy", v.governance().createdBy());
    ModelVersion.Metadata m = v.metadata();
    if (!m.params().isEmpty()) {
      item.put("params", stringMap(m.params()));
    }
    if (!m.properties().isEmpty()) {
      item.put("properties", stringMap(m.properties()));
    }
    if (a.signature() != null) {
      item.put("signature", s(SignatureJson.write(a.signature()).toString()));
    }
    putIfSet(item, "description", m.description());
    if (!m.tags().isEmpty()) {
      item.put("tags", stringMap(m.tags()));
    }
    if (!m.metrics().isEmpty()) {
      item.put("metrics", numberMap(m.metrics()));
    }
    ModelVersion.Serving serving = v.serving();
    if (serving.batching() != null) {
      item.put("batching", batchingItem(serving.batching()));
    }
    if (serving.placement() != null) {
      item.put("placement", placementItem(serving.placement()));
    }
    if (serving.responseCache() != null) {
      item.put("responseCache", AttributeValue.fromM(Map.of("ttlSeconds", n(serving.responseCache().ttlSeconds()),
          "maxEntries", n(serving.responseCache().maxEntries()))));
    }
    if (serving.explain() != null) {
      List<AttributeValue> rows = new ArrayList<>();
      for (float[] row : serving.explain().background()) {
        List<AttributeValue> values = new ArrayList<>(row.length);
        for (float x : row) {
          values.add(AttributeValue.fromN(Float.toString(x)));
        }
        rows.add(AttributeValue.fromL(values));
      }
      item.put("explainBackground", AttributeValue.fromL(rows));
    }
    item.put("createdAt", s(v.createdAt().toString()));
    return item;
  }

  static ModelVersion toVersion(Map<String, AttributeValue> item) {
    Signature signature = null;
    if (item.containsKey("signature")) {
      try {
        signature = SignatureJson.parse(JSON.readTree(item.get("signature").s()), "signature");
      } catch (IOException e) {
        throw new PierException(500, "stored signature is not JSON: " + e.getMessage(), e);
      }
    }
    ModelVersion.Artifact artifact = new ModelVersion.Artifact(
        item.containsKey("framework") ? Framework.parse(item.get("framework").s()) : null, signature,
        str(item, "sha256"), Long.parseLong(item.get("sizeBytes").n()), str(item, "artifactKey"),
        !item.containsKey("servable") || item.get("servable").bool(), str(item, "statusMessage"));
    ModelVersion.Metadata metadata = new ModelVersion.Metadata(str(item, "description"), stringMap(item, "tags"),
        numberMap(item, "metrics"), stringMap(item, "params"), stringMap(item, "properties"));
    ModelVersion.Serving serving = new ModelVersion.Serving(
        item.containsKey("batching") ? toBatching(item.get("batching").m()) : null,
        item.containsKey("placement") ? toPlacement(item.get("placement").m()) : null,
        item.containsKey("responseCache") ? new ResponseCaching(
            Long.parseLong(item.get("responseCache").m().get("ttlSeconds").n()),
            Long.parseLong(item.get("responseCache").m().get("maxEntries").n())) : null,
        item.containsKey("explainBackground") ? toExplain(item.get("explainBackground")) : null,
        str(item, "pipeline"));
    ModelVersion.Provenance provenance = new ModelVersion.Provenance(str(item, "source"), str(item, "runId"),
        str(item, "lineage"));
    ModelVersion.Governance governance = new ModelVersion.Governance(
        item.containsKey("reviewStatus") ? ApprovalStatus.valueOf(item.get("reviewStatus").s()) : ApprovalStatus.NONE,
        str(item, "stage"), str(item, "createdBy"));
    return new ModelVersion(item.get("model").s(), Integer.parseInt(item.get("version").n()), artifact, metadata,
        serving, provenance, governance,
        item.containsKey("revision") ? Long.parseLong(item.get("revision").n()) : 1,
        Instant.parse(item.get("createdAt").s()),
        item.containsKey("updatedAt") ? Instant.parse(item.get("updatedAt").s()) : null);
  }

  private static ExplainSettings toExplain(AttributeValue rows) {
    return new ExplainSettings(rows.l().stream().map(row -> {
      float[] r = new float[row.l().size()];
      for (int i = 0; i < r.length; i++) {
        r[i] = Float.parseFloat(row.l().get(i).n());
      }
      return r;
    }).toArray(float[][]::new));
  }

  private static AttributeValue placementItem(Placement placement) {
    Map<String, AttributeValue> p = new HashMap<>();
    p.put("kind", s(placement.kind().name()));
    putIfSet(p, "endpointName", placement.endpointName());
    putIfSet(p, "instanceType", placement.instanceType());
    if (placement.instanceCount() != null) {
      p.put("instanceCount", n(placement.instanceCount()));
    }
    if (placement.memoryMb() != null) {
      p.put("memoryMb", n(placement.memoryMb()));
    }
    return AttributeValue.fromM(p);
  }

  private static Placement toPlacement(Map<String, AttributeValue> p) {
    return new Placement(Placement.Kind.valueOf(p.get("kind").s()), str(p, "endpointName"), str(p, "instanceType"),
        p.containsKey("instanceCount") ? Integer.valueOf(p.get("instanceCount").n()) : null,
        p.containsKey("memoryMb") ? Integer.valueOf(p.get("memoryMb").n()) : null);
  }

  // --- models ---

  /** A new model's item: no versions yet unless {@code latestVersion} says so, listed by name on gsi1. */
  static Map<String, AttributeValue> modelItem(String model, int latestVersion, Instant now, String description,
      Map<String, String> tags) {
    Map<String, AttributeValue> item = new HashMap<>(modelKey(model));
    item.put("name", s(model));
    item.put("latestVersion", n(latestVersion));
    item.put("createdAt", s(now.toString()));
    item.put("updatedAt", s(now.toString()));
    item.put(RegistryTable.GSI1_PK, s("MODEL"));
    item.put(RegistryTable.GSI1_SK, s(model));
    item.put("revision", n(1));
    putIfSet(item, "description", description);
    if (tags != null && !tags.isEmpty()) {
      item.put("tags", stringMap(tags));
    }
    return item;
  }

  /** The listing of models by last change (gsi1 partition {@code MODEL-UPDATED}): one small item per model. */
  static final String MODELS_BY_UPDATE = "MODEL-UPDATED";

  /**
   * A model's place in the listing by last change: {@code pk = MODEL#<name>, sk = UPDATED}, on gsi1 under
   * {@value #MODELS_BY_UPDATE} sorted by {@code <epoch millis, 13 digits>#<name>}. Written with every change of the
   * model's {@code updatedAt}; the gsi moves it.
   */
  static Map<String, AttributeValue> modelUpdatedItem(String model, Instant updatedAt) {
    Map<String, AttributeValue> item = new HashMap<>();
    item.put(RegistryTable.PK, s(partition(model)));
    item.put(RegistryTable.SK, s("UPDATED"));
    item.put("name", s(model));
    item.put(RegistryTable.GSI1_PK, s(MODELS_BY_UPDATE));
    item.put(RegistryTable.GSI1_SK, s(updatedSortKey(model, updatedAt)));
    return item;
  }

  static String updatedSortKey(String model, Instant updatedAt) {
    return String.format("%013d#%s", updatedAt.toEpochMilli(), model);
  }

  static RegisteredModel toModel(Map<String, AttributeValue> item) {
    return new RegisteredModel(item.get("name").s(), Integer.parseInt(item.get("latestVersion").n()),
        Instant.parse(item.get("createdAt").s()), Instant.parse(item.get("updatedAt").s()),
        str(item, "description"), stringMap(item, "tags"),
        item.containsKey("approval") ? toPolicy(item.get("approval").m()) : null,
        item.containsKey("revision") ? Long.parseLong(item.get("revision").n()) : 1);
  }

  static AttributeValue policyItem(ApprovalPolicy p) {
    return AttributeValue.fromM(Map.of("required", AttributeValue.fromBool(p.required()),
        "approvals", n(p.approvals()), "protectedAliases", AttributeValue.fromL(
            p.protectedAliases().stream().sorted().map(RegistryItems::s).toList())));
  }

  static ApprovalPolicy toPolicy(Map<String, AttributeValue> m) {
    return new ApprovalPolicy(m.get("required").bool(), Integer.parseInt(m.get("approvals").n()),
        new HashSet<>(m.get("protectedAliases").l().stream().map(AttributeValue::s).toList()));
  }

  // --- aliases ---

  static Map<String, AttributeValue> aliasItem(String model, String alias, Alias.Target target, long revision,
      Instant at) {
    Map<String, AttributeValue> item = new HashMap<>(aliasKey(model, alias));
    item.put("alias", s(alias));
    putTarget(item, "", target);
    item.put("revision", n(revision));
    item.put("updatedAt", s(at.toString()));
    return item;
  }

  static Alias toAlias(String model, Map<String, AttributeValue> item) {
    Alias.Target t = target(item, "");
    return new Alias(model, item.get("alias").s(), t.version(), t.canary(),
        item.containsKey("revision") ? Long.parseLong(item.get("revision").n()) : 1,
        Instant.parse(item.get("updatedAt").s()));
  }

  static Map<String, AttributeValue> aliasChangeItem(String model, AliasChange c, String actor) {
    Map<String, AttributeValue> item = new HashMap<>(aliasChangeKey(model, c.alias(), c.revision()));
    item.put("alias", s(c.alias()));
    item.put("revision", n(c.revision()));
    if (c.from() != null) {
      putTarget(item, "from", c.from());
    }
    putTarget(item, "to", c.to());
    item.put("reason", s(c.reason()));
    item.put("at", s(c.at().toString()));
    putIfSet(item, "by", actor);
    return item;
  }

  static AliasChange toAliasChange(String model, String alias, Map<String, AttributeValue> i) {
    return new AliasChange(model, alias, Long.parseLong(i.get("revision").n()),
        i.containsKey("fromVersion") ? target(i, "from") : null, target(i, "to"), i.get("reason").s(),
        Instant.parse(i.get("at").s()));
  }

  /** Attribute names of a target: version, canaryVersion, canaryWeight, or fromVersion, fromCanaryVersion, ... */
  private static String attr(String prefix, String name) {
    return prefix.isEmpty() ? name : prefix + Character.toUpperCase(name.charAt(0)) + name.substring(1);
  }

  private static void putTarget(Map<String, AttributeValue> item, String prefix, Alias.Target t) {
    item.put(attr(prefix, "version"), n(t.version()));
    if (t.canary() != null) {
      item.put(attr(prefix, "canaryVersion"), n(t.canary().version()));
      item.put(attr(prefix, "canaryWeight"), AttributeValue.fromN(Double.toString(t.canary().weight())));
    }
  }

  private static Alias.Target target(Map<String, AttributeValue> item, String prefix) {
    Canary canary = item.containsKey(attr(prefix, "canaryVersion"))
        ? new Canary(Integer.parseInt(item.get(attr(prefix, "canaryVersion")).n()),
            Double.parseDouble(item.get(attr(prefix, "canaryWeight")).n()))
        : null;
    return new Alias.Target(Integer.parseInt(item.get(attr(prefix, "version")).n()), canary);
  }

  // --- audit entries ---

  /** An audit entry's item; the key ends in a random suffix so entries of the same instant never collide. */
  static Map<String, AttributeValue> auditItem(AuditEntry e) {
    Map<String, AttributeValue> item = new HashMap<>();
    item.put(PK, s(partition(e.model())));
    item.put(SK, s("AUDIT#" + e.at() + "#" + UUID.randomUUID().toString().substring(0, 8)));
    item.put("at", s(e.at().toString()));
    item.put("action", s(e.action()));
    item.put("actor", s(e.actor() == null ? "anonymous" : e.actor()));
    if (e.version() > 0) {
      item.put("version", n(e.version()));
    }
    putIfSet(item, "alias", e.alias());
    putIfSet(item, "from", e.from());
    putIfSet(item, "to", e.to());
    putIfSet(item, "comment", e.comment());
    return item;
  }

  static AuditEntry toAuditEntry(String model, Map<String, AttributeValue> i) {
    return new AuditEntry(model, Instant.parse(i.get("at").s()), str(i, "actor"), i.get("action").s(),
        i.containsKey("version") ? Integer.parseInt(i.get("version").n()) : 0, str(i, "alias"), str(i, "from"),
        str(i, "to"), str(i, "comment"));
  }

  // --- model cards ---

  static Map<String, AttributeValue> cardItem(String model, int version, ModelCard card) {
    Map<String, AttributeValue> item = new HashMap<>(cardKey(model, version));
    putIfSet(item, "markdown", card.markdown());
    putIfSet(item, "intendedUse", card.intendedUse());
    putIfSet(item, "limitations", card.limitations());
    putIfSet(item, "evaluationData", card.evaluationData());
    putIfSet(item, "fairnessNotes", card.fairnessNotes());
    putIfSet(item, "updatedBy", card.updatedBy());
    item.put("evaluationResults", numberMap(card.evaluationResults()));
    item.put("updatedAt", s(card.updatedAt().toString()));
    item.put("revision", n(card.revision()));
    return item;
  }

  static ModelCard toCard(Map<String, AttributeValue> i) {
    return new ModelCard(str(i, "markdown"), str(i, "intendedUse"), str(i, "limitations"), str(i, "evaluationData"),
        numberMap(i, "evaluationResults"), str(i, "fairnessNotes"), str(i, "updatedBy"),
        Instant.parse(i.get("updatedAt").s()), Long.parseLong(i.get("revision").n()));
  }

  // --- attribute values ---

  static String str(Map<String, AttributeValue> item, String attr) {
    return item.containsKey(attr) ? item.get(attr).s() : null;
  }

  static void putIfSet(Map<String, AttributeValue> item, String name, String value) {
    if (value != null) {
      item.put(name, s(value));
    }
  }

  static AttributeValue stringMap(Map<String, String> m) {
    Map<String, AttributeValue> out = new HashMap<>();
    m.forEach((k, v) -> out.put(k, s(v)));
    return AttributeValue.fromM(out);
  }

  static Map<String, String> stringMap(Map<String, AttributeValue> item, String name) {
    Map<String, String> out = new TreeMap<>();
    if (item.containsKey(name)) {
      item.get(name).m().forEach((k, v) -> out.put(k, v.s()));
    }
    return out;
  }

  private static AttributeValue numberMap(Map<String, Double> m) {
    Map<String, AttributeValue> out = new HashMap<>();
    m.forEach((k, v) -> out.put(k, AttributeValue.fromN(Double.toString(v))));
    return AttributeValue.fromM(out);
  }

  private static Map<String, Double> numberMap(Map<String, AttributeValue> item, String name) {
    Map<String, Double> out = new TreeMap<>();
    if (item.containsKey(name)) {
      item.get(name).m().forEach((k, v) -> out.put(k, Double.valueOf(v.n())));
    }
    return out;
  }

  static AttributeValue s(String v) {
    return AttributeValue.fromS(v);
  }

  /** Size and delay as always; the endpoint's extensions only where set, so older items and readers are unchanged. */
  private static AttributeValue batchingItem(Batching b) {
    Map<String, AttributeValue> m = new java.util.LinkedHashMap<>();
    m.put("maxBatchSize", n(b.maxBatchSize()));
    m.put("maxDelayMicros", n(b.maxDelayMicros()));
    if (!b.preferredBatchSizes().isEmpty()) {
      m.put("preferredBatchSizes", AttributeValue.fromL(b.preferredBatchSizes().stream().map(x -> n(x)).toList()));
    }
    if (b.priorityLevels() != 1 || b.defaultPriority() != 1) {
      m.put("priorityLevels", n(b.priorityLevels()));
      m.put("defaultPriority", n(b.defaultPriority()));
    }
    if (b.queueTimeoutMicros() != 0) {
      m.put("queueTimeoutMicros", n(b.queueTimeoutMicros()));
    }
    if (b.maxQueueSize() != 0) {
      m.put("maxQueueSize", n(b.maxQueueSize()));
    }
    if (b.instances() != 1) {
      m.put("instances", n(b.instances()));
    }
    if (b.p95TargetMillis() != null) {
      m.put("p95TargetMillis", AttributeValue.fromN(Double.toString(b.p95TargetMillis())));
    }
    return AttributeValue.fromM(m);
  }

  private static Batching toBatching(Map<String, AttributeValue> m) {
    return new Batching(Integer.parseInt(m.get("maxBatchSize").n()), Long.parseLong(m.get("maxDelayMicros").n()),
        m.containsKey("preferredBatchSizes")
            ? m.get("preferredBatchSizes").l().stream().map(a -> Integer.parseInt(a.n())).toList() : List.of(),
        m.containsKey("priorityLevels") ? Integer.parseInt(m.get("priorityLevels").n()) : 1,
        m.containsKey("defaultPriority") ? Integer.parseInt(m.get("defaultPriority").n()) : 1,
        m.containsKey("queueTimeoutMicros") ? Long.parseLong(m.get("queueTimeoutMicros").n()) : 0,
        m.containsKey("maxQueueSize") ? Integer.parseInt(m.get("maxQueueSize").n()) : 0,
        m.containsKey("instances") ? Integer.parseInt(m.get("instances").n()) : 1,
        m.containsKey("p95TargetMillis") ? Double.valueOf(m.get("p95TargetMillis").n()) : null);
  }

  static AttributeValue n(long v) {
    return AttributeValue.fromN(Long.toString(v));
  }
}
