package dev.pier.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.pier.kernel.tensor.SignatureJson;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything the registry answers about the models of a data directory, as plain JSON with flat, stable field names:
 * what {@link StoredDataFixture} wrote with the code of its day ({@code expected.json}) and what
 * {@code StoredDataCompatibilityTest} compares today's answers with. The names here are the contract; when the
 * registry's Java types change, only the getters below change, never the keys.
 */
final class StoredDataView {
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
  static final List<String> MODELS = List.of("churn", "fraud", "ranker");
  static final List<String> SEARCHES = List.of("name = 'churn'", "tags.team = 'risk'", "metrics.auc > 0.8",
      "params.depth = '6'");

  private StoredDataView() {}

  static String render(ModelRegistry registry) throws Exception {
    Map<String, Object> out = new TreeMap<>();
    for (String name : MODELS) {
      out.put(name, model(registry, name));
    }
    Map<String, Object> searches = new TreeMap<>();
    for (String filter : SEARCHES) {
      searches.put(filter, registry.search(SearchFilter.parse(filter), List.of(), null, 100).items().stream()
          .map(v -> v.model() + "/" + v.version()).toList());
    }
    out.put("searches", searches);
    out.put("modelSearch", registry.models().search(SearchFilter.parse("tags.team = 'risk'"), List.of(), null, 100)
        .items().stream().map(RegisteredModel::name).toList());
    return JSON.writeValueAsString(out);
  }

  private static Map<String, Object> model(ModelRegistry registry, String name) {
    Map<String, Object> m = new LinkedHashMap<>();
    RegisteredModel model = registry.model(name);
    m.put("latestVersion", model.latestVersion());
    m.put("createdAt", model.createdAt().toString());
    m.put("updatedAt", model.updatedAt().toString());
    m.put("description", model.description());
    m.put("tags", new TreeMap<>(model.tags()));
    m.put("approval", model.approval() == null ? null : policy(model.approval()));
    m.put("revision", model.revision());
    m.put("policy", policy(registry.models().policy(name)));
    List<Object> versions = new ArrayList<>();
    for (ModelVersion v : registry.allVersions(name)) {
      Map<String, Object> one = version(v);
      try {
        one.put("card", card(registry.cards().get(name, v.version())));
      } catch (dev.pier.kernel.PierException e) {
        one.put("card", null);
      }
      versions.add(one);
    }
    m.put("versions", versions);
    List<Object> aliases = new ArrayList<>();
    for (Alias a : registry.aliases(name)) {
      Map<String, Object> one = new LinkedHashMap<>();
      one.put("name", a.name());
      one.put("target", target(a.target()));
      one.put("revision", a.revision());
      one.put("updatedAt", a.updatedAt().toString());
      one.put("resolves", registry.resolve(name, a.name()).version());
      one.put("history", registry.aliases().history(name, a.name(), 100).stream().map(c -> {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("revision", c.revision());
        h.put("from", c.from() == null ? null : target(c.from()));
        h.put("to", target(c.to()));
        h.put("reason", c.reason());
        h.put("at", c.at().toString());
        return h;
      }).toList());
      aliases.add(one);
    }
    m.put("aliases", aliases);
    m.put("audit", registry.audit(name, null, 1000).items().stream().map(e -> {
      Map<String, Object> a = new LinkedHashMap<>();
      a.put("at", e.at().toString());
      a.put("actor", e.actor());
      a.put("action", e.action());
      a.put("version", e.version());
      a.put("alias", e.alias());
      a.put("from", e.from());
      a.put("to", e.to());
      a.put("comment", e.comment());
      return a;
    }).toList());
    return m;
  }

  /** A version's fields under the names they had before the registry was split by concern. */
  static Map<String, Object> version(ModelVersion v) {
    Map<String, Object> m = new LinkedHashMap<>();
    ModelVersion.Artifact a = v.artifact();
    ModelVersion.Metadata md = v.metadata();
    ModelVersion.Serving sv = v.serving();
    m.put("model", v.model());
    m.put("version", v.version());
    m.put("framework", a.framework() == null ? null : a.framework().id());
    m.put("sha256", a.sha256());
    m.put("sizeBytes", a.sizeBytes());
    m.put("artifactKey", a.key());
    m.put("signature", a.signature() == null ? null : SignatureJson.write(a.signature()).toString());
    m.put("description", md.description());
    m.put("tags", new TreeMap<>(md.tags()));
    m.put("metrics", new TreeMap<>(md.metrics()));
    m.put("batching", sv.batching() == null ? null : sv.batching().toString());
    m.put("placement", sv.placement() == null ? null : sv.placement().toString());
    m.put("responseCache", sv.responseCache() == null ? null : sv.responseCache().toString());
    m.put("explain", sv.explain() == null ? null : Arrays.deepToString(sv.explain().background()));
    m.put("createdAt", v.createdAt().toString());
    m.put("source", v.provenance().source());
    m.put("runId", v.provenance().runId());
    m.put("servable", a.servable());
    m.put("statusMessage", a.statusMessage());
    m.put("status", v.governance().status().name());
    m.put("stage", v.governance().stage());
    m.put("params", new TreeMap<>(md.params()));
    m.put("properties", new TreeMap<>(md.properties()));
    m.put("lineage", v.provenance().lineage());
    m.put("createdBy", v.governance().createdBy());
    m.put("revision", v.revision());
    m.put("updatedAt", v.updatedAt().toString());
    m.put("pipeline", sv.pipeline());
    m.put("onEndpoint", v.onEndpoint());
    return m;
  }

  private static Map<String, Object> card(ModelCard c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("markdown", c.markdown());
    m.put("intendedUse", c.intendedUse());
    m.put("limitations", c.limitations());
    m.put("evaluationData", c.evaluationData());
    m.put("evaluationResults", new TreeMap<>(c.evaluationResults()));
    m.put("fairnessNotes", c.fairnessNotes());
    m.put("updatedBy", c.updatedBy());
    m.put("updatedAt", c.updatedAt().toString());
    m.put("revision", c.revision());
    return m;
  }

  private static Map<String, Object> policy(ApprovalPolicy p) {
    return Map.of("required", p.required(), "approvals", p.approvals(),
        "protectedAliases", p.protectedAliases().stream().sorted().toList());
  }

  private static String target(Alias.Target t) {
    return t.canary() == null ? "v" + t.version() : "v" + t.version() + "+v" + t.canary().version() + "@"
        + t.canary().weight();
  }
}
