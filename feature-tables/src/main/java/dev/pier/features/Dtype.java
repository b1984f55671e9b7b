package dev.pier.features;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A feature's value type, Feast's names: a scalar ({@code INT64}) or a list of one ({@code INT64_LIST}, also written
 * {@code Array(Int64)}). Knows how each is written in JSON, in DynamoDB and in DuckDB, and which JSON values it
 * accepts: an {@code INT64} takes only integral numbers, a {@code FLOAT32} any number, {@code BYTES} base64 text and
 * {@code UNIX_TIMESTAMP} epoch seconds or ISO-8601 text.
 */
public record Dtype(Scalar scalar, boolean list) {

  /** The scalar value types. */
  public enum Scalar {
    BOOL("BOOLEAN"), INT32("INTEGER"), INT64("BIGINT"), FLOAT32("FLOAT"), FLOAT64("DOUBLE"), STRING("VARCHAR"),
    BYTES("BLOB"), UNIX_TIMESTAMP("TIMESTAMP");

    private final String sql;

    Scalar(String sql) {
      this.sql = sql;
    }

    /** The DuckDB column type holding it. */
    public String sql() {
      return sql;
    }
  }

  /** {@code INT64}, {@code INT64_LIST}, {@code Array(Int64)}, {@code Int64} (any case); null when none of these. */
  public static Dtype parse(String text) {
    if (text == null) {
      return null;
    }
    String t = text.strip();
    boolean list = false;
    String upper = t.toUpperCase(Locale.ROOT);
    if (upper.startsWith("ARRAY(") && upper.endsWith(")")) {
      list = true;
      upper = upper.substring(6, upper.length() - 1).strip();
    } else if (upper.endsWith("_LIST")) {
      list = true;
      upper = upper.substring(0, upper.length() - 5);
    }
    upper = switch (upper) {
      case "FLOAT" -> "FLOAT32";
      case "DOUBLE" -> "FLOAT64";
      case "UNIXTIMESTAMP" -> "UNIX_TIMESTAMP";
      default -> upper;
    };
    for (Scalar s : Scalar.values()) {
      if (s.name().equals(upper)) {
        return new Dtype(s, list);
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return list ? scalar.name() + "_LIST" : scalar.name();
  }

  /** The DuckDB column type. */
  public String sql() {
    return list ? scalar.sql() + "[]" : scalar.sql();
  }

  /**
   * The Java value of a JSON value of this type (Boolean, Integer, Long, Float, Double, String, byte[], Instant, or a
   * List of those); null for JSON null. Throws {@link IllegalArgumentException} saying what was wrong otherwise.
   */
  public Object fromJson(JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return null;
    }
    if (list) {
      if (!node.isArray()) {
        throw new IllegalArgumentException("expected a list of " + scalar + ", got " + describe(node));
      }
      List<Object> out = new ArrayList<>(node.size());
      for (JsonNode e : node) {
        out.add(scalarFromJson(e));
      }
      return out;
    }
    return scalarFromJson(node);
  }

  private Object scalarFromJson(JsonNode n) {
    if (n.isNull()) {
      return null;
    }
    switch (scalar) {
      case BOOL -> {
        if (n.isBoolean()) {
          return n.booleanValue();
        }
      }
      case INT32 -> {
        if (n.isIntegralNumber() && n.canConvertToInt()) {
          return n.intValue();
        }
      }
      case INT64 -> {
        if (n.isIntegralNumber() && n.canConvertToLong()) {
          return n.longValue();
        }
      }
      case FLOAT32 -> {
        if (n.isNumber()) {
          return n.floatValue();
        }
      }
      case FLOAT64 -> {
        if (n.isNumber()) {
          return n.doubleValue();
        }
      }
      case STRING -> {
        if (n.isTextual()) {
          return n.textValue();
        }
      }
      case BYTES -> {
        if (n.isTextual()) {
          try {
            return Base64.getDecoder().decode(n.textValue());
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("expected base64 text for BYTES, got " + describe(n));
          }
        }
      }
      case UNIX_TIMESTAMP -> {
        if (n.isNumber() || n.isTextual()) {
          return Timestamps.parse(n);
        }
      }
    }
    throw new IllegalArgumentException("expected " + scalar + ", got " + describe(n));
  }

  /** A JSON value for a Java value of this type. */
  public JsonNode toJson(Object value) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    if (value == null) {
      return f.nullNode();
    }
    if (value instanceof List<?> l) {
      ArrayNode a = f.arrayNode();
      for (Object e : l) {
        a.add(scalarToJson(e));
      }
      return a;
    }
    return scalarToJson(value);
  }

  private static JsonNode scalarToJson(Object v) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    return switch (v) {
      case null -> f.nullNode();
      case Boolean b -> f.booleanNode(b);
      case Integer i -> f.numberNode(i);
      case Long l -> f.numberNode(l);
      case Float x -> f.numberNode(x);
      case Double d -> f.numberNode(d);
      case String s -> f.textNode(s);
      case byte[] b -> f.textNode(Base64.getEncoder().encodeToString(b));
      case Instant t -> f.textNode(t.toString());
      default -> f.textNode(v.toString());
    };
  }

  /** How the online store writes a value of this type. */
  public AttributeValue toDynamo(Object value) {
    if (value == null) {
      return AttributeValue.fromNul(true);
    }
    if (value instanceof List<?> l) {
      List<AttributeValue> out = new ArrayList<>(l.size());
      for (Object e : l) {
        out.add(e == null ? AttributeValue.fromNul(true) : scalarToDynamo(e));
      }
      return AttributeValue.fromL(out);
    }
    return scalarToDynamo(value);
  }

  private static AttributeValue scalarToDynamo(Object v) {
    return switch (v) {
      case Boolean b -> AttributeValue.fromBool(b);
      case Number n -> AttributeValue.fromN(n.toString());
      case String s -> AttributeValue.fromS(s);
      case byte[] b -> AttributeValue.fromB(SdkBytes.fromByteArray(b));
      // microseconds keep DuckDB's and Parquet's precision
      case Instant t -> AttributeValue.fromN(Long.toString(Timestamps.micros(t)));
      default -> throw new IllegalArgumentException("no DynamoDB form for " + v.getClass().getSimpleName());
    };
  }

  /** The Java value of an attribute the online store wrote; null for NULL or a missing attribute. */
  public Object fromDynamo(AttributeValue a) {
    if (a == null || Boolean.TRUE.equals(a.nul())) {
      return null;
    }
    if (list) {
      List<Object> out = new ArrayList<>(a.l().size());
      for (AttributeValue e : a.l()) {
        out.add(Boolean.TRUE.equals(e.nul()) ? null : scalarFromDynamo(e));
      }
      return out;
    }
    return scalarFromDynamo(a);
  }

  private Object scalarFromDynamo(AttributeValue a) {
    return switch (scalar) {
      case BOOL -> a.bool();
      case INT32 -> Integer.parseInt(a.n());
      case INT64 -> Long.parseLong(a.n());
      case FLOAT32 -> Float.parseFloat(a.n());
      case FLOAT64 -> Double.parseDouble(a.n());
      case STRING -> a.s();
      case BYTES -> a.b().asByteArray();
      case UNIX_TIMESTAMP -> Timestamps.fromMicros(Long.parseLong(a.n()));
    };
  }

  static String describe(JsonNode n) {
    String text = n.toString();
    String kind = n.isTextual() ? "text" : n.isIntegralNumber() ? "integer" : n.isNumber() ? "number"
        : n.isBoolean() ? "boolean" : n.isArray() ? "list" : n.isObject() ? "object" : n.getNodeType().name();
    return kind + " " + (text.length() > 40 ? text.substring(0, 40) + "…" : text);
  }
}
