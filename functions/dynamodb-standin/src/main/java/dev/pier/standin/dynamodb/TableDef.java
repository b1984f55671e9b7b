package dev.pier.standin.dynamodb;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** A table's definition: keys, attribute types, indexes and settings. Mutable only under the engine's write lock. */
final class TableDef {

    static final String ARN_PREFIX = "arn:aws:dynamodb:us-east-1:000000000000:table/";

    record KeySchema(String hash, String range) {
        List<String> names() {
            return range == null ? List.of(hash) : List.of(hash, range);
        }
    }

    record Index(String name, boolean global, KeySchema key, String projectionType, List<String> nonKey,
                 long rcu, long wcu) {}

    String name;
    KeySchema key;
    Map<String, String> attrTypes = new LinkedHashMap<>();
    List<Index> gsis = new ArrayList<>();
    List<Index> lsis = new ArrayList<>();
    String billingMode = "PROVISIONED";
    long rcu, wcu;
    double created;
    String tableId;
    String ttlAttr;
    boolean ttlEnabled;
    Map<String, String> tags = new LinkedHashMap<>();
    boolean deletionProtection;
    JsonNode streamSpec;
    String tableClass;

    List<Index> indexes() {
        List<Index> all = new ArrayList<>(lsis);
        all.addAll(gsis);
        return all;
    }

    Index index(String indexName) {
        for (Index i : indexes()) if (i.name().equals(indexName)) return i;
        return null;
    }

    String arn() {
        return ARN_PREFIX + name;
    }

    // ------------------------------------------------------------------ parsing and validation

    static void checkTableName(String name, String field) {
        if (name == null) {
            throw DynamoException.validation("1 validation error detected: Value null at '" + field
                    + "' failed to satisfy constraint: Member must not be null");
        }
        if (name.length() < 3 || name.length() > 255) {
            throw DynamoException.validation("1 validation error detected: Value '" + name + "' at '" + field
                    + "' failed to satisfy constraint: Member must have length between 3 and 255");
        }
        if (!name.matches("[a-zA-Z0-9_.-]+")) {
            throw DynamoException.validation("1 validation error detected: Value '" + name + "' at '" + field
                    + "' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
        }
    }

    static KeySchema keySchema(JsonNode ks, String what) {
        if (ks == null || !ks.isArray() || ks.isEmpty() || ks.size() > 2) {
            throw DynamoException.validation("1 validation error detected: Value at '" + what
                    + "' failed to satisfy constraint: Member must have length less than or equal to 2 and greater than or equal to 1");
        }
        String hash = null, range = null;
        JsonNode first = ks.get(0);
        if (!"HASH".equals(first.path("KeyType").asText())) {
            throw DynamoException.validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
        }
        hash = first.path("AttributeName").asText();
        if (ks.size() == 2) {
            JsonNode second = ks.get(1);
            if (!"RANGE".equals(second.path("KeyType").asText())) {
                throw DynamoException.validation("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
            }
            range = second.path("AttributeName").asText();
            if (range.equals(hash)) {
                throw DynamoException.validation("Both the Hash Key and the Range Key element in the KeySchema have the same name");
            }
        }
        return new KeySchema(hash, range);
    }

    static Index index(JsonNode n, boolean global, TableDef t) {
        String name = n.path("IndexName").asText(null);
        if (name == null) throw DynamoException.validation("One or more parameter values were invalid: IndexName is required");
        checkTableName(name, "indexName");
        KeySchema ks = keySchema(n.get("KeySchema"), "keySchema");
        JsonNode proj = n.get("Projection");
        String type = proj == null ? null : proj.path("ProjectionType").asText(null);
        if (type == null) {
            throw DynamoException.validation("One or more parameter values were invalid: Unknown ProjectionType: null");
        }
        if (!Set.of("ALL", "KEYS_ONLY", "INCLUDE").contains(type)) {
            throw DynamoException.validation("One or more parameter values were invalid: Unknown ProjectionType: " + type);
        }
        List<String> nonKey = new ArrayList<>();
        if (proj.has("NonKeyAttributes")) proj.get("NonKeyAttributes").forEach(x -> nonKey.add(x.asText()));
        if (type.equals("INCLUDE") && nonKey.isEmpty()) {
            throw DynamoException.validation("One or more parameter values were invalid: "
                    + "ProjectionType is INCLUDE, but NonKeyAttributes is not specified");
        }
        if (!type.equals("INCLUDE") && !nonKey.isEmpty()) {
            throw DynamoException.validation("One or more parameter values were invalid: "
                    + "ProjectionType is " + type + ", but NonKeyAttributes is specified");
        }
        if (!global) {
            if (t.key.range() == null) {
                throw DynamoException.validation("One or more parameter values were invalid: Table KeySchema does not have a "
                        + "range key, which is required when specifying a LocalSecondaryIndex");
            }
            if (!ks.hash().equals(t.key.hash()) || ks.range() == null) {
                throw DynamoException.validation("One or more parameter values were invalid: Index KeySchema does not have "
                        + "the same leading hash key as table KeySchema for index: " + name);
            }
        }
        JsonNode pt = n.get("ProvisionedThroughput");
        long r = pt == null ? 0 : pt.path("ReadCapacityUnits").asLong(), w = pt == null ? 0 : pt.path("WriteCapacityUnits").asLong();
        return new Index(name, global, ks, type, List.copyOf(nonKey), r, w);
    }

    /** Parses and validates a CreateTable request (also used to load persisted definitions). */
    static TableDef fromCreateRequest(JsonNode req) {
        TableDef t = new TableDef();
        t.name = req.path("TableName").asText(null);
        checkTableName(t.name, "tableName");
        t.key = keySchema(req.get("KeySchema"), "keySchema");
        JsonNode defs = req.get("AttributeDefinitions");
        if (defs == null || !defs.isArray()) {
            throw DynamoException.validation("1 validation error detected: Value null at 'attributeDefinitions' "
                    + "failed to satisfy constraint: Member must not be null");
        }
        for (JsonNode d : defs) {
            String type = d.path("AttributeType").asText();
            if (!Set.of("S", "N", "B").contains(type)) {
                throw DynamoException.validation("1 validation error detected: Value '" + type
                        + "' at 'attributeDefinitions.member.attributeType' failed to satisfy constraint: "
                        + "Member must satisfy enum value set: [B, N, S]");
            }
            t.attrTypes.put(d.path("AttributeName").asText(), type);
        }
        Set<String> indexNames = new HashSet<>();
        if (req.hasNonNull("LocalSecondaryIndexes")) {
            for (JsonNode n : req.get("LocalSecondaryIndexes")) t.lsis.add(index(n, false, t));
        }
        if (req.hasNonNull("GlobalSecondaryIndexes")) {
            for (JsonNode n : req.get("GlobalSecondaryIndexes")) t.gsis.add(index(n, true, t));
        }
        for (Index i : t.indexes()) {
            if (!indexNames.add(i.name())) {
                throw DynamoException.validation("One or more parameter values were invalid: Duplicate index name: " + i.name());
            }
        }
        t.checkAttributeDefinitions();
        t.billingMode = req.path("BillingMode").asText("PROVISIONED");
        JsonNode pt = req.get("ProvisionedThroughput");
        if (t.billingMode.equals("PAY_PER_REQUEST")) {
            if (pt != null && !pt.isNull() && !req.has("X-Loaded")) {
                throw DynamoException.validation("One or more parameter values were invalid: Neither ReadCapacityUnits "
                        + "nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
            }
        } else if (t.billingMode.equals("PROVISIONED")) {
            if (pt == null || pt.isNull()) {
                throw DynamoException.validation("One or more parameter values were invalid: ReadCapacityUnits and "
                        + "WriteCapacityUnits must both be specified when BillingMode is PROVISIONED");
            }
            t.rcu = pt.path("ReadCapacityUnits").asLong();
            t.wcu = pt.path("WriteCapacityUnits").asLong();
        } else {
            throw DynamoException.validation("1 validation error detected: Value '" + t.billingMode
                    + "' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]");
        }
        if (req.hasNonNull("Tags")) {
            for (JsonNode tag : req.get("Tags")) t.tags.put(tag.path("Key").asText(), tag.path("Value").asText());
        }
        t.deletionProtection = req.path("DeletionProtectionEnabled").asBoolean(false);
        t.streamSpec = req.get("StreamSpecification");
        t.tableClass = req.path("TableClass").asText(null);
        t.created = req.has("X-Created") ? req.get("X-Created").asDouble() : System.currentTimeMillis() / 1000.0;
        t.tableId = req.has("X-TableId") ? req.get("X-TableId").asText() : UUID.randomUUID().toString();
        t.ttlAttr = req.path("X-TtlAttribute").asText(null);
        t.ttlEnabled = req.path("X-TtlEnabled").asBoolean(false);
        return t;
    }

    void checkAttributeDefinitions() {
        Set<String> keyAttrs = new LinkedHashSet<>(key.names());
        for (Index i : indexes()) keyAttrs.addAll(i.key().names());
        List<String> undefined = keyAttrs.stream().filter(a -> !attrTypes.containsKey(a)).toList();
        if (!undefined.isEmpty()) {
            throw DynamoException.validation("One or more parameter values were invalid: Some index key attributes are not "
                    + "defined in AttributeDefinitions. Keys: " + undefined + ", AttributeDefinitions: " + attrTypes.keySet());
        }
        if (!keyAttrs.equals(attrTypes.keySet())) {
            throw DynamoException.validation("One or more parameter values were invalid: Number of attributes in KeySchema "
                    + "does not exactly match number of attributes defined in AttributeDefinitions");
        }
    }

    // ------------------------------------------------------------------ JSON forms

    private static ArrayNode keySchemaJson(KeySchema ks) {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        a.addObject().put("AttributeName", ks.hash()).put("KeyType", "HASH");
        if (ks.range() != null) a.addObject().put("AttributeName", ks.range()).put("KeyType", "RANGE");
        return a;
    }

    private static ObjectNode projectionJson(Index i) {
        ObjectNode p = JsonNodeFactory.instance.objectNode();
        p.put("ProjectionType", i.projectionType());
        if (!i.nonKey().isEmpty()) {
            ArrayNode nk = p.putArray("NonKeyAttributes");
            i.nonKey().forEach(nk::add);
        }
        return p;
    }

    static ObjectNode indexRequestJson(Index i) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("IndexName", i.name());
        o.set("KeySchema", keySchemaJson(i.key()));
        o.set("Projection", projectionJson(i));
        if (i.global() && (i.rcu() > 0 || i.wcu() > 0)) {
            o.putObject("ProvisionedThroughput").put("ReadCapacityUnits", i.rcu()).put("WriteCapacityUnits", i.wcu());
        }
        return o;
    }

    /** The persisted form: a CreateTable request plus the server-side fields. */
    ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("TableName", name);
        o.set("KeySchema", keySchemaJson(key));
        ArrayNode defs = o.putArray("AttributeDefinitions");
        attrTypes.forEach((n, ty) -> defs.addObject().put("AttributeName", n).put("AttributeType", ty));
        if (!lsis.isEmpty()) {
            ArrayNode a = o.putArray("LocalSecondaryIndexes");
            lsis.forEach(i -> a.add(indexRequestJson(i)));
        }
        if (!gsis.isEmpty()) {
            ArrayNode a = o.putArray("GlobalSecondaryIndexes");
            gsis.forEach(i -> a.add(indexRequestJson(i)));
        }
        o.put("BillingMode", billingMode);
        if (billingMode.equals("PROVISIONED")) {
            o.putObject("ProvisionedThroughput").put("ReadCapacityUnits", rcu).put("WriteCapacityUnits", wcu);
        }
        if (!tags.isEmpty()) {
            ArrayNode a = o.putArray("Tags");
            tags.forEach((k, v) -> a.addObject().put("Key", k).put("Value", v));
        }
        o.put("DeletionProtectionEnabled", deletionProtection);
        if (streamSpec != null && !streamSpec.isNull()) o.set("StreamSpecification", streamSpec);
        if (tableClass != null) o.put("TableClass", tableClass);
        o.put("X-Loaded", true);
        o.put("X-Created", created);
        o.put("X-TableId", tableId);
        if (ttlAttr != null) o.put("X-TtlAttribute", ttlAttr);
        o.put("X-TtlEnabled", ttlEnabled);
        return o;
    }

    /** The TableDescription returned by CreateTable/DescribeTable/DeleteTable/UpdateTable. */
    ObjectNode describe(Table data, String status) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        ArrayNode defs = o.putArray("AttributeDefinitions");
        attrTypes.forEach((n, ty) -> defs.addObject().put("AttributeName", n).put("AttributeType", ty));
        o.put("TableName", name);
        o.set("KeySchema", keySchemaJson(key));
        o.put("TableStatus", status);
        o.put("CreationDateTime", created);
        ObjectNode pt = o.putObject("ProvisionedThroughput");
        pt.put("NumberOfDecreasesToday", 0).put("ReadCapacityUnits", rcu).put("WriteCapacityUnits", wcu);
        o.put("TableSizeBytes", data == null ? 0 : data.sizeBytes);
        o.put("ItemCount", data == null ? 0 : data.itemCount);
        o.put("TableArn", arn());
        o.put("TableId", tableId);
        if (billingMode.equals("PAY_PER_REQUEST")) {
            o.putObject("BillingModeSummary").put("BillingMode", billingMode)
                    .put("LastUpdateToPayPerRequestDateTime", created);
        } else {
            o.putObject("BillingModeSummary").put("BillingMode", billingMode);
        }
        if (!lsis.isEmpty()) {
            ArrayNode a = o.putArray("LocalSecondaryIndexes");
            for (Index i : lsis) a.add(describeIndex(i, data));
        }
        if (!gsis.isEmpty()) {
            ArrayNode a = o.putArray("GlobalSecondaryIndexes");
            for (Index i : gsis) a.add(describeIndex(i, data));
        }
        if (streamSpec != null && !streamSpec.isNull() && streamSpec.path("StreamEnabled").asBoolean()) {
            o.set("StreamSpecification", streamSpec);
        }
        if (tableClass != null) o.putObject("TableClassSummary").put("TableClass", tableClass);
        o.put("DeletionProtectionEnabled", deletionProtection);
        return o;
    }

    private ObjectNode describeIndex(Index i, Table data) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("IndexName", i.name());
        o.set("KeySchema", keySchemaJson(i.key()));
        o.set("Projection", projectionJson(i));
        if (i.global()) {
            o.put("IndexStatus", "ACTIVE");
            o.putObject("ProvisionedThroughput").put("NumberOfDecreasesToday", 0)
                    .put("ReadCapacityUnits", i.rcu()).put("WriteCapacityUnits", i.wcu());
        }
        Table.IndexStore store = data == null ? null : data.indexes.get(i.name());
        o.put("IndexSizeBytes", store == null ? 0 : store.sizeBytes);
        o.put("ItemCount", store == null ? 0 : store.itemCount);
        o.put("IndexArn", arn() + "/index/" + i.name());
        return o;
    }
}
