package dev.pier.features;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonSerializable;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.jsontype.TypeSerializer;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Feast feature server's JSON for an online read: {@code {"metadata": {"feature_names": [...]}, "results":
 * [{"values": [...], "statuses": [...], "event_timestamps": [...]}, ...]}}, one result per column in the order of
 * {@code feature_names}. Entity columns carry {@code PRESENT} and the epoch, as Feast's do; a value never found has
 * the epoch as its event time too.
 *
 * <p>The REST routes answer with {@link #answer}, which writes that JSON straight to the response (no tree: 50
 * entities × 200 features are 30,000 values) and formats each distinct event time once, not once per feature.
 * {@link #online} builds the same JSON as a tree.
 */
public final class FeastJson {
  private FeastJson() {}

  private static final String EPOCH = Instant.EPOCH.toString();
  /*
   * Statuses and event times are written as pre-encoded strings: a 50 × 200 answer writes 10,000 of each, nearly all
   * alike, and encoding each one anew was a tenth of writing the answer.
   */
  private static final SerializedString EPOCH_TEXT = new SerializedString(EPOCH);
  private static final SerializedString[] STATUSES = java.util.Arrays.stream(FeatureStatus.values())
      .map(s -> new SerializedString(s.name())).toArray(SerializedString[]::new);

  /** The answer as a value the REST layer's Jackson writes by streaming it. */
  public static JsonSerializable answer(OnlineResult result) {
    return new Answer(result);
  }

  public static ObjectNode online(OnlineResult result) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode root = f.objectNode();
    ArrayNode names = root.putObject("metadata").putArray("feature_names");
    result.featureNames().forEach(names::add);
    ArrayNode results = root.putArray("results");
    for (OnlineResult.Column c : result.columns()) {
      ObjectNode r = results.addObject();
      ArrayNode values = r.putArray("values");
      ArrayNode statuses = r.putArray("statuses");
      ArrayNode times = r.putArray("event_timestamps");
      for (FeatureValue v : c.values()) {
        values.add(c.dtype() == null ? DefinitionsParser.JSON.valueToTree(v.value()) : c.dtype().toJson(v.value()));
        statuses.add(v.status().name());
        times.add((v.eventTime() == null ? Instant.EPOCH : v.eventTime()).toString());
      }
    }
    return root;
  }

  /** Writes what {@link #online} builds, token by token. */
  public static void write(OnlineResult result, JsonGenerator g) throws IOException {
    // a row's features share its event time: formatted and encoded once
    Map<Instant, SerializedString> times = new HashMap<>();
    g.writeStartObject();
    g.writeObjectFieldStart("metadata");
    g.writeArrayFieldStart("feature_names");
    for (String name : result.featureNames()) {
      g.writeString(name);
    }
    g.writeEndArray();
    g.writeEndObject();
    g.writeArrayFieldStart("results");
    for (OnlineResult.Column c : result.columns()) {
      List<FeatureValue> values = c.values();
      g.writeStartObject();
      g.writeArrayFieldStart("values");
      for (FeatureValue v : values) {
        if (c.dtype() == null && v.value() != null) {
          DefinitionsParser.JSON.writeTree(g, DefinitionsParser.JSON.valueToTree(v.value()));
        } else {
          writeValue(g, v.value());
        }
      }
      g.writeEndArray();
      g.writeArrayFieldStart("statuses");
      for (FeatureValue v : values) {
        g.writeString(STATUSES[v.status().ordinal()]);
      }
      g.writeEndArray();
      g.writeArrayFieldStart("event_timestamps");
      for (FeatureValue v : values) {
        Instant t = v.eventTime();
        g.writeString(t == null || t.equals(Instant.EPOCH) ? EPOCH_TEXT
            : times.computeIfAbsent(t, time -> new SerializedString(time.toString())));
      }
      g.writeEndArray();
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  /** A value as {@link Dtype#toJson} gives it. */
  private static void writeValue(JsonGenerator g, Object value) throws IOException {
    if (value instanceof List<?> l) {
      g.writeStartArray();
      for (Object e : l) {
        writeScalar(g, e);
      }
      g.writeEndArray();
    } else {
      writeScalar(g, value);
    }
  }

  private static void writeScalar(JsonGenerator g, Object v) throws IOException {
    switch (v) {
      case null -> g.writeNull();
      case Boolean b -> g.writeBoolean(b);
      case Integer i -> g.writeNumber(i);
      case Long l -> g.writeNumber(l);
      case Float x -> g.writeNumber(x);
      case Double d -> g.writeNumber(d);
      case String s -> g.writeString(s);
      case byte[] b -> g.writeString(Base64.getEncoder().encodeToString(b));
      case Instant t -> g.writeString(t.toString());
      default -> g.writeString(v.toString());
    }
  }

  /** The online answer, serialized by streaming. */
  private record Answer(OnlineResult result) implements JsonSerializable {
    @Override
    public void serialize(JsonGenerator g, SerializerProvider provider) throws IOException {
      write(result, g);
    }

    @Override
    public void serializeWithType(JsonGenerator g, SerializerProvider provider, TypeSerializer type)
        throws IOException {
      write(result, g);
    }
  }
}
