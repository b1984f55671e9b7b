package dev.pier.standin.dynamodb;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializable;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.standin.dynamodb.Expr.Cond;
import dev.pier.standin.dynamodb.Expr.Ctx;
import dev.pier.standin.dynamodb.Expr.Path;
import dev.pier.standin.dynamodb.Expr.Update;
import dev.pier.standin.dynamodb.Store.Mut;
import dev.pier.standin.dynamodb.Table.RangeCond;
import dev.pier.standin.dynamodb.Table.Tuple;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.function.Supplier;

/** The DynamoDB operations, request JSON in, response JSON out. */
final class Api {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final long PAGE_BYTES = 1024 * 1024;
    private static final long TOKEN_MILLIS = 10 * 60 * 1000;
    private static final List<String> LEGACY = List.of("Expected", "ConditionalOperator", "AttributeUpdates",
            "KeyConditions", "QueryFilter", "ScanFilter");

    private final Store store;
    private final Map<String, TokenUse> tokens = new HashMap<>();

    private record TokenUse(JsonNode request, long expiresAt) {}

    Api(Store store) {
        this.store = store;
    }

    /** The answer to {@code op}: a JSON tree, or for BatchGetItem an answer that writes itself. */
    JsonSerializable handle(String op, JsonNode req) {
        if (!req.isObject()) throw DynamoException.serialization("Request body must be a JSON object");
        for (String legacy : LEGACY) {
            if (req.has(legacy)) {
                throw DynamoException.validation("The legacy parameter " + legacy
                        + " is not supported by this DynamoDB stand-in; use the expression parameters instead");
            }
        }
        return switch (op) {
            case "CreateTable" -> createTable(req);
            case "DescribeTable" -> describeTable(req);
            case "ListTables" -> listTables(req);
            case "DeleteTable" -> deleteTable(req);
            case "UpdateTable" -> updateTable(req);
            case "PutItem" -> putItem(req);
            case "GetItem" -> getItem(req);
            case "DeleteItem" -> deleteItem(req);
            case "UpdateItem" -> updateItem(req);
            case "Query" -> query(req);
            case "Scan" -> scan(req);
            case "BatchGetItem" -> batchGetItem(req);
            case "BatchWriteItem" -> batchWriteItem(req);
            case "TransactWriteItems" -> transactWriteItems(req);
            case "TransactGetItems" -> transactGetItems(req);
            case "UpdateTimeToLive" -> updateTimeToLive(req);
            case "DescribeTimeToLive" -> describeTimeToLive(req);
            case "TagResource" -> tagResource(req);
            case "UntagResource" -> untagResource(req);
            case "ListTagsOfResource" -> listTagsOfResource(req);
            case "DescribeEndpoints" -> describeEndpoints();
            case "DescribeLimits" -> describeLimits();
            default -> throw new DynamoException("com.amazon.coral.service#UnknownOperationException",
                    "Unsupported operation: " + op);
        };
    }

    // ================================================================== locking helpers

    private <T> T read(Supplier<T> body) {
        store.lock.readLock().lock();
        try {
            return body.get();
        } finally {
            store.lock.readLock().unlock();
        }
    }

    private <T> T write(Supplier<T> body) {
        store.lock.writeLock().lock();
        try {
            return body.get();
        } finally {
            store.lock.writeLock().unlock();
        }
    }

    // ================================================================== request helpers

    private static String tableName(JsonNode req) {
        String name = req.path("TableName").asText(null);
        TableDef.checkTableName(name, "tableName");
        return name;
    }

    private Table table(String name) {
        Table t = store.tables.get(name);
        if (t == null) throw DynamoException.notFound("Requested resource not found");
        return t;
    }

    private Table tableForDescribe(String name) {
        Table t = store.tables.get(name);
        if (t == null) throw DynamoException.notFound("Requested resource not found: Table: " + name + " not found");
        return t;
    }

    private static Map<String, Av> requiredItem(JsonNode req, String field) {
        JsonNode n = req.get(field);
        if (n == null || n.isNull()) {
            throw DynamoException.validation("1 validation error detected: Value null at '"
                    + Character.toLowerCase(field.charAt(0)) + field.substring(1)
                    + "' failed to satisfy constraint: Member must not be null");
        }
        return Av.itemFromJson(n);
    }

    private static String enumParam(JsonNode req, String field, String dflt, Set<String> allowed, String message) {
        String v = req.path(field).asText(dflt);
        if (!allowed.contains(v)) throw DynamoException.validation(message);
        return v;
    }

    private static final Set<String> ALL_RETURN_VALUES = Set.of("NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW");

    private static String returnValues(JsonNode req, boolean updateAllowed) {
        String v = req.path("ReturnValues").asText("NONE");
        if (!ALL_RETURN_VALUES.contains(v)) {
            throw DynamoException.validation("1 validation error detected: Value '" + v + "' at 'returnValues' failed to "
                    + "satisfy constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]");
        }
        if (!updateAllowed && !v.equals("NONE") && !v.equals("ALL_OLD")) {
            throw DynamoException.validation("ReturnValues can only be ALL_OLD or NONE");
        }
        return v;
    }

    private static boolean allOldOnFailure(JsonNode req) {
        return enumParam(req, "ReturnValuesOnConditionCheckFailure", "NONE", Set.of("NONE", "ALL_OLD"),
                "1 validation error detected: Value at 'returnValuesOnConditionCheckFailure' failed to satisfy constraint: "
                        + "Member must satisfy enum value set: [ALL_OLD, NONE]").equals("ALL_OLD");
    }

    private static Cond condition(JsonNode req, String field, Ctx ctx) {
        JsonNode n = req.get(field);
        return n == null || n.isNull() ? null : Expr.parseCondition(n.asText(), field, ctx);
    }

    private static List<Path> projection(JsonNode req, Ctx ctx) {
        JsonNode pe = req.get("ProjectionExpression");
        JsonNode atg = req.get("AttributesToGet");
        if (pe != null && !pe.isNull() && atg != null && !atg.isNull()) {
            throw DynamoException.validation("Can not use both expression and non-expression parameters in the same request: "
                    + "Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}");
        }
        if (pe != null && !pe.isNull()) return Expr.parseProjection(pe.asText(), ctx);
        if (atg != null && !atg.isNull()) return Expr.pathsOf(atg);
        return null;
    }

    private static void addConsumed(ObjectNode resp, JsonNode req, String table) {
        String rcc = req.path("ReturnConsumedCapacity").asText("NONE");
        if (!rcc.equals("NONE")) resp.putObject("ConsumedCapacity").put("TableName", table).put("CapacityUnits", 1.0);
    }

    private static void checkCondition(Cond cond, Map<String, Av> old, boolean allOld) {
        if (cond != null && !Expr.eval(cond, old == null ? Map.of() : old)) {
            DynamoException e = DynamoException.conditionalCheckFailed();
            if (allOld && old != null) e.extra.set("Item", Av.itemToJson(old));
            throw e;
        }
    }

    private static void checkUpdateKeys(Update u, Table t) {
        if (u == null) return;
        for (Path p : u.paths()) {
            if (t.def.key.names().contains(p.top())) {
                throw DynamoException.validation("One or more parameter values were invalid: Cannot update attribute "
                        + p.top() + ". This attribute is part of the key");
            }
        }
    }

    // ================================================================== tables

    private ObjectNode createTable(JsonNode req) {
        TableDef def = TableDef.fromCreateRequest(req);
        return write(() -> {
            if (store.tables.containsKey(def.name)) throw DynamoException.inUse("Table already exists: " + def.name);
            store.createTable(def);
            ObjectNode resp = F.objectNode();
            resp.set("TableDescription", def.describe(store.tables.get(def.name), "ACTIVE"));
            return resp;
        });
    }

    private ObjectNode describeTable(JsonNode req) {
        String name = tableName(req);
        return read(() -> {
            Table t = tableForDescribe(name);
            ObjectNode resp = F.objectNode();
            resp.set("Table", t.def.describe(t, "ACTIVE"));
            return resp;
        });
    }

    private ObjectNode listTables(JsonNode req) {
        String start = req.path("ExclusiveStartTableName").asText(null);
        int limit = req.path("Limit").asInt(100);
        if (limit < 1 || limit > 100) {
            throw DynamoException.validation("1 validation error detected: Value '" + limit + "' at 'limit' failed to "
                    + "satisfy constraint: Member must have value less than or equal to 100");
        }
        return read(() -> {
            ObjectNode resp = F.objectNode();
            ArrayNode names = resp.putArray("TableNames");
            Iterator<String> it = (start == null ? store.tables.navigableKeySet()
                    : store.tables.navigableKeySet().tailSet(start, false)).iterator();
            String last = null;
            while (it.hasNext() && names.size() < limit) names.add(last = it.next());
            if (it.hasNext()) resp.put("LastEvaluatedTableName", last);
            return resp;
        });
    }

    private ObjectNode deleteTable(JsonNode req) {
        String name = tableName(req);
        return write(() -> {
            Table t = tableForDescribe(name);
            if (t.def.deletionProtection) {
                throw DynamoException.validation("Resource cannot be deleted as it is currently protected against deletion. "
                        + "Disable deletion protection first.");
            }
            ObjectNode resp = F.objectNode();
            resp.set("TableDescription", t.def.describe(t, "DELETING"));
            store.deleteTable(name);
            return resp;
        });
    }

    private static TableDef copy(TableDef def) {
        return TableDef.fromCreateRequest(def.toJson());
    }

    private ObjectNode updateTable(JsonNode req) {
        String name = tableName(req);
        return write(() -> {
            Table t = tableForDescribe(name);
            TableDef def = copy(t.def);
            if (req.hasNonNull("AttributeDefinitions")) {
                for (JsonNode d : req.get("AttributeDefinitions")) {
                    def.attrTypes.put(d.path("AttributeName").asText(), d.path("AttributeType").asText());
                }
            }
            if (req.hasNonNull("BillingMode")) def.billingMode = req.get("BillingMode").asText();
            if (req.hasNonNull("ProvisionedThroughput")) {
                def.rcu = req.get("ProvisionedThroughput").path("ReadCapacityUnits").asLong();
                def.wcu = req.get("ProvisionedThroughput").path("WriteCapacityUnits").asLong();
            }
            if (req.has("DeletionProtectionEnabled")) def.deletionProtection = req.get("DeletionProtectionEnabled").asBoolean();
            if (req.hasNonNull("StreamSpecification")) def.streamSpec = req.get("StreamSpecification");
            if (req.hasNonNull("GlobalSecondaryIndexUpdates")) {
                for (JsonNode u : req.get("GlobalSecondaryIndexUpdates")) {
                    if (u.hasNonNull("Create")) {
                        TableDef.Index idx = TableDef.index(u.get("Create"), true, def);
                        if (def.index(idx.name()) != null) {
                            throw DynamoException.validation("One or more parameter values were invalid: "
                                    + "Attempting to create an index which already exists");
                        }
                        def.gsis.add(idx);
                    } else if (u.hasNonNull("Delete")) {
                        String idxName = u.get("Delete").path("IndexName").asText();
                        if (!def.gsis.removeIf(i -> i.name().equals(idxName))) {
                            throw DynamoException.notFound("Requested resource not found: Index: " + idxName + " not found");
                        }
                    } else if (u.hasNonNull("Update")) {
                        String idxName = u.get("Update").path("IndexName").asText();
                        if (def.index(idxName) == null) {
                            throw DynamoException.notFound("Requested resource not found: Index: " + idxName + " not found");
                        }
                    }
                }
            }
            // keep only the definitions that keys still use, as DynamoDB does
            Set<String> used = new HashSet<>(def.key.names());
            def.indexes().forEach(i -> used.addAll(i.key().names()));
            def.attrTypes.keySet().retainAll(used);
            def.checkAttributeDefinitions();
            store.redefine(def);
            ObjectNode resp = F.objectNode();
            resp.set("TableDescription", def.describe(store.tables.get(name), "ACTIVE"));
            return resp;
        });
    }

    // ================================================================== single items

    private ObjectNode putItem(JsonNode req) {
        String name = tableName(req);
        Map<String, Av> item = requiredItem(req, "Item");
        String rv = returnValues(req, false);
        boolean allOld = allOldOnFailure(req);
        Ctx ctx = new Ctx(req);
        Cond cond = condition(req, "ConditionExpression", ctx);
        ctx.checkAllUsed();
        Map<String, Av> old = write(() -> {
            Table t = table(name);
            t.checkItem(item);
            Map<String, Av> prev = t.get(t.keyOf(item));
            checkCondition(cond, prev, allOld);
            store.commit(List.of(Mut.put(name, item)));
            return prev;
        });
        ObjectNode resp = F.objectNode();
        if (rv.equals("ALL_OLD") && old != null) resp.set("Attributes", Av.itemToJson(old));
        addConsumed(resp, req, name);
        return resp;
    }

    private ObjectNode getItem(JsonNode req) {
        String name = tableName(req);
        Map<String, Av> key = requiredItem(req, "Key");
        Ctx ctx = new Ctx(req);
        List<Path> proj = projection(req, ctx);
        ctx.checkAllUsed();
        Map<String, Av> item = read(() -> {
            Table t = table(name);
            t.checkKey(key);
            return t.get(key);
        });
        ObjectNode resp = F.objectNode();
        if (item != null) resp.set("Item", Av.itemToJson(Expr.project(item, proj)));
        addConsumed(resp, req, name);
        return resp;
    }

    private ObjectNode deleteItem(JsonNode req) {
        String name = tableName(req);
        Map<String, Av> key = requiredItem(req, "Key");
        String rv = returnValues(req, false);
        boolean allOld = allOldOnFailure(req);
        Ctx ctx = new Ctx(req);
        Cond cond = condition(req, "ConditionExpression", ctx);
        ctx.checkAllUsed();
        Map<String, Av> old = write(() -> {
            Table t = table(name);
            t.checkKey(key);
            Map<String, Av> prev = t.get(key);
            checkCondition(cond, prev, allOld);
            if (prev != null) store.commit(List.of(Mut.delete(name, key)));
            return prev;
        });
        ObjectNode resp = F.objectNode();
        if (rv.equals("ALL_OLD") && old != null) resp.set("Attributes", Av.itemToJson(old));
        addConsumed(resp, req, name);
        return resp;
    }

    private ObjectNode updateItem(JsonNode req) {
        String name = tableName(req);
        Map<String, Av> key = requiredItem(req, "Key");
        String rv = returnValues(req, true);
        boolean allOld = allOldOnFailure(req);
        Ctx ctx = new Ctx(req);
        JsonNode ue = req.get("UpdateExpression");
        Update update = ue == null || ue.isNull() ? null : Expr.parseUpdate(ue.asText(), ctx);
        Cond cond = condition(req, "ConditionExpression", ctx);
        ctx.checkAllUsed();
        List<Map<String, Av>> result = write(() -> {
            Table t = table(name);
            t.checkKey(key);
            checkUpdateKeys(update, t);
            Map<String, Av> prev = t.get(key);
            checkCondition(cond, prev, allOld);
            Map<String, Av> next = newImage(t, key, prev, update);
            store.commit(List.of(Mut.put(name, next)));
            List<Map<String, Av>> r = new ArrayList<>(2);
            r.add(prev);
            r.add(next);
            return r;
        });
        Map<String, Av> old = result.get(0), now = result.get(1);
        Map<String, Av> attrs = switch (rv) {
            case "ALL_OLD" -> old;
            case "ALL_NEW" -> now;
            case "UPDATED_OLD" -> update == null ? null : Expr.projectUpdated(update, old);
            case "UPDATED_NEW" -> update == null ? null : Expr.projectUpdated(update, now);
            default -> null;
        };
        ObjectNode resp = F.objectNode();
        if (attrs != null && !attrs.isEmpty()) resp.set("Attributes", Av.itemToJson(attrs));
        addConsumed(resp, req, name);
        return resp;
    }

    private static Map<String, Av> newImage(Table t, Map<String, Av> key, Map<String, Av> prev, Update update) {
        Map<String, Av> base = prev != null ? prev : new LinkedHashMap<>(key);
        Map<String, Av> next = update == null ? Av.deepCopy(base) : Expr.apply(update, prev, base);
        t.checkItem(next);
        return next;
    }

    // ================================================================== query and scan

    private record Target(Table table, Table.IndexStore index) {
        TableDef.KeySchema keys() {
            return index == null ? table.def.key : index.def.key();
        }

        NavigableMap<Av, NavigableMap<Tuple, Map<String, Av>>> rows() {
            return index == null ? table.rows : index.rows;
        }

        Tuple tuple(Map<String, Av> item) {
            return index == null ? table.tuple(item) : index.tuple(item);
        }

        int tupleLength() {
            return index == null ? (table.def.key.range() == null ? 0 : 1) : index.tupleLength();
        }

        /** The key of an item as LastEvaluatedKey: table keys plus index keys. */
        Map<String, Av> lastKey(Map<String, Av> item) {
            Map<String, Av> k = table.keyOf(item);
            if (index != null) for (String n : index.def.key().names()) k.put(n, item.get(n));
            return k;
        }

        /** Applies the index's projection (the attributes a read from the index can see). */
        Map<String, Av> view(Map<String, Av> item, boolean allAttributes) {
            if (index == null || allAttributes || index.def.projectionType().equals("ALL")) return item;
            Set<String> keep = new HashSet<>(table.def.key.names());
            keep.addAll(index.def.key().names());
            keep.addAll(index.def.nonKey());
            Map<String, Av> v = new LinkedHashMap<>();
            for (Map.Entry<String, Av> e : item.entrySet()) if (keep.contains(e.getKey())) v.put(e.getKey(), e.getValue());
            return v;
        }

        void checkStartKey(Map<String, Av> esk) {
            Set<String> needed = new HashSet<>(table.def.key.names());
            if (index != null) needed.addAll(index.def.key().names());
            if (!esk.keySet().equals(needed)) {
                throw DynamoException.validation("The provided starting key is invalid: The provided key element does not match the schema");
            }
            for (String n : needed) {
                if (!esk.get(n).type().equals(table.def.attrTypes.get(n))) {
                    throw DynamoException.validation("The provided starting key is invalid: The provided key element does not match the schema");
                }
            }
        }
    }

    private Target target(String name, JsonNode req) {
        Table t = table(name);
        String indexName = req.path("IndexName").asText(null);
        if (indexName == null) return new Target(t, null);
        Table.IndexStore idx = t.indexes.get(indexName);
        if (idx == null) throw DynamoException.validation("The table does not have the specified index: " + indexName);
        if (idx.def.global() && req.path("ConsistentRead").asBoolean(false)) {
            throw DynamoException.validation("Consistent reads are not supported on global secondary indexes");
        }
        return new Target(t, idx);
    }

    private record ReadSpec(Cond filter, List<Path> projection, String select, int limit, Map<String, Av> esk) {}

    private static ReadSpec readSpec(JsonNode req, Ctx ctx, Cond filter) {
        List<Path> proj = projection(req, ctx);
        String select = req.path("Select").asText(null);
        if (select != null && !Set.of("ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES", "SPECIFIC_ATTRIBUTES", "COUNT").contains(select)) {
            throw DynamoException.validation("1 validation error detected: Value '" + select + "' at 'select' failed to satisfy "
                    + "constraint: Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]");
        }
        if (proj != null && select != null && !select.equals("SPECIFIC_ATTRIBUTES")) {
            throw DynamoException.validation("Cannot specify the ProjectionExpression when choosing to get " + select);
        }
        if (proj == null && "SPECIFIC_ATTRIBUTES".equals(select)) {
            throw DynamoException.validation("Select type SPECIFIC_ATTRIBUTES requires a ProjectionExpression or AttributesToGet");
        }
        int limit = Integer.MAX_VALUE;
        if (req.has("Limit")) {
            limit = req.get("Limit").asInt();
            if (limit < 1) {
                throw DynamoException.validation("1 validation error detected: Value '" + limit + "' at 'limit' failed to "
                        + "satisfy constraint: Member must have value greater than or equal to 1");
            }
        }
        Map<String, Av> esk = req.hasNonNull("ExclusiveStartKey") ? Av.itemFromJson(req.get("ExclusiveStartKey")) : null;
        return new ReadSpec(filter, proj, select, limit, esk);
    }

    private ObjectNode collect(Target tg, Iterator<Map<String, Av>> it, ReadSpec spec, JsonNode req, String name,
                               java.util.function.Predicate<Map<String, Av>> include) {
        if (tg.index != null && tg.index.def.global() && "ALL_ATTRIBUTES".equals(spec.select())
                && !tg.index.def.projectionType().equals("ALL")) {
            throw DynamoException.validation("One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not "
                    + "supported for global secondary index " + tg.index.def.name() + " because its projection type is not ALL");
        }
        boolean countOnly = "COUNT".equals(spec.select());
        boolean allAttributes = "ALL_ATTRIBUTES".equals(spec.select());
        ObjectNode resp = F.objectNode();
        ArrayNode items = countOnly ? null : resp.putArray("Items");
        int count = 0, scanned = 0;
        long bytes = 0;
        Map<String, Av> last = null;
        boolean more = false;
        while (it.hasNext()) {
            Map<String, Av> raw = it.next();
            if (include != null && !include.test(raw)) continue;
            scanned++;
            bytes += Av.itemSize(raw);
            last = raw;
            Map<String, Av> view = tg.view(raw, allAttributes);
            if (spec.filter() == null || Expr.eval(spec.filter(), view)) {
                count++;
                if (!countOnly) items.add(Av.itemToJson(Expr.project(view, spec.projection())));
            }
            if (scanned >= spec.limit() || bytes >= PAGE_BYTES) {
                more = hasNextMatching(it, include);
                break;
            }
        }
        resp.put("Count", count);
        resp.put("ScannedCount", scanned);
        if (more) resp.set("LastEvaluatedKey", Av.itemToJson(tg.lastKey(last)));
        addConsumed(resp, req, name);
        return resp;
    }

    private static boolean hasNextMatching(Iterator<Map<String, Av>> it, java.util.function.Predicate<Map<String, Av>> include) {
        while (it.hasNext()) {
            if (include == null || include.test(it.next())) return true;
        }
        return false;
    }

    private ObjectNode query(JsonNode req) {
        String name = tableName(req);
        Ctx ctx = new Ctx(req);
        JsonNode kce = req.get("KeyConditionExpression");
        if (kce == null || kce.isNull()) {
            throw DynamoException.validation("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.");
        }
        Cond keyCond = Expr.parseCondition(kce.asText(), "KeyConditionExpression", ctx);
        Cond filter = condition(req, "FilterExpression", ctx);
        ReadSpec spec = readSpec(req, ctx, filter);
        boolean forward = req.path("ScanIndexForward").asBoolean(true);
        ctx.checkAllUsed();
        return read(() -> {
            Target tg = target(name, req);
            KeyQuery kq = keyQuery(keyCond, tg);
            NavigableMap<Tuple, Map<String, Av>> part = tg.rows().get(kq.hash());
            if (part == null) part = Collections.emptyNavigableMap();
            Table.Bounds bounds = Table.bounds(kq.range(), tg.tupleLength());
            if (spec.esk() != null) {
                tg.checkStartKey(spec.esk());
                if (Av.compareKey(spec.esk().get(tg.keys().hash()), kq.hash()) != 0) {
                    throw DynamoException.validation("The provided starting key is invalid: "
                            + "The provided starting key does not match the range key predicate");
                }
                bounds = bounds.after(tg.tuple(spec.esk()), forward);
            }
            part = bounds.slice(part);
            Iterator<Map<String, Av>> it = (forward ? part : part.descendingMap()).values().iterator();
            return collect(tg, it, spec, req, name, null);
        });
    }

    private record KeyQuery(Av hash, RangeCond range) {}

    private static DynamoException keyCondError(String detail) {
        return DynamoException.validation("Query key condition not supported" + (detail == null ? "" : ": " + detail));
    }

    private static KeyQuery keyQuery(Cond c, Target tg) {
        TableDef.KeySchema ks = tg.keys();
        List<Cond> parts = new ArrayList<>();
        if (c instanceof Expr.And a) {
            parts.add(a.l());
            parts.add(a.r());
        } else {
            parts.add(c);
        }
        Av hash = null;
        RangeCond range = null;
        for (Cond p : parts) {
            String attr;
            RangeCond rc;
            switch (p) {
                case Expr.Cmp cmp when cmp.l() instanceof Expr.PathOp po && cmp.r() instanceof Expr.ValOp v -> {
                    attr = keyAttr(po);
                    rc = new RangeCond(cmp.op(), v.value(), null);
                }
                case Expr.Cmp cmp when cmp.r() instanceof Expr.PathOp po && cmp.l() instanceof Expr.ValOp v -> {
                    attr = keyAttr(po);
                    rc = new RangeCond(flip(cmp.op()), v.value(), null);
                }
                case Expr.Between b when b.x() instanceof Expr.PathOp po && b.lo() instanceof Expr.ValOp lo
                        && b.hi() instanceof Expr.ValOp hi -> {
                    attr = keyAttr(po);
                    rc = new RangeCond("BETWEEN", lo.value(), hi.value());
                }
                case Expr.BeginsWith bw when bw.a() instanceof Expr.PathOp po && bw.b() instanceof Expr.ValOp v -> {
                    attr = keyAttr(po);
                    rc = new RangeCond("BEGINS_WITH", v.value(), null);
                }
                default -> throw DynamoException.validation("Invalid operator used in KeyConditionExpression: "
                        + (p instanceof Expr.Or ? "OR" : p instanceof Expr.Not ? "NOT" : p.getClass().getSimpleName()));
            }
            if (rc.op().equals("<>")) throw keyCondError(null);
            if (attr.equals(ks.hash())) {
                if (!rc.op().equals("=")) throw keyCondError(null);
                if (hash != null) {
                    throw DynamoException.validation("KeyConditionExpressions must only contain one condition per key");
                }
                checkKeyValue(tg, attr, rc.a());
                hash = rc.a();
            } else if (attr.equals(ks.range())) {
                if (range != null) {
                    throw DynamoException.validation("KeyConditionExpressions must only contain one condition per key");
                }
                checkKeyValue(tg, attr, rc.a());
                if (rc.b() != null) checkKeyValue(tg, attr, rc.b());
                if (rc.op().equals("BEGINS_WITH") && rc.a() instanceof Av.N) {
                    throw DynamoException.validation("Invalid KeyConditionExpression: Incorrect operand type for operator or "
                            + "function; operator or function: begins_with, operand type: N");
                }
                range = rc;
            } else {
                throw DynamoException.validation("Query condition missed key schema element: " + ks.hash());
            }
        }
        if (hash == null) throw DynamoException.validation("Query condition missed key schema element: " + ks.hash());
        return new KeyQuery(hash, range);
    }

    private static String keyAttr(Expr.PathOp po) {
        if (po.path().elems().size() != 1) throw keyCondError("nested attributes are not key attributes");
        return po.path().top();
    }

    private static void checkKeyValue(Target tg, String attr, Av v) {
        if (!v.type().equals(tg.table.def.attrTypes.get(attr))) {
            throw DynamoException.validation("One or more parameter values were invalid: Condition parameter type does not "
                    + "match schema type");
        }
    }

    private static String flip(String op) {
        return switch (op) {
            case "<" -> ">";
            case "<=" -> ">=";
            case ">" -> "<";
            case ">=" -> "<=";
            default -> op;
        };
    }

    private ObjectNode scan(JsonNode req) {
        String name = tableName(req);
        Ctx ctx = new Ctx(req);
        Cond filter = condition(req, "FilterExpression", ctx);
        ReadSpec spec = readSpec(req, ctx, filter);
        ctx.checkAllUsed();
        Integer segment = req.hasNonNull("Segment") ? req.get("Segment").asInt() : null;
        Integer total = req.hasNonNull("TotalSegments") ? req.get("TotalSegments").asInt() : null;
        if ((segment == null) != (total == null)) {
            throw DynamoException.validation(segment == null
                    ? "The Segment parameter is required but was not present in the request when parameter TotalSegments is present"
                    : "The TotalSegments parameter is required but was not present in the request when Segment parameter is present");
        }
        if (total != null && (total < 1 || total > 1_000_000 || segment < 0 || segment >= total)) {
            throw DynamoException.validation("The Segment parameter is zero-based and must be less than parameter TotalSegments: "
                    + "Segment: " + segment + " is not less than TotalSegments: " + total);
        }
        return read(() -> {
            Target tg = target(name, req);
            Av startHash = null;
            Tuple startTuple = null;
            if (spec.esk() != null) {
                tg.checkStartKey(spec.esk());
                startHash = spec.esk().get(tg.keys().hash());
                startTuple = tg.tuple(spec.esk());
            }
            Iterator<Map<String, Av>> it = Table.scanIterator(tg.rows(), startHash, startTuple);
            String hashAttr = tg.keys().hash();
            java.util.function.Predicate<Map<String, Av>> include = total == null ? null
                    : item -> Math.floorMod(item.get(hashAttr).hashCode(), total) == segment;
            return collect(tg, it, spec, req, name, include);
        });
    }

    // ================================================================== batches

    private BatchGetAnswer batchGetItem(JsonNode req) {
        JsonNode ri = req.get("RequestItems");
        if (ri == null || !ri.isObject() || ri.isEmpty()) {
            throw DynamoException.validation("1 validation error detected: Value at 'requestItems' failed to satisfy "
                    + "constraint: Member must have length greater than or equal to 1");
        }
        record TableReq(String name, List<Map<String, Av>> keys, List<Path> proj) {}
        List<TableReq> reqs = new ArrayList<>();
        int total = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = ri.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            TableDef.checkTableName(e.getKey(), "requestItems.key");
            Ctx ctx = new Ctx(e.getValue());
            List<Path> proj = projection(e.getValue(), ctx);
            ctx.checkAllUsed();
            List<Map<String, Av>> keys = new ArrayList<>();
            Set<Map<String, Av>> seen = new HashSet<>();
            for (JsonNode k : e.getValue().path("Keys")) {
                Map<String, Av> key = Av.itemFromJson(k);
                if (!seen.add(key)) throw DynamoException.validation("Provided list of item keys contains duplicates");
                keys.add(key);
            }
            if (keys.isEmpty()) {
                throw DynamoException.validation("1 validation error detected: Value at 'requestItems." + e.getKey()
                        + ".member.keys' failed to satisfy constraint: Member must have length greater than or equal to 1");
            }
            total += keys.size();
            reqs.add(new TableReq(e.getKey(), keys, proj));
        }
        if (total > 100) {
            throw DynamoException.validation("Too many items requested for the BatchGetItem call");
        }
        return read(() -> {
            List<BatchGetAnswer.Found> found = new ArrayList<>(reqs.size());
            for (TableReq tr : reqs) {
                Table t = table(tr.name());
                List<Map<String, Av>> items = new ArrayList<>(tr.keys().size());
                for (Map<String, Av> key : tr.keys()) {
                    t.checkKey(key);
                    Map<String, Av> item = t.get(key);
                    if (item != null) items.add(item);
                }
                found.add(new BatchGetAnswer.Found(tr.name(), items, tr.proj()));
            }
            return new BatchGetAnswer(found); // written after the lock is released: stored items are never changed
        });
    }

    private ObjectNode batchWriteItem(JsonNode req) {
        JsonNode ri = req.get("RequestItems");
        if (ri == null || !ri.isObject() || ri.isEmpty()) {
            throw DynamoException.validation("1 validation error detected: Value at 'requestItems' failed to satisfy "
                    + "constraint: Member must have length greater than or equal to 1");
        }
        List<Mut> muts = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = ri.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            TableDef.checkTableName(e.getKey(), "requestItems.key");
            for (JsonNode w : e.getValue()) {
                if (w.hasNonNull("PutRequest") == w.hasNonNull("DeleteRequest")) {
                    throw DynamoException.validation("Supplied AttributeValue has more than one datatypes set, "
                            + "must contain exactly one of PutRequest or DeleteRequest");
                }
                if (w.hasNonNull("PutRequest")) muts.add(Mut.put(e.getKey(), requiredItem(w.get("PutRequest"), "Item")));
                else muts.add(Mut.delete(e.getKey(), requiredItem(w.get("DeleteRequest"), "Key")));
            }
        }
        if (muts.size() > 25) {
            throw DynamoException.validation("Too many items requested for the BatchWriteItem call");
        }
        write(() -> {
            Set<List<Object>> seen = new HashSet<>();
            for (Mut m : muts) {
                Table t = table(m.table());
                if (m.put() != null) t.checkItem(m.put());
                else t.checkKey(m.deleteKey());
                Map<String, Av> key = m.put() != null ? t.keyOf(m.put()) : m.deleteKey();
                if (!seen.add(List.of(m.table(), key))) {
                    throw DynamoException.validation("Provided list of item keys contains duplicates");
                }
            }
            store.commit(muts);
            return null;
        });
        ObjectNode resp = F.objectNode();
        resp.putObject("UnprocessedItems");
        return resp;
    }

    // ================================================================== transactions

    private record TxItem(String kind, String table, Map<String, Av> key, Map<String, Av> item, Cond cond, Update update,
                          boolean allOld) {}

    private ObjectNode transactWriteItems(JsonNode req) {
        JsonNode list = req.get("TransactItems");
        if (list == null || !list.isArray() || list.isEmpty() || list.size() > 100) {
            throw DynamoException.validation("1 validation error detected: Value at 'transactItems' failed to satisfy "
                    + "constraint: Member must have length less than or equal to 100 and greater than or equal to 1");
        }
        List<TxItem> txs = new ArrayList<>();
        for (JsonNode entry : list) {
            if (entry.size() != 1) {
                throw DynamoException.validation("TransactItems can only contain one of Check, Put, Update or Delete");
            }
            Map.Entry<String, JsonNode> e = entry.fields().next();
            String kind = e.getKey();
            JsonNode body = e.getValue();
            String table = tableName(body);
            Ctx ctx = new Ctx(body);
            boolean allOld = allOldOnFailure(body);
            TxItem tx = switch (kind) {
                case "Put" -> new TxItem(kind, table, null, requiredItem(body, "Item"),
                        condition(body, "ConditionExpression", ctx), null, allOld);
                case "Delete" -> new TxItem(kind, table, requiredItem(body, "Key"), null,
                        condition(body, "ConditionExpression", ctx), null, allOld);
                case "Update" -> {
                    JsonNode ue = body.get("UpdateExpression");
                    if (ue == null || ue.isNull()) {
                        throw DynamoException.validation("1 validation error detected: Value null at "
                                + "'transactItems.member.update.updateExpression' failed to satisfy constraint: Member must not be null");
                    }
                    Update u = Expr.parseUpdate(ue.asText(), ctx);
                    yield new TxItem(kind, table, requiredItem(body, "Key"), null,
                            condition(body, "ConditionExpression", ctx), u, allOld);
                }
                case "ConditionCheck" -> {
                    Cond c = condition(body, "ConditionExpression", ctx);
                    if (c == null) {
                        throw DynamoException.validation("1 validation error detected: Value null at "
                                + "'transactItems.member.conditionCheck.conditionExpression' failed to satisfy constraint: Member must not be null");
                    }
                    yield new TxItem(kind, table, requiredItem(body, "Key"), null, c, null, allOld);
                }
                default -> throw DynamoException.validation("Unknown TransactItem type: " + kind);
            };
            ctx.checkAllUsed();
            txs.add(tx);
        }
        String token = req.path("ClientRequestToken").asText(null);
        return write(() -> {
            if (token != null) {
                long now = System.currentTimeMillis();
                tokens.values().removeIf(u -> u.expiresAt() < now);
                TokenUse use = tokens.get(token);
                if (use != null) {
                    if (use.request().equals(req)) return F.objectNode();
                    throw DynamoException.of("IdempotentParameterMismatchException",
                            "Request token was reused with different request parameters");
                }
            }
            // pass 1: request validation (errors here reject the whole request, as in DynamoDB)
            Set<List<Object>> seen = new HashSet<>();
            List<Map<String, Av>> keys = new ArrayList<>();
            for (TxItem tx : txs) {
                Table t = table(tx.table());
                Map<String, Av> key;
                if (tx.item() != null) {
                    t.checkItem(tx.item());
                    key = t.keyOf(tx.item());
                } else {
                    t.checkKey(tx.key());
                    key = tx.key();
                }
                checkUpdateKeys(tx.update(), t);
                if (!seen.add(List.of(tx.table(), key))) {
                    throw DynamoException.validation("Transaction request cannot include multiple operations on one item");
                }
                keys.add(key);
            }
            // pass 2: conditions and new images against one consistent state
            List<Mut> muts = new ArrayList<>();
            ArrayNode reasons = F.arrayNode();
            List<String> codes = new ArrayList<>();
            boolean failed = false;
            for (int i = 0; i < txs.size(); i++) {
                TxItem tx = txs.get(i);
                Table t = store.tables.get(tx.table());
                Map<String, Av> old = t.get(keys.get(i));
                ObjectNode reason = F.objectNode();
                try {
                    checkCondition(tx.cond(), old, tx.allOld());
                    switch (tx.kind()) {
                        case "Put" -> muts.add(Mut.put(tx.table(), tx.item()));
                        case "Delete" -> {
                            if (old != null) muts.add(Mut.delete(tx.table(), keys.get(i)));
                        }
                        case "Update" -> muts.add(Mut.put(tx.table(), newImage(t, keys.get(i), old, tx.update())));
                        default -> { }
                    }
                    reason.put("Code", "None");
                    codes.add("None");
                } catch (DynamoException e) {
                    failed = true;
                    String code = e.simpleType().equals("ConditionalCheckFailedException") ? "ConditionalCheckFailed" : "ValidationError";
                    reason.put("Code", code);
                    reason.put("Message", e.getMessage());
                    if (e.extra.has("Item")) reason.set("Item", e.extra.get("Item"));
                    codes.add(code);
                }
                reasons.add(reason);
            }
            if (failed) {
                DynamoException e = DynamoException.of("TransactionCanceledException",
                        "Transaction cancelled, please refer cancellation reasons for specific reasons " + codes);
                e.extra.set("CancellationReasons", reasons);
                throw e;
            }
            store.commit(muts);
            if (token != null) tokens.put(token, new TokenUse(req.deepCopy(), System.currentTimeMillis() + TOKEN_MILLIS));
            return F.objectNode();
        });
    }

    private ObjectNode transactGetItems(JsonNode req) {
        JsonNode list = req.get("TransactItems");
        if (list == null || !list.isArray() || list.isEmpty() || list.size() > 100) {
            throw DynamoException.validation("1 validation error detected: Value at 'transactItems' failed to satisfy "
                    + "constraint: Member must have length less than or equal to 100 and greater than or equal to 1");
        }
        record Get(String table, Map<String, Av> key, List<Path> proj) {}
        List<Get> gets = new ArrayList<>();
        for (JsonNode entry : list) {
            JsonNode body = entry.get("Get");
            if (body == null) throw DynamoException.validation("TransactItems must contain Get");
            Ctx ctx = new Ctx(body);
            List<Path> proj = projection(body, ctx);
            ctx.checkAllUsed();
            gets.add(new Get(tableName(body), requiredItem(body, "Key"), proj));
        }
        return read(() -> {
            ObjectNode resp = F.objectNode();
            ArrayNode out = resp.putArray("Responses");
            for (Get g : gets) {
                Table t = table(g.table());
                t.checkKey(g.key());
                Map<String, Av> item = t.get(g.key());
                ObjectNode r = out.addObject();
                if (item != null) r.set("Item", Av.itemToJson(Expr.project(item, g.proj())));
            }
            return resp;
        });
    }

    // ================================================================== TTL and tags

    private ObjectNode updateTimeToLive(JsonNode req) {
        String name = tableName(req);
        JsonNode spec = req.get("TimeToLiveSpecification");
        if (spec == null || !spec.hasNonNull("AttributeName") || !spec.has("Enabled")) {
            throw DynamoException.validation("1 validation error detected: Value null at 'timeToLiveSpecification' failed "
                    + "to satisfy constraint: Member must not be null");
        }
        String attr = spec.get("AttributeName").asText();
        boolean enabled = spec.get("Enabled").asBoolean();
        return write(() -> {
            Table t = table(name);
            if (enabled && t.def.ttlEnabled) throw DynamoException.validation("TimeToLive is already enabled");
            if (!enabled && !t.def.ttlEnabled) throw DynamoException.validation("TimeToLive is already disabled");
            TableDef def = copy(t.def);
            def.ttlEnabled = enabled;
            def.ttlAttr = attr;
            store.redefine(def);
            ObjectNode resp = F.objectNode();
            resp.putObject("TimeToLiveSpecification").put("AttributeName", attr).put("Enabled", enabled);
            return resp;
        });
    }

    private ObjectNode describeTimeToLive(JsonNode req) {
        String name = tableName(req);
        return read(() -> {
            Table t = table(name);
            ObjectNode resp = F.objectNode();
            ObjectNode d = resp.putObject("TimeToLiveDescription");
            d.put("TimeToLiveStatus", t.def.ttlEnabled ? "ENABLED" : "DISABLED");
            if (t.def.ttlEnabled) d.put("AttributeName", t.def.ttlAttr);
            return resp;
        });
    }

    private Table tableByArn(JsonNode req) {
        String arn = req.path("ResourceArn").asText("");
        if (!arn.startsWith(TableDef.ARN_PREFIX)) {
            throw DynamoException.validation("Invalid TableArn: " + arn);
        }
        String rest = arn.substring(TableDef.ARN_PREFIX.length());
        int slash = rest.indexOf('/');
        Table t = store.tables.get(slash < 0 ? rest : rest.substring(0, slash));
        if (t == null) throw DynamoException.notFound("Requested resource not found: ResourcArn: " + arn + " not found");
        return t;
    }

    private ObjectNode tagResource(JsonNode req) {
        return write(() -> {
            Table t = tableByArn(req);
            TableDef def = copy(t.def);
            for (JsonNode tag : req.path("Tags")) def.tags.put(tag.path("Key").asText(), tag.path("Value").asText());
            store.redefine(def);
            return F.objectNode();
        });
    }

    private ObjectNode untagResource(JsonNode req) {
        return write(() -> {
            Table t = tableByArn(req);
            TableDef def = copy(t.def);
            for (JsonNode k : req.path("TagKeys")) def.tags.remove(k.asText());
            store.redefine(def);
            return F.objectNode();
        });
    }

    private ObjectNode listTagsOfResource(JsonNode req) {
        return read(() -> {
            Table t = tableByArn(req);
            ObjectNode resp = F.objectNode();
            ArrayNode a = resp.putArray("Tags");
            t.def.tags.forEach((k, v) -> a.addObject().put("Key", k).put("Value", v));
            return resp;
        });
    }

    private static ObjectNode describeEndpoints() {
        ObjectNode resp = F.objectNode();
        resp.putArray("Endpoints").addObject().put("Address", "localhost").put("CachePeriodInMinutes", 1440);
        return resp;
    }

    private static ObjectNode describeLimits() {
        return F.objectNode().put("AccountMaxReadCapacityUnits", 80000).put("AccountMaxWriteCapacityUnits", 80000)
                .put("TableMaxReadCapacityUnits", 40000).put("TableMaxWriteCapacityUnits", 40000);
    }
}
