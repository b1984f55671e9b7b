package dev.pier.standin.dynamodb;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonSerializable;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.jsontype.TypeSerializer;
import dev.pier.standin.dynamodb.Expr.Path;
import java.io.IOException;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * BatchGetItem's answer, {@code {"Responses": {table: [item, …]}, "UnprocessedKeys": {}}}, written straight from the
 * stored items with the projection applied as each attribute is written: no JSON tree and no projected copy of an
 * item (50 items × 200 attributes were 10,000 tree nodes per request). Stored items are never changed in place
 * (writers copy), so the items found under the read lock can be written after it is released.
 */
final class BatchGetAnswer implements JsonSerializable {
    /** The items found in one table, and the projection asked for there (null: whole items). */
    record Found(String table, List<Map<String, Av>> items, List<Path> projection) {}

    private final List<Found> found;

    BatchGetAnswer(List<Found> found) {
        this.found = found;
    }

    @Override
    public void serialize(JsonGenerator g, SerializerProvider provider) throws IOException {
        g.writeStartObject();
        g.writeObjectFieldStart("Responses");
        for (Found f : found) {
            g.writeArrayFieldStart(f.table());
            Collection<String> names = topLevelNames(f.projection());
            for (Map<String, Av> item : f.items()) {
                if (f.projection() == null) {
                    Av.writeItem(g, item);
                } else if (names != null) {
                    g.writeStartObject();
                    for (String name : names) {
                        Av v = item.get(name);
                        if (v != null) {
                            g.writeFieldName(name);
                            Av.write(g, v);
                        }
                    }
                    g.writeEndObject();
                } else {
                    Av.writeItem(g, Expr.project(item, f.projection())); // nested paths: build the projected item
                }
            }
            g.writeEndArray();
        }
        g.writeEndObject();
        g.writeObjectFieldStart("UnprocessedKeys");
        g.writeEndObject();
        g.writeEndObject();
    }

    @Override
    public void serializeWithType(JsonGenerator g, SerializerProvider provider, TypeSerializer type) throws IOException {
        serialize(g, provider);
    }

    /** The distinct attribute names of a projection of top-level attributes only, else null. */
    private static Collection<String> topLevelNames(List<Path> projection) {
        if (projection == null) {
            return null;
        }
        Set<String> names = new LinkedHashSet<>(projection.size() * 2);
        for (Path p : projection) {
            if (p.elems().size() != 1) {
                return null;
            }
            names.add(p.top());
        }
        return names;
    }
}
