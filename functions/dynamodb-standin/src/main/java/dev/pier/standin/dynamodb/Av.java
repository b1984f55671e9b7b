package dev.pier.standin.dynamodb;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A DynamoDB attribute value. Scalars and sets are immutable; the {@link M} and {@link L} containers hold mutable
 * collections, but stored items are never mutated in place: writers deep-copy ({@link #deepCopy}) before changing.
 * Numbers are normalised on construction, so record equality is numeric equality.
 */
sealed interface Av {

    String type();

    record S(String v) implements Av {
        public String type() { return "S"; }
    }

    /**
     * A number and its text as DynamoDB answers it ({@code v}'s plain string). The text is made once, when the value
     * is stored, not each time it is answered: a 50 × 200 BatchGetItem writes 10,000 of them, and
     * {@code toPlainString} was a tenth of the stand-in's CPU there. {@code text} is always derived from {@code v}
     * (a record's fields are its components, so it is one); construct with {@code new N(value)}.
     */
    record N(BigDecimal v, String text) implements Av {
        public N {
            v = normalize(v);
            text = v.toPlainString();
        }
        public N(BigDecimal v) { this(v, null); }
        public String type() { return "N"; }
    }

    record B(Bytes v) implements Av {
        public String type() { return "B"; }
    }

    record Bool(boolean v) implements Av {
        public String type() { return "BOOL"; }
    }

    record Null() implements Av {
        public String type() { return "NULL"; }
    }

    record M(Map<String, Av> v) implements Av {
        public String type() { return "M"; }
    }

    record L(List<Av> v) implements Av {
        public String type() { return "L"; }
    }

    record SS(Set<String> v) implements Av {
        public String type() { return "SS"; }
    }

    record NS(Set<BigDecimal> v) implements Av {
        public String type() { return "NS"; }
    }

    record BS(Set<Bytes> v) implements Av {
        public String type() { return "BS"; }
    }

    /** Bytes with value equality and unsigned lexicographic order. */
    record Bytes(byte[] b) implements Comparable<Bytes> {
        @Override public boolean equals(Object o) { return o instanceof Bytes x && Arrays.equals(b, x.b); }
        @Override public int hashCode() { return Arrays.hashCode(b); }
        @Override public int compareTo(Bytes o) { return Arrays.compareUnsigned(b, o.b); }
        @Override public String toString() { return Base64.getEncoder().encodeToString(b); }
    }

    Null NULL = new Null();

    static BigDecimal normalize(BigDecimal v) {
        return v.signum() == 0 ? BigDecimal.ZERO : v.stripTrailingZeros();
    }

    static N num(String text) {
        BigDecimal d;
        try {
            d = new BigDecimal(text.trim());
        } catch (NumberFormatException e) {
            throw DynamoException.validation("A value provided cannot be converted into a number");
        }
        return new N(checkNumber(d));
    }

    static BigDecimal checkNumber(BigDecimal d) {
        d = normalize(d);
        if (d.signum() == 0) return d;
        if (d.precision() > 38) {
            throw DynamoException.validation("Attempting to store more than 38 significant digits in a Number");
        }
        // magnitude = 10^(precision - scale - 1)
        int exponent = d.precision() - d.scale() - 1;
        if (exponent > 125) {
            throw DynamoException.validation("Number overflow. Attempting to store a number with magnitude larger than supported range");
        }
        if (exponent < -130) {
            throw DynamoException.validation("Number underflow. Attempting to store a number with magnitude smaller than supported range");
        }
        return d;
    }

    // ------------------------------------------------------------------ JSON

    static Map<String, Av> itemFromJson(JsonNode node) {
        if (node == null || node.isNull()) return null;
        if (!node.isObject()) throw DynamoException.validation("Item must be a map of attribute values");
        Map<String, Av> item = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            item.put(e.getKey(), fromJson(e.getValue()));
        }
        return item;
    }

    static Av fromJson(JsonNode node) {
        if (node == null || !node.isObject() || node.isEmpty()) {
            throw DynamoException.validation(
                    "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
        }
        if (node.size() > 1) {
            throw DynamoException.validation(
                    "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes");
        }
        Map.Entry<String, JsonNode> e = node.fields().next();
        JsonNode v = e.getValue();
        return switch (e.getKey()) {
            case "S" -> new S(v.asText());
            case "N" -> num(v.asText());
            case "B" -> new B(new Bytes(decode(v)));
            case "BOOL" -> new Bool(v.asBoolean());
            case "NULL" -> {
                if (!v.asBoolean()) {
                    throw DynamoException.validation(
                            "One or more parameter values were invalid: Null attribute value types must have the value of true");
                }
                yield NULL;
            }
            case "M" -> new M(itemFromJson(v));
            case "L" -> {
                List<Av> list = new ArrayList<>(v.size());
                for (JsonNode x : v) list.add(fromJson(x));
                yield new L(list);
            }
            case "SS" -> {
                Set<String> set = new LinkedHashSet<>();
                for (JsonNode x : v) set.add(x.asText());
                checkSet(set.size(), v, "string");
                yield new SS(set);
            }
            case "NS" -> {
                Set<BigDecimal> set = new LinkedHashSet<>();
                for (JsonNode x : v) set.add(num(x.asText()).v());
                checkSet(set.size(), v, "number");
                yield new NS(set);
            }
            case "BS" -> {
                Set<Bytes> set = new LinkedHashSet<>();
                for (JsonNode x : v) set.add(new Bytes(decode(x)));
                checkSet(set.size(), v, "binary");
                yield new BS(set);
            }
            default -> throw DynamoException.validation("Supplied AttributeValue has an unsupported datatype: " + e.getKey());
        };
    }

    private static void checkSet(int distinct, JsonNode raw, String kind) {
        if (raw.isEmpty()) {
            throw DynamoException.validation("One or more parameter values were invalid: An " + kind + " set  may not be empty");
        }
        if (distinct != raw.size()) {
            List<String> items = new ArrayList<>();
            raw.forEach(x -> items.add(x.asText()));
            throw DynamoException.validation("Input collection " + items + " contains duplicates.");
        }
    }

    private static byte[] decode(JsonNode v) {
        try {
            return Base64.getDecoder().decode(v.asText());
        } catch (IllegalArgumentException e) {
            throw DynamoException.validation("Invalid Base64 binary value");
        }
    }

    static ObjectNode itemToJson(Map<String, Av> item) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        for (Map.Entry<String, Av> e : item.entrySet()) o.set(e.getKey(), toJson(e.getValue()));
        return o;
    }

    static ObjectNode toJson(Av av) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode o = f.objectNode();
        switch (av) {
            case S s -> o.put("S", s.v());
            case N n -> o.put("N", n.text());
            case B b -> o.put("B", b.v().toString());
            case Bool b -> o.put("BOOL", b.v());
            case Null ignored -> o.put("NULL", true);
            case M m -> o.set("M", itemToJson(m.v()));
            case L l -> {
                ArrayNode a = o.putArray("L");
                for (Av x : l.v()) a.add(toJson(x));
            }
            case SS ss -> {
                ArrayNode a = o.putArray("SS");
                ss.v().forEach(a::add);
            }
            case NS ns -> {
                ArrayNode a = o.putArray("NS");
                ns.v().forEach(d -> a.add(d.toPlainString()));
            }
            case BS bs -> {
                ArrayNode a = o.putArray("BS");
                bs.v().forEach(x -> a.add(x.toString()));
            }
        }
        return o;
    }

    /** Writes {@code item} as {@link #itemToJson} would give it, straight to a generator (no tree). */
    static void writeItem(JsonGenerator g, Map<String, Av> item) throws IOException {
        g.writeStartObject();
        for (Map.Entry<String, Av> e : item.entrySet()) {
            g.writeFieldName(e.getKey());
            write(g, e.getValue());
        }
        g.writeEndObject();
    }

    /** Writes {@code av} as {@link #toJson} would give it, straight to a generator (no tree). */
    static void write(JsonGenerator g, Av av) throws IOException {
        g.writeStartObject();
        switch (av) {
            case S s -> g.writeStringField("S", s.v());
            case N n -> g.writeStringField("N", n.text());
            case B b -> g.writeStringField("B", b.v().toString());
            case Bool b -> g.writeBooleanField("BOOL", b.v());
            case Null ignored -> g.writeBooleanField("NULL", true);
            case M m -> {
                g.writeFieldName("M");
                writeItem(g, m.v());
            }
            case L l -> {
                g.writeArrayFieldStart("L");
                for (Av x : l.v()) write(g, x);
                g.writeEndArray();
            }
            case SS ss -> {
                g.writeArrayFieldStart("SS");
                for (String x : ss.v()) g.writeString(x);
                g.writeEndArray();
            }
            case NS ns -> {
                g.writeArrayFieldStart("NS");
                for (BigDecimal d : ns.v()) g.writeString(d.toPlainString());
                g.writeEndArray();
            }
            case BS bs -> {
                g.writeArrayFieldStart("BS");
                for (Bytes x : bs.v()) g.writeString(x.toString());
                g.writeEndArray();
            }
        }
        g.writeEndObject();
    }

    // ------------------------------------------------------------------ copying, sizing, ordering

    static Map<String, Av> deepCopy(Map<String, Av> item) {
        Map<String, Av> copy = new LinkedHashMap<>(Math.max(4, item.size() * 2));
        for (Map.Entry<String, Av> e : item.entrySet()) copy.put(e.getKey(), deepCopy(e.getValue()));
        return copy;
    }

    static Av deepCopy(Av av) {
        return switch (av) {
            case M m -> new M(deepCopy(m.v()));
            case L l -> {
                List<Av> list = new ArrayList<>(l.v().size());
                for (Av x : l.v()) list.add(deepCopy(x));
                yield new L(list);
            }
            default -> av;
        };
    }

    /** Approximates DynamoDB's item size accounting (names plus values). */
    static long itemSize(Map<String, Av> item) {
        long size = 0;
        for (Map.Entry<String, Av> e : item.entrySet()) size += utf8Length(e.getKey()) + size(e.getValue());
        return size;
    }

    static long size(Av av) {
        return switch (av) {
            case S s -> utf8Length(s.v());
            case N n -> numberSize(n.v());
            case B b -> b.v().b().length;
            case Bool ignored -> 1;
            case Null ignored -> 1;
            case M m -> 3 + m.v().size() + itemSize(m.v());
            case L l -> {
                long sz = 3 + l.v().size();
                for (Av x : l.v()) sz += size(x);
                yield sz;
            }
            case SS ss -> ss.v().stream().mapToLong(Av::utf8Length).sum();
            case NS ns -> ns.v().stream().mapToLong(Av::numberSize).sum();
            case BS bs -> bs.v().stream().mapToLong(x -> x.b().length).sum();
        };
    }

    private static long numberSize(BigDecimal d) {
        return (d.precision() + 1) / 2 + 1;
    }

    static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) n += 1;
            else if (c < 0x800) n += 2;
            else if (Character.isHighSurrogate(c)) { n += 4; i++; }
            else n += 3;
        }
        return n;
    }

    /** Orders key values: S by code point (= UTF-8 byte order), N numerically, B unsigned bytewise. */
    static int compareKey(Av a, Av b) {
        if (a instanceof S x && b instanceof S y) return compareStrings(x.v(), y.v());
        if (a instanceof N x && b instanceof N y) return x.v().compareTo(y.v());
        if (a instanceof B x && b instanceof B y) return x.v().compareTo(y.v());
        return Integer.compare(rank(a), rank(b));
    }

    private static int rank(Av a) {
        return switch (a) {
            case Null ignored -> 0;
            case N ignored -> 1;
            case S ignored -> 2;
            case B ignored -> 3;
            default -> 4;
        };
    }

    static int compareStrings(String a, String b) {
        int i = 0, j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i), cb = b.codePointAt(j);
            if (ca != cb) return Integer.compare(ca, cb);
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    /** Comparison for condition expressions: null when the two values are not of one ordered scalar type. */
    static Integer compareForCondition(Av a, Av b) {
        if (a instanceof S && b instanceof S || a instanceof N && b instanceof N || a instanceof B && b instanceof B) {
            return compareKey(a, b);
        }
        return null;
    }

    static String describe(Av av) {
        return "{" + av.type() + ":" + switch (av) {
            case S s -> s.v();
            case N n -> n.text();
            case B b -> b.v().toString();
            case Bool b -> String.valueOf(b.v());
            case Null ignored -> "true";
            default -> String.valueOf(toJson(av).get(av.type()));
        } + "}";
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
