package dev.pier.features;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a definitions document (YAML or JSON; JSON is YAML) into a {@link Catalog}, and writes each definition back
 * in the same shape (that is what the registry stores and its history shows). Every problem is collected — unknown
 * keys, missing or mistyped values, duplicate names, bad durations and types — and reported together in one {@link
 * InvalidDefinitions}, each naming where it is ({@code feature_views[0] (driver_stats).ttl: …}). References between
 * definitions are checked by {@link #checkReferences} against the state an apply would leave.
 */
public final class DefinitionsParser {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern DURATION = Pattern.compile("(?:(\\d+)d)?(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?");
  private static final Set<String> TOP = Set.of("entities", "sources", "feature_views", "on_demand_feature_views",
      "feature_services", "project");

  private DefinitionsParser() {}

  /** Parses a whole document; {@link InvalidDefinitions} listing every problem found. */
  public static Catalog parse(String text) {
    JsonNode root;
    try {
      root = YAML.readTree(text == null ? "" : text);
    } catch (JsonProcessingException e) {
      throw new InvalidDefinitions(List.of("the document is neither YAML nor JSON: " + e.getOriginalMessage()
          + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")")));
    }
    List<String> problems = new ArrayList<>();
    if (root == null || root.isMissingNode() || root.isNull()) {
      throw new InvalidDefinitions(List.of("the document is empty"));
    }
    if (!root.isObject()) {
      throw new InvalidDefinitions(List.of("the document must be a mapping with entities, sources, feature_views"
          + " and feature_services"));
    }
    unknownKeys(root, TOP, "", problems);
    Map<String, Entity> entities = section(root, "entities", problems, (n, where) -> entity(n, where, problems));
    Map<String, DataSource> sources = section(root, "sources", problems, (n, where) -> source(n, where, problems));
    Map<String, FeatureView> views = section(root, "feature_views", problems, (n, where) -> view(n, where, problems));
    Map<String, FeatureService> services =
        section(root, "feature_services", problems, (n, where) -> service(n, where, problems));
    Map<String, OnDemandFeatureView> onDemand =
        section(root, "on_demand_feature_views", problems, (n, where) -> onDemandView(n, where, problems));
    if (!problems.isEmpty()) {
      throw new InvalidDefinitions(problems);
    }
    return new Catalog(entities, sources, views, services, onDemand);
  }

  /**
   * The problems with references in {@code doc} once applied over {@code applied}: dangling entity, source, view and
   * feature names, push sources whose batch source is not Parquet, views whose features shadow a join key.
   */
  public static List<String> checkReferences(Catalog doc, Catalog applied) {
    Catalog all = applied.overlay(doc);
    List<String> problems = new ArrayList<>();
    Map<String, String> joinKeys = new LinkedHashMap<>();
    for (Entity e : all.entities().values()) {
      String other = joinKeys.putIfAbsent(e.joinKey(), e.name());
      if (other != null && doc.entities().containsKey(e.name())) {
        problems.add("entities (" + e.name() + ").join_keys: '" + e.joinKey() + "' is already entity '" + other
            + "''s join key");
      }
    }
    for (DataSource s : doc.sources().values()) {
      if (s instanceof DataSource.Push p) {
        DataSource batch = all.sources().get(p.batchSource());
        if (batch == null) {
          problems.add("sources (" + p.name() + ").batch_source: source '" + p.batchSource() + "' does not exist");
        } else if (!(batch instanceof DataSource.Parquet)) {
          problems.add("sources (" + p.name() + ").batch_source: '" + p.batchSource() + "' is a push source;"
              + " a push source's batch source must be a parquet source");
        }
      }
    }
    // a source or entity changed in the document is checked through every view that uses it, applied or not
    for (FeatureView v : all.featureViews().values()) {
      boolean touched = doc.featureViews().containsKey(v.name()) || doc.sources().containsKey(v.source())
          || v.entities().stream().anyMatch(doc.entities()::containsKey);
      if (!touched) {
        continue;
      }
      String where = "feature_views (" + v.name() + ")";
      Set<String> reserved = new HashSet<>();
      for (String e : v.entities()) {
        Entity entity = all.entities().get(e);
        if (entity == null) {
          problems.add(where + ".entities: entity '" + e + "' does not exist");
        } else {
          reserved.add(entity.joinKey());
        }
      }
      DataSource source = all.sources().get(v.source());
      if (source == null) {
        problems.add(where + ".source: source '" + v.source() + "' does not exist");
      } else if (source instanceof DataSource.Parquet p) {
        reserved.add(p.timestampField());
        if (p.createdTimestampColumn() != null) {
          reserved.add(p.createdTimestampColumn());
        }
      }
      for (Field f : v.schema()) {
        if (reserved.contains(f.name())) {
          problems.add(where + ".schema: feature '" + f.name() + "' has the name of a join key or timestamp column");
        }
      }
      if (all.featureServices().containsKey(v.name()) && doc.featureViews().containsKey(v.name())) {
        // Feast keeps views and services in separate namespaces too; nothing to check
      }
    }
    for (OnDemandFeatureView v : all.onDemandViews().values()) {
      boolean touched = doc.onDemandViews().containsKey(v.name())
          || v.sources().stream().anyMatch(doc.featureViews()::containsKey);
      if (touched) {
        problems.addAll(OnDemand.check(v, all));
      }
    }
    for (FeatureService s : all.featureServices().values()) {
      boolean touched = doc.featureServices().containsKey(s.name())
          || s.features().stream().anyMatch(r -> doc.featureViews().containsKey(r.view())
              || doc.onDemandViews().containsKey(r.view()));
      if (!touched) {
        continue;
      }
      for (FeatureRef r : s.features()) {
        OnDemandFeatureView odfv = all.onDemandViews().get(r.view());
        if (odfv != null) {
          if (!r.feature().equals("*") && odfv.feature(r.feature()) == null) {
            problems.add("feature_services (" + s.name() + ").features: on-demand feature view '" + r.view()
                + "' has no feature '" + r.feature() + "'");
          }
          continue;
        }
        FeatureView v = all.featureViews().get(r.view());
        if (v == null) {
          problems.add("feature_services (" + s.name() + ").features: feature view '" + r.view() + "' does not exist");
        } else if (!r.feature().equals("*") && v.feature(r.feature()) == null) {
          problems.add("feature_services (" + s.name() + ").features: feature view '" + r.view()
              + "' has no feature '" + r.feature() + "'");
        }
      }
    }
    return problems;
  }

  /** A service whose {@code view} (all features) references are expanded to each feature of the view. */
  static FeatureService expand(FeatureService s, Catalog all) {
    if (s.features().stream().noneMatch(r -> r.feature().equals("*"))) {
      return s;
    }
    List<FeatureRef> refs = new ArrayList<>();
    for (FeatureRef r : s.features()) {
      if (r.feature().equals("*")) {
        OnDemandFeatureView odfv = all.onDemandViews().get(r.view());
        for (Field f : odfv != null ? odfv.schema() : all.featureViews().get(r.view()).schema()) {
          refs.add(new FeatureRef(r.view(), f.name()));
        }
      } else {
        refs.add(r);
      }
    }
    return new FeatureService(s.name(), refs, s.tags(), s.owner(), s.description());
  }

  private static <T> Map<String, T> section(JsonNode root, String key, List<String> problems,
      BiFunction<JsonNode, String, T> parse) {
    Map<String, T> out = new LinkedHashMap<>();
    Set<String> seen = new HashSet<>();
    JsonNode list = root.path(key);
    if (list.isMissingNode() || list.isNull()) {
      return out;
    }
    if (!list.isArray()) {
      problems.add(key + ": must be a list");
      return out;
    }
    for (int i = 0; i < list.size(); i++) {
      JsonNode n = list.get(i);
      String name = n.path("name").isTextual() ? n.path("name").textValue() : null;
      String where = key + "[" + i + "]" + (name == null ? "" : " (" + name + ")");
      if (!n.isObject()) {
        problems.add(where + ": must be a mapping");
        continue;
      }
      if (name != null && !seen.add(name)) {
        problems.add(where + ".name: '" + name + "' is defined twice in " + key);
      }
      int before = problems.size();
      T value = parse.apply(n, where);
      if (problems.size() == before && value != null) {
        out.put(name, value);
      }
    }
    return out;
  }

  static Entity entity(JsonNode n, String where, List<String> problems) {
    unknownKeys(n, Set.of("name", "join_keys", "join_key", "value_type", "description", "tags"), where, problems);
    String name = name(n, where, problems);
    String joinKey = null;
    if (n.has("join_key")) {
      joinKey = identifier(n, "join_key", where, problems);
    } else if (n.path("join_keys").isArray()) {
      JsonNode keys = n.path("join_keys");
      if (keys.size() != 1 || !keys.get(0).isTextual()) {
        problems.add(where + ".join_keys: must hold exactly one column name (as in Feast; use several entities for"
            + " a composite key)");
      } else if (!NAME.matcher(keys.get(0).textValue()).matches()) {
        problems.add(where + ".join_keys: '" + keys.get(0).textValue() + "' is not a valid column name");
      } else {
        joinKey = keys.get(0).textValue();
      }
    } else if (n.has("join_keys")) {
      problems.add(where + ".join_keys: must be a list");
    } else if (name != null) {
      joinKey = name; // Feast's default: the entity's name is its join key
    }
    Dtype type = Dtype.parse("INT64");
    if (n.has("value_type")) {
      type = Dtype.parse(n.path("value_type").asText(null));
      if (type == null || type.list() || !Set.of(Dtype.Scalar.INT32, Dtype.Scalar.INT64, Dtype.Scalar.STRING,
          Dtype.Scalar.BYTES).contains(type.scalar())) {
        problems.add(where + ".value_type: '" + n.path("value_type").asText() + "' is not a join key type"
            + " (INT32, INT64, STRING, BYTES)");
      }
    } else {
      problems.add(where + ".value_type: missing (INT32, INT64, STRING or BYTES)");
    }
    return new Entity(name, joinKey, type, text(n, "description", where, problems), tags(n, where, problems));
  }

  static DataSource source(JsonNode n, String where, List<String> problems) {
    String kind = n.path("kind").asText("");
    String name = name(n, where, problems);
    String description = text(n, "description", where, problems);
    switch (kind) {
      case "parquet", "file" -> {
        unknownKeys(n, Set.of("name", "kind", "path", "timestamp_field", "created_timestamp_column", "description"),
            where, problems);
        String path = text(n, "path", where, problems);
        if (path == null) {
          problems.add(where + ".path: missing (s3://bucket/file.parquet or s3://bucket/prefix/)");
        } else if (!path.matches("s3://[a-z0-9][a-z0-9.\\-]{1,62}/.*")) {
          problems.add(where + ".path: '" + path + "' is not an s3://bucket/key location");
        }
        String ts = n.has("timestamp_field") ? identifier(n, "timestamp_field", where, problems) : "event_timestamp";
        String created = n.has("created_timestamp_column") && !n.path("created_timestamp_column").asText("").isEmpty()
            ? identifier(n, "created_timestamp_column", where, problems) : null;
        return new DataSource.Parquet(name, path, ts, created, description);
      }
      case "push" -> {
        unknownKeys(n, Set.of("name", "kind", "batch_source", "description"), where, problems);
        String batch = identifier(n, "batch_source", where, problems);
        return new DataSource.Push(name, batch, description);
      }
      default -> {
        problems.add(where + ".kind: " + (kind.isEmpty() ? "missing" : "'" + kind + "' is not a source kind")
            + " (parquet or push)");
        return null;
      }
    }
  }

  static FeatureView view(JsonNode n, String where, List<String> problems) {
    unknownKeys(n, Set.of("name", "entities", "ttl", "source", "online", "schema", "tags", "owner", "description"),
        where, problems);
    String name = name(n, where, problems);
    List<String> entities = new ArrayList<>();
    JsonNode es = n.path("entities");
    if (!es.isArray() || es.isEmpty()) {
      problems.add(where + ".entities: must be a non-empty list of entity names");
    } else {
      for (JsonNode e : es) {
        if (!e.isTextual()) {
          problems.add(where + ".entities: " + Dtype.describe(e) + " is not an entity name");
        } else if (entities.contains(e.textValue())) {
          problems.add(where + ".entities: '" + e.textValue() + "' is listed twice");
        } else {
          entities.add(e.textValue());
        }
      }
    }
    Duration ttl = Duration.ZERO;
    if (n.has("ttl") && !n.get("ttl").isNull()) {
      ttl = duration(n.get("ttl"));
      if (ttl == null) {
        problems.add(where + ".ttl: '" + n.get("ttl").asText() + "' is not a duration (e.g. 1d, 2h30m, 3600, PT1H;"
            + " 0 for none)");
        ttl = Duration.ZERO;
      }
    }
    String source = identifier(n, "source", where, problems);
    boolean online = true;
    if (n.has("online")) {
      if (n.get("online").isBoolean()) {
        online = n.get("online").booleanValue();
      } else {
        problems.add(where + ".online: must be true or false");
      }
    }
    List<Field> schema = fields(n.path("schema"), where + ".schema", problems);
    return new FeatureView(name, entities, ttl, source, online, schema, tags(n, where, problems),
        text(n, "owner", where, problems), text(n, "description", where, problems));
  }

  /** A non-empty list of {name, dtype}, each name once. */
  private static List<Field> fields(JsonNode fs, String where, List<String> problems) {
    List<Field> schema = new ArrayList<>();
    if (!fs.isArray() || fs.isEmpty()) {
      problems.add(where + ": must be a non-empty list of {name, dtype}");
    } else {
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < fs.size(); i++) {
        JsonNode f = fs.get(i);
        String fw = where + "[" + i + "]";
        if (!f.isObject()) {
          problems.add(fw + ": must be a mapping {name, dtype}");
          continue;
        }
        unknownKeys(f, Set.of("name", "dtype", "description"), fw, problems);
        String fname = identifier(f, "name", fw, problems);
        Dtype dtype = Dtype.parse(f.path("dtype").asText(null));
        if (dtype == null) {
          problems.add(fw + ".dtype: " + (f.has("dtype") ? "'" + f.path("dtype").asText() + "' is not a type" : "missing")
              + " (BOOL, INT32, INT64, FLOAT32, FLOAT64, STRING, BYTES, UNIX_TIMESTAMP, or X_LIST)");
        }
        if (fname != null && !seen.add(fname)) {
          problems.add(fw + ".name: feature '" + fname + "' is defined twice");
        }
        schema.add(new Field(fname, dtype));
      }
    }
    return schema;
  }

  /**
   * An on-demand feature view: {@code sources} lists feature view names and at most one {@code {request: [{name,
   * dtype}]}}; {@code expressions} holds one expression per {@code schema} feature, each compiled here (a problem
   * naming the feature and the compiler's message when it does not compile or the sandbox refuses it).
   */
  static OnDemandFeatureView onDemandView(JsonNode n, String where, List<String> problems) {
    unknownKeys(n, Set.of("name", "sources", "schema", "expressions", "tags", "owner", "description"), where,
        problems);
    String name = name(n, where, problems);
    List<String> views = new ArrayList<>();
    List<Field> request = List.of();
    JsonNode srcs = n.path("sources");
    if (!srcs.isArray() || srcs.isEmpty()) {
      problems.add(where + ".sources: must be a non-empty list of feature view names and {request: [{name, dtype}]}");
    } else {
      boolean sawRequest = false;
      for (int i = 0; i < srcs.size(); i++) {
        JsonNode src = srcs.get(i);
        String sw = where + ".sources[" + i + "]";
        if (src.isTextual() && NAME.matcher(src.textValue()).matches()) {
          if (views.contains(src.textValue())) {
            problems.add(sw + ": '" + src.textValue() + "' is listed twice");
          }
          views.add(src.textValue());
        } else if (src.isObject() && src.has("request")) {
          unknownKeys(src, Set.of("name", "request"), sw, problems);
          if (sawRequest) {
            problems.add(sw + ": only one request source is allowed; list all its fields in one");
          }
          sawRequest = true;
          request = fields(src.path("request"), sw + ".request", problems);
        } else {
          problems.add(sw + ": " + Dtype.describe(src) + " is neither a feature view name nor {request: [...]}");
        }
      }
    }
    List<Field> schema = fields(n.path("schema"), where + ".schema", problems);
    Map<String, String> expressions = new LinkedHashMap<>();
    Map<String, Expressions.Compiled> compiled = new LinkedHashMap<>();
    JsonNode ex = n.path("expressions");
    if (!ex.isObject() || ex.isEmpty()) {
      problems.add(where + ".expressions: must map each schema feature to its expression, e.g. {ratio: \"a / (b + 1)\"}");
    } else {
      for (Iterator<Map.Entry<String, JsonNode>> it = ex.fields(); it.hasNext(); ) {
        var e = it.next();
        String ew = where + ".expressions." + e.getKey();
        if (schema.stream().noneMatch(f -> e.getKey().equals(f.name()))) {
          problems.add(ew + ": '" + e.getKey() + "' is not a feature of the schema");
        } else if (!e.getValue().isTextual()) {
          problems.add(ew + ": must be text");
        } else {
          try {
            compiled.put(e.getKey(), Expressions.compile(e.getValue().textValue()));
            expressions.put(e.getKey(), e.getValue().textValue());
          } catch (IllegalArgumentException bad) {
            problems.add(ew + ": '" + e.getValue().textValue() + "' does not compile: " + bad.getMessage());
          }
        }
      }
      for (Field f : schema) {
        if (f.name() != null && !ex.has(f.name())) {
          problems.add(where + ".expressions: feature '" + f.name() + "' has no expression");
        }
      }
    }
    return new OnDemandFeatureView(name, views, request, schema, expressions, compiled, tags(n, where, problems),
        text(n, "owner", where, problems), text(n, "description", where, problems));
  }

  static FeatureService service(JsonNode n, String where, List<String> problems) {
    unknownKeys(n, Set.of("name", "features", "tags", "owner", "description"), where, problems);
    String name = name(n, where, problems);
    List<FeatureRef> refs = new ArrayList<>();
    JsonNode fs = n.path("features");
    if (!fs.isArray() || fs.isEmpty()) {
      problems.add(where + ".features: must be a non-empty list of \"view:feature\" (or \"view\" for all its features)");
    } else {
      for (JsonNode f : fs) {
        String t = f.asText("");
        FeatureRef ref = f.isTextual() && NAME.matcher(t).matches() ? new FeatureRef(t, "*") : FeatureRef.parse(t);
        if (!f.isTextual() || ref == null) {
          problems.add(where + ".features: " + Dtype.describe(f) + " is not \"view:feature\" or \"view\"");
        } else if (refs.contains(ref)) {
          problems.add(where + ".features: '" + t + "' is listed twice");
        } else {
          refs.add(ref);
        }
      }
    }
    return new FeatureService(name, refs, tags(n, where, problems), text(n, "owner", where, problems),
        text(n, "description", where, problems));
  }

  /** {@code 1d}, {@code 2h30m}, {@code 45s}, {@code PT1H}, or a number of seconds; null when none of these. */
  public static Duration duration(JsonNode n) {
    if (n.isIntegralNumber() && n.longValue() >= 0) {
      return Duration.ofSeconds(n.longValue());
    }
    if (!n.isTextual()) {
      return null;
    }
    String t = n.textValue().strip();
    if (t.matches("\\d+")) {
      return Duration.ofSeconds(Long.parseLong(t));
    }
    if (t.startsWith("P") || t.startsWith("p")) {
      try {
        Duration d = Duration.parse(t);
        return d.isNegative() ? null : d;
      } catch (DateTimeParseException e) {
        return null;
      }
    }
    Matcher m = DURATION.matcher(t);
    if (t.isEmpty() || !m.matches()) {
      return null;
    }
    Duration d = Duration.ZERO;
    long[] unit = {86400, 3600, 60, 1};
    for (int g = 1; g <= 4; g++) {
      if (m.group(g) != null) {
        d = d.plusSeconds(Long.parseLong(m.group(g)) * unit[g - 1]);
      }
    }
    return d;
  }

  /** {@code 1d}, {@code 2h30m}, {@code 0}: the shortest text {@link #duration} reads back to {@code d}. */
  public static String format(Duration d) {
    long s = d.getSeconds();
    if (s == 0) {
      return "0";
    }
    StringBuilder b = new StringBuilder();
    long[] unit = {86400, 3600, 60, 1};
    String[] suffix = {"d", "h", "m", "s"};
    for (int i = 0; i < 4; i++) {
      if (s >= unit[i]) {
        b.append(s / unit[i]).append(suffix[i]);
        s %= unit[i];
      }
    }
    return b.toString();
  }

  // ---- writing definitions back in the document's shape ----

  public static ObjectNode toJson(Object definition) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    switch (definition) {
      case Entity e -> {
        o.put("name", e.name());
        o.putArray("join_keys").add(e.joinKey());
        o.put("value_type", e.valueType().toString());
        putCommon(o, e.tags(), null, e.description());
      }
      case DataSource.Parquet p -> {
        o.put("name", p.name()).put("kind", "parquet").put("path", p.path()).put("timestamp_field", p.timestampField());
        if (p.createdTimestampColumn() != null) {
          o.put("created_timestamp_column", p.createdTimestampColumn());
        }
        putCommon(o, Map.of(), null, p.description());
      }
      case DataSource.Push p -> {
        o.put("name", p.name()).put("kind", "push").put("batch_source", p.batchSource());
        putCommon(o, Map.of(), null, p.description());
      }
      case FeatureView v -> {
        o.put("name", v.name());
        ArrayNode es = o.putArray("entities");
        v.entities().forEach(es::add);
        o.put("ttl", format(v.ttl())).put("source", v.source()).put("online", v.online());
        ArrayNode schema = o.putArray("schema");
        for (Field f : v.schema()) {
          schema.addObject().put("name", f.name()).put("dtype", f.dtype().toString());
        }
        putCommon(o, v.tags(), v.owner(), v.description());
      }
      case OnDemandFeatureView v -> {
        o.put("name", v.name());
        ArrayNode srcs = o.putArray("sources");
        v.sources().forEach(srcs::add);
        if (!v.request().isEmpty()) {
          ArrayNode req = srcs.addObject().putArray("request");
          for (Field f : v.request()) {
            req.addObject().put("name", f.name()).put("dtype", f.dtype().toString());
          }
        }
        ArrayNode schema = o.putArray("schema");
        for (Field f : v.schema()) {
          schema.addObject().put("name", f.name()).put("dtype", f.dtype().toString());
        }
        ObjectNode ex = o.putObject("expressions");
        v.expressions().forEach(ex::put);
        putCommon(o, v.tags(), v.owner(), v.description());
      }
      case FeatureService s -> {
        o.put("name", s.name());
        ArrayNode fs = o.putArray("features");
        s.features().forEach(r -> fs.add(r.toString()));
        putCommon(o, s.tags(), s.owner(), s.description());
      }
      default -> throw new IllegalArgumentException("not a definition: " + definition);
    }
    return o;
  }

  private static void putCommon(ObjectNode o, Map<String, String> tags, String owner, String description) {
    if (!tags.isEmpty()) {
      ObjectNode t = o.putObject("tags");
      new TreeMap<>(tags).forEach(t::put);
    }
    if (owner != null) {
      o.put("owner", owner);
    }
    if (description != null) {
      o.put("description", description);
    }
  }

  /** Reads back one stored definition of {@code kind} (as {@link Kind} names it). */
  static Object fromJson(Kind kind, String json) {
    try {
      JsonNode n = JSON.readTree(json);
      List<String> problems = new ArrayList<>();
      Object def = switch (kind) {
        case ENTITY -> entity(n, kind.section(), problems);
        case SOURCE -> source(n, kind.section(), problems);
        case FEATURE_VIEW -> view(n, kind.section(), problems);
        case FEATURE_SERVICE -> service(n, kind.section(), problems);
        case ON_DEMAND_FEATURE_VIEW -> onDemandView(n, kind.section(), problems);
      };
      if (!problems.isEmpty()) {
        throw new IllegalStateException("stored " + kind + " does not parse: " + problems);
      }
      return def;
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("stored " + kind + " is not JSON", e);
    }
  }

  // ---- small readers, each adding a problem instead of throwing ----

  private static void unknownKeys(JsonNode n, Set<String> known, String where, List<String> problems) {
    for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!known.contains(k)) {
        problems.add((where.isEmpty() ? "" : where + ".") + k + ": unknown key (known: "
            + String.join(", ", known.stream().sorted().toList()) + ")");
      }
    }
  }

  private static String name(JsonNode n, String where, List<String> problems) {
    return identifier(n, "name", where, problems);
  }

  private static String identifier(JsonNode n, String key, String where, List<String> problems) {
    JsonNode v = n.path(key);
    if (v.isMissingNode() || v.isNull()) {
      problems.add(where + "." + key + ": missing");
      return null;
    }
    if (!v.isTextual() || !NAME.matcher(v.textValue()).matches()) {
      problems.add(where + "." + key + ": " + Dtype.describe(v) + " is not a name (letters, digits and _, not"
          + " starting with a digit)");
      return null;
    }
    return v.textValue();
  }

  private static String text(JsonNode n, String key, String where, List<String> problems) {
    JsonNode v = n.path(key);
    if (v.isMissingNode() || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      problems.add(where + "." + key + ": must be text");
      return null;
    }
    return v.textValue();
  }

  private static Map<String, String> tags(JsonNode n, String where, List<String> problems) {
    JsonNode t = n.path("tags");
    if (t.isMissingNode() || t.isNull()) {
      return Map.of();
    }
    if (!t.isObject()) {
      problems.add(where + ".tags: must be a mapping of text to text");
      return Map.of();
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = t.fields(); it.hasNext(); ) {
      var e = it.next();
      if (!e.getValue().isValueNode() || e.getValue().isNull()) {
        problems.add(where + ".tags." + e.getKey() + ": must be text");
      } else {
        out.put(e.getKey(), e.getValue().asText());
      }
    }
    return out;
  }
}
