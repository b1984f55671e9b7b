package dev.pier.standin.dynamodb;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One table's items and secondary indexes, held in sorted maps: hash key -> (sort tuple -> item). Not thread-safe; the
 * engine's lock guards it. Stored items are never mutated in place.
 */
final class Table {

    static final long MAX_ITEM_SIZE = 400 * 1024;

    /** A sort position; {@link #MIN}/{@link #MAX} parts bound ranges. */
    record Tuple(Object[] parts) implements Comparable<Tuple> {
        static final Object MIN = new Object();
        static final Object MAX = new Object();
        static final Tuple EMPTY = new Tuple(new Object[0]);

        @Override
        public int compareTo(Tuple o) {
            int n = Math.min(parts.length, o.parts.length);
            for (int i = 0; i < n; i++) {
                Object a = parts[i], b = o.parts[i];
                if (a == b) continue;
                if (a == MIN || b == MAX) return -1;
                if (a == MAX || b == MIN) return 1;
                int c = Av.compareKey((Av) a, (Av) b);
                if (c != 0) return c;
            }
            return Integer.compare(parts.length, o.parts.length);
        }

        @Override public boolean equals(Object o) { return o instanceof Tuple t && compareTo(t) == 0; }
        @Override public int hashCode() { return Arrays.hashCode(parts); }
    }

    /** A secondary index's entries: index hash -> (index sort, table hash, table sort) -> item. */
    final class IndexStore {
        final TableDef.Index def;
        final NavigableMap<Av, NavigableMap<Tuple, Map<String, Av>>> rows = new TreeMap<>(Av::compareKey);
        long itemCount, sizeBytes;

        IndexStore(TableDef.Index def) {
            this.def = def;
        }

        boolean covers(Map<String, Av> item) {
            return item.containsKey(def.key().hash()) && (def.key().range() == null || item.containsKey(def.key().range()));
        }

        Tuple tuple(Map<String, Av> item) {
            TableDef.KeySchema tk = Table.this.def.key;
            Object[] parts = new Object[(def.key().range() == null ? 0 : 1) + 1 + (tk.range() == null ? 0 : 1)];
            int i = 0;
            if (def.key().range() != null) parts[i++] = item.get(def.key().range());
            parts[i++] = item.get(tk.hash());
            if (tk.range() != null) parts[i] = item.get(tk.range());
            return new Tuple(parts);
        }

        void add(Map<String, Av> item) {
            if (!covers(item)) return;
            rows.computeIfAbsent(item.get(def.key().hash()), k -> new TreeMap<>()).put(tuple(item), item);
            itemCount++;
            sizeBytes += Av.itemSize(item);
        }

        void remove(Map<String, Av> item) {
            if (!covers(item)) return;
            Av h = item.get(def.key().hash());
            NavigableMap<Tuple, Map<String, Av>> inner = rows.get(h);
            if (inner != null && inner.remove(tuple(item)) != null) {
                itemCount--;
                sizeBytes -= Av.itemSize(item);
                if (inner.isEmpty()) rows.remove(h);
            }
        }

        int tupleLength() {
            return (def.key().range() == null ? 0 : 1) + 1 + (Table.this.def.key.range() == null ? 0 : 1);
        }
    }

    /** An item whose TTL attribute holds a number: when it expires (epoch seconds) and its key. */
    record Expiry(BigDecimal at, Av hash, Tuple sort) {}

    private static final java.util.Comparator<Expiry> BY_EXPIRY = java.util.Comparator.comparing(Expiry::at)
            .thenComparing(Expiry::hash, java.util.Comparator.nullsFirst(Av::compareKey))
            .thenComparing(Expiry::sort, java.util.Comparator.nullsFirst(java.util.Comparator.naturalOrder()));

    TableDef def;
    final NavigableMap<Av, NavigableMap<Tuple, Map<String, Av>>> rows = new TreeMap<>(Av::compareKey);
    final Map<String, IndexStore> indexes = new LinkedHashMap<>();
    /** With TTL enabled, the items holding a number in the TTL attribute by that number, so a sweep reads only the due ones. */
    final TreeSet<Expiry> expiries = new TreeSet<>(BY_EXPIRY);
    long itemCount, sizeBytes;

    Table(TableDef def) {
        this.def = def;
        for (TableDef.Index i : def.indexes()) indexes.put(i.name(), new IndexStore(i));
    }

    /** Replaces the definition and rebuilds index stores and the TTL index (UpdateTable, UpdateTimeToLive). */
    void redefine(TableDef newDef) {
        this.def = newDef;
        indexes.clear();
        for (TableDef.Index i : newDef.indexes()) {
            IndexStore s = new IndexStore(i);
            indexes.put(i.name(), s);
            for (NavigableMap<Tuple, Map<String, Av>> inner : rows.values()) inner.values().forEach(s::add);
        }
        expiries.clear();
        for (NavigableMap<Tuple, Map<String, Av>> inner : rows.values()) inner.values().forEach(this::addExpiry);
    }

    private Expiry expiryOf(Map<String, Av> item) {
        if (!def.ttlEnabled || def.ttlAttr == null || !(item.get(def.ttlAttr) instanceof Av.N n)) return null;
        return new Expiry(n.v(), item.get(def.key.hash()), tuple(item));
    }

    private void addExpiry(Map<String, Av> item) {
        Expiry e = expiryOf(item);
        if (e != null) expiries.add(e);
    }

    private void removeExpiry(Map<String, Av> item) {
        Expiry e = expiryOf(item);
        if (e != null) expiries.remove(e);
    }

    /** Keys of the items whose TTL lies in [from, to): what a sweep at {@code to} may delete. */
    java.util.List<Map<String, Av>> dueKeys(BigDecimal from, BigDecimal to) {
        java.util.List<Map<String, Av>> keys = new java.util.ArrayList<>();
        for (Expiry e : expiries.subSet(new Expiry(from, null, null), true, new Expiry(to, null, null), false)) {
            NavigableMap<Tuple, Map<String, Av>> inner = rows.get(e.hash());
            Map<String, Av> item = inner == null ? null : inner.get(e.sort());
            if (item != null) keys.add(keyOf(item));
        }
        return keys;
    }

    Tuple tuple(Map<String, Av> item) {
        return def.key.range() == null ? Tuple.EMPTY : new Tuple(new Object[] {item.get(def.key.range())});
    }

    Map<String, Av> keyOf(Map<String, Av> item) {
        Map<String, Av> k = new LinkedHashMap<>(4);
        k.put(def.key.hash(), item.get(def.key.hash()));
        if (def.key.range() != null) k.put(def.key.range(), item.get(def.key.range()));
        return k;
    }

    Map<String, Av> get(Map<String, Av> key) {
        NavigableMap<Tuple, Map<String, Av>> inner = rows.get(key.get(def.key.hash()));
        return inner == null ? null : inner.get(tuple(key));
    }

    /** Stores an item (replacing any with its key); returns the old item or null. */
    Map<String, Av> put(Map<String, Av> item) {
        Map<String, Av> old = rows.computeIfAbsent(item.get(def.key.hash()), k -> new TreeMap<>()).put(tuple(item), item);
        if (old != null) {
            itemCount--;
            sizeBytes -= Av.itemSize(old);
            for (IndexStore s : indexes.values()) s.remove(old);
            removeExpiry(old);
        }
        itemCount++;
        sizeBytes += Av.itemSize(item);
        for (IndexStore s : indexes.values()) s.add(item);
        addExpiry(item);
        return old;
    }

    Map<String, Av> delete(Map<String, Av> key) {
        Av h = key.get(def.key.hash());
        NavigableMap<Tuple, Map<String, Av>> inner = rows.get(h);
        if (inner == null) return null;
        Map<String, Av> old = inner.remove(tuple(key));
        if (old != null) {
            if (inner.isEmpty()) rows.remove(h);
            itemCount--;
            sizeBytes -= Av.itemSize(old);
            for (IndexStore s : indexes.values()) s.remove(old);
            removeExpiry(old);
        }
        return old;
    }

    // ------------------------------------------------------------------ validation

    private static String keyTypeOf(Av v) {
        return v.type();
    }

    /** Checks a Key parameter: exactly the key attributes, of the declared types. */
    void checkKey(Map<String, Av> key) {
        if (key == null || key.size() != def.key.names().size()) {
            throw DynamoException.validation("The provided key element does not match the schema");
        }
        for (String n : def.key.names()) {
            Av v = key.get(n);
            if (v == null || !keyTypeOf(v).equals(def.attrTypes.get(n))) {
                throw DynamoException.validation("The provided key element does not match the schema");
            }
            checkNotEmptyKey(n, v);
        }
    }

    private static void checkNotEmptyKey(String name, Av v) {
        if (v instanceof Av.S s && s.v().isEmpty() || v instanceof Av.B b && b.v().b().length == 0) {
            throw DynamoException.validation("One or more parameter values are not valid. The AttributeValue for a key "
                    + "attribute cannot contain an empty " + (v instanceof Av.S ? "string" : "binary") + " value. Key: " + name);
        }
    }

    /** Checks an item about to be stored: key present and typed, index keys typed, size limits. */
    void checkItem(Map<String, Av> item) {
        for (String n : def.key.names()) {
            Av v = item.get(n);
            if (v == null) {
                throw DynamoException.validation("One or more parameter values were invalid: Missing the key " + n + " in the item");
            }
            String expected = def.attrTypes.get(n);
            if (!v.type().equals(expected)) {
                throw DynamoException.validation("One or more parameter values were invalid: Type mismatch for key " + n
                        + " expected: " + expected + " actual: " + v.type());
            }
            checkNotEmptyKey(n, v);
        }
        if (Av.size(item.get(def.key.hash())) > 2048) {
            throw DynamoException.validation("One or more parameter values were invalid: Size of hashkey has exceeded the "
                    + "maximum size limit of2048 bytes");
        }
        if (def.key.range() != null && Av.size(item.get(def.key.range())) > 1024) {
            throw DynamoException.validation("One or more parameter values were invalid: Aggregated size of all range keys "
                    + "has exceeded the size limit of 1024 bytes");
        }
        for (TableDef.Index i : def.indexes()) {
            for (String n : i.key().names()) {
                Av v = item.get(n);
                if (v == null) continue;
                String expected = def.attrTypes.get(n);
                if (!v.type().equals(expected)) {
                    throw DynamoException.validation("One or more parameter values were invalid: Type mismatch for Index Key "
                            + n + " Expected: " + expected + " Actual: " + v.type() + " IndexName: " + i.name());
                }
                if (v instanceof Av.S s && s.v().isEmpty() || v instanceof Av.B b && b.v().b().length == 0) {
                    throw DynamoException.validation("One or more parameter values are not valid. A value specified for a "
                            + "secondary index key is not supported. The AttributeValue for a key attribute cannot contain an "
                            + "empty string value. IndexName: " + i.name() + ", IndexKey: " + n);
                }
            }
        }
        if (Av.itemSize(item) > MAX_ITEM_SIZE) {
            throw DynamoException.validation("Item size has exceeded the maximum allowed size");
        }
    }

    // ------------------------------------------------------------------ iteration

    /** A condition on the sort key of a query: op is =, <, <=, >, >=, BETWEEN or BEGINS_WITH. */
    record RangeCond(String op, Av a, Av b) {}

    private static Tuple bound(Av v, Object fill, int length) {
        Object[] parts = new Object[length];
        Arrays.fill(parts, fill);
        parts[0] = v;
        return new Tuple(parts);
    }

    /** Bounds on a partition's sort tuples; a null end is unbounded. */
    record Bounds(Tuple lo, boolean loInc, Tuple hi, boolean hiInc) {
        static final Bounds ALL = new Bounds(null, false, null, false);
        static final Bounds NONE = new Bounds(Tuple.EMPTY, false, Tuple.EMPTY, false);

        /** Narrows to entries strictly after (forward) or before (backward) an exclusive start. */
        Bounds after(Tuple start, boolean forward) {
            if (forward) {
                return lo == null || start.compareTo(lo) >= 0 ? new Bounds(start, false, hi, hiInc) : this;
            }
            return hi == null || start.compareTo(hi) <= 0 ? new Bounds(lo, loInc, start, false) : this;
        }

        NavigableMap<Tuple, Map<String, Av>> slice(NavigableMap<Tuple, Map<String, Av>> m) {
            if (lo != null && hi != null) {
                int c = lo.compareTo(hi);
                if (c > 0 || c == 0 && !(loInc && hiInc)) return Collections.emptyNavigableMap();
                return m.subMap(lo, loInc, hi, hiInc);
            }
            if (lo != null) return m.tailMap(lo, loInc);
            if (hi != null) return m.headMap(hi, hiInc);
            return m;
        }
    }

    /** The bounds of a sort-key condition (the condition applies to the first tuple part). */
    static Bounds bounds(RangeCond rc, int len) {
        if (rc == null) return Bounds.ALL;
        return switch (rc.op()) {
            case "=" -> new Bounds(bound(rc.a(), Tuple.MIN, len), true, bound(rc.a(), Tuple.MAX, len), true);
            case "<" -> new Bounds(null, false, bound(rc.a(), Tuple.MIN, len), false);
            case "<=" -> new Bounds(null, false, bound(rc.a(), Tuple.MAX, len), true);
            case ">" -> new Bounds(bound(rc.a(), Tuple.MAX, len), false, null, false);
            case ">=" -> new Bounds(bound(rc.a(), Tuple.MIN, len), true, null, false);
            case "BETWEEN" -> Av.compareKey(rc.a(), rc.b()) > 0 ? Bounds.NONE
                    : new Bounds(bound(rc.a(), Tuple.MIN, len), true, bound(rc.b(), Tuple.MAX, len), true);
            default -> { // BEGINS_WITH
                Av next = successor(rc.a());
                yield new Bounds(bound(rc.a(), Tuple.MIN, len), true, next == null ? null : bound(next, Tuple.MIN, len), false);
            }
        };
    }

    /** The smallest value greater than every value with the given prefix, or null if none exists. */
    static Av successor(Av prefix) {
        if (prefix instanceof Av.S s) {
            int[] cps = s.v().codePoints().toArray();
            for (int i = cps.length - 1; i >= 0; i--) {
                if (cps[i] < Character.MAX_CODE_POINT) {
                    int next = cps[i] + 1;
                    if (next >= Character.MIN_SURROGATE && next <= Character.MAX_SURROGATE) next = Character.MAX_SURROGATE + 1;
                    cps[i] = next;
                    return new Av.S(new String(cps, 0, i + 1));
                }
            }
            return null;
        }
        byte[] b = ((Av.B) prefix).v().b();
        for (int i = b.length - 1; i >= 0; i--) {
            if ((b[i] & 0xff) != 0xff) {
                byte[] c = Arrays.copyOf(b, i + 1);
                c[i]++;
                return new Av.B(new Av.Bytes(c));
            }
        }
        return null;
    }

    /** Iterates over all entries of a (table or index) row map in key order, starting after an exclusive start. */
    static Iterator<Map<String, Av>> scanIterator(NavigableMap<Av, NavigableMap<Tuple, Map<String, Av>>> rows,
                                                  Av startHash, Tuple startTuple) {
        Iterator<Map.Entry<Av, NavigableMap<Tuple, Map<String, Av>>>> outer =
                (startHash == null ? rows : rows.tailMap(startHash, true)).entrySet().iterator();
        return new Iterator<>() {
            Iterator<Map<String, Av>> inner = Collections.emptyIterator();
            boolean first = startHash != null;

            @Override
            public boolean hasNext() {
                while (!inner.hasNext()) {
                    if (!outer.hasNext()) return false;
                    Map.Entry<Av, NavigableMap<Tuple, Map<String, Av>>> e = outer.next();
                    NavigableMap<Tuple, Map<String, Av>> m = e.getValue();
                    if (first && Av.compareKey(e.getKey(), startHash) == 0) m = m.tailMap(startTuple, false);
                    first = false;
                    inner = m.values().iterator();
                }
                return true;
            }

            @Override
            public Map<String, Av> next() {
                if (!hasNext()) throw new NoSuchElementException();
                return inner.next();
            }
        };
    }
}
