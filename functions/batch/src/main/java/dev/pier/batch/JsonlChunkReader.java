package dev.pier.batch;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.kernel.json.RequestJson;
import dev.pier.kernel.tensor.Datatype;
import dev.pier.kernel.tensor.TensorSpec;
import dev.pier.runtime.pipeline.FeaturePipeline;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * JSONL rows: each line one object mapping input names to values ({@code {"id": 7, "input": [5.1, 3.5, 1.4, 0.2]}});
 * other fields ride along unscored. With a feature pipeline, each object is an instance of named raw features, read
 * the way the predict API reads its instances. The tensor path streams tokens straight into the columns.
 */
final class JsonlChunkReader implements ChunkReader {
  /** Rows are request bodies too: the same nesting bound and duplicate-key rule as every other JSON a caller sends. */
  private static final JsonFactory JSON = RequestJson.factory();
  private static final ObjectMapper TREES = RequestJson.mapper();

  private final byte[] data;
  private final long firstLine;
  private final FeaturePipeline pipeline;

  /** @param pipeline the version's feature pipeline, or null to read model inputs by name */
  JsonlChunkReader(byte[] data, long firstLine, FeaturePipeline pipeline) {
    this.data = data;
    this.firstLine = firstLine;
    this.pipeline = pipeline;
  }

  @Override
  public void read(ChunkRows rows) {
    long line = firstLine;
    int start = 0;
    boolean[] seen = new boolean[rows.layout.count()];
    for (int i = 0; i <= data.length; i++) {
      if (i < data.length && data[i] != '\n') {
        continue;
      }
      if (!ChunkReader.blank(data, start, i)) {
        if (pipeline != null) {
          readInstance(start, i, line, rows);
        } else {
          readRow(start, i, line, rows, seen);
        }
      }
      line++;
      start = i + 1;
    }
  }

  /** A row as the predict API reads its instances (same conversion: numbers, booleans, strings, nulls). */
  private void readInstance(int start, int end, long line, ChunkRows rows) {
    String id = Long.toString(line);
    try {
      JsonNode row = TREES.readTree(data, start, end - start);
      JsonNode rowId = row == null ? null : row.get("id");
      if (rowId != null && rowId.isIntegralNumber()) {
        id = rowId.asText();
      } else if (rowId != null && rowId.isTextual()) {
        id = RowIds.quoted(rowId.asText());
      }
      String badUnit = row != null && row.isObject() && rows.unitColumn != null ? rows.unit(unit(row, rows)) : null;
      if (badUnit == null && row != null && row.isObject() && rows.unitColumn != null) {
        rows.attributes(column -> value(row.get(column)));
      }
      if (row == null || !row.isObject()) {
        rows.error(id, "a row must be a JSON object of feature values");
      } else if (badUnit != null) {
        rows.error(id, badUnit);
      } else {
        rows.addInstance(pipeline, FeaturePipeline.instances(TREES.createArrayNode().add(row)).getFirst(), id);
      }
    } catch (JacksonException e) {
      rows.error(id, "malformed JSON row: " + RequestJson.describe(e));
    } catch (IOException e) {
      rows.error(id, "malformed JSON row: " + ChunkReader.firstLine(e.getMessage()));
    }
  }

  /** A field as an attribute value: a string, number or boolean; null for anything else or when absent. */
  private static Object value(JsonNode v) {
    if (v == null) {
      return null;
    }
    return v.isTextual() ? v.asText() : v.isNumber() ? (Object) v.asDouble() : v.isBoolean() ? (Object) v.asBoolean()
        : null;
  }

  /** The row's unit as text (a string, or an integer's digits); "" for another kind of value; null when absent. */
  private static String unit(JsonNode row, ChunkRows rows) {
    JsonNode v = row.get(rows.unitColumn);
    return v == null || v.isNull() ? null : v.isTextual() || v.isIntegralNumber() ? v.asText() : "";
  }

  private void readRow(int start, int end, long line, ChunkRows rows, boolean[] seen) {
    InputColumns layout = rows.layout;
    int row = rows.next();
    String id = Long.toString(line);
    Arrays.fill(seen, false);
    try (JsonParser p = JSON.createParser(data, start, end - start)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        rows.error(id, "a row must be a JSON object");
        return;
      }
      String problem = null;
      String unit = null;
      Map<String, Object> attributes = rows.attributeColumns == null ? null : new HashMap<>();
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        if (attributes != null && rows.attributeColumns.containsValue(name)) {
          attributes.put(name, switch (v) {
            case VALUE_STRING -> p.getText();
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> p.getDoubleValue();
            case VALUE_TRUE, VALUE_FALSE -> v == JsonToken.VALUE_TRUE;
            default -> null;
          });
          if (layout.index(name) < 0 && !name.equals("id") && !name.equals(rows.unitColumn)) {
            p.skipChildren(); // a targeting attribute, not a feature
            continue;
          }
        }
        if (rows.unitColumn != null && name.equals(rows.unitColumn)) {
          unit = v == JsonToken.VALUE_STRING || v == JsonToken.VALUE_NUMBER_INT ? p.getText()
              : v == JsonToken.VALUE_NULL ? null : "";
          if (layout.index(name) < 0) {
            p.skipChildren();
            continue;
          }
        }
        if (name.equals("id")) {
          if (v == JsonToken.VALUE_NUMBER_INT) {
            id = p.getText();
          } else if (v == JsonToken.VALUE_STRING) {
            id = RowIds.quoted(p.getText());
          } else {
            p.skipChildren();
            problem = problem == null ? "id must be a string or an integer" : problem;
          }
          continue;
        }
        int input = layout.index(name);
        if (input < 0) {
          p.skipChildren(); // other fields ride along unscored
          continue;
        }
        seen[input] = true;
        int[] filled = {0};
        String bad = readValues(p, rows, input, row, filled);
        if (bad == null && filled[0] != layout.width(input)) {
          bad = "input '" + name + "' needs " + layout.width(input) + " values per row, got " + filled[0];
        }
        if (bad != null && problem == null) {
          problem = bad;
        }
      }
      if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
        problem = "malformed JSON row";
      }
      if (rows.unitColumn != null) { // the unit even of a bad row: it says which arm's read reports the row
        String badUnit = rows.unit(unit);
        problem = problem == null ? badUnit : problem;
        if (badUnit == null && attributes != null) {
          rows.attributes(attributes::get);
        }
      }
      for (int i = 0; i < seen.length && problem == null; i++) {
        if (!seen[i]) {
          problem = "missing input '" + layout.spec(i).name() + "'";
        }
      }
      if (problem != null) {
        rows.error(id, problem);
        return;
      }
    } catch (JacksonException e) {
      rows.error(id, "malformed JSON row: " + RequestJson.describe(e));
      return;
    } catch (IOException | RuntimeException e) {
      rows.error(id, "malformed JSON row: " + ChunkReader.firstLine(e.getMessage()));
      return;
    }
    rows.accept(id);
  }

  /** Reads a number, boolean or (nested) array of them into the input's column; returns a problem or null. */
  private static String readValues(JsonParser p, ChunkRows rows, int input, int row, int[] filled)
      throws IOException {
    JsonToken t = p.currentToken();
    TensorSpec spec = rows.layout.spec(input);
    if (t == JsonToken.START_ARRAY) {
      String first = null;
      while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
        String bad = readValues(p, rows, input, row, filled); // read to the end even after a bad value
        first = first == null ? bad : first;
      }
      return first;
    }
    if (t == JsonToken.START_OBJECT) {
      p.skipChildren();
      return "input '" + spec.name() + "' takes numbers or arrays, not objects";
    }
    int width = rows.layout.width(input);
    int k = filled[0]++;
    if (k >= width) {
      return null; // counted, reported as a length mismatch by the caller
    }
    return store(spec, p, t, row * width + k, rows.columns[input]);
  }

  private static String store(TensorSpec spec, JsonParser p, JsonToken t, int at, Object column) throws IOException {
    if (spec.datatype() == Datatype.BOOL) {
      if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE) {
        return "input '" + spec.name() + "' takes booleans";
      }
      ((boolean[]) column)[at] = t == JsonToken.VALUE_TRUE;
      return null;
    }
    if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
      return "input '" + spec.name() + "' takes numbers, got " + (t == JsonToken.VALUE_STRING
          ? "\"" + p.getText() + "\"" : t.asString() == null ? t.name() : t.asString());
    }
    switch (spec.datatype()) {
      case FP32 -> {
        double v = p.getDoubleValue();
        if (!(Math.abs(v) <= Float.MAX_VALUE)) { // would reach the model as infinity
          return "input '" + spec.name() + "' takes numbers in FP32's range [-" + Float.MAX_VALUE + ", "
              + Float.MAX_VALUE + "], got " + p.getText();
        }
        ((float[]) column)[at] = (float) v;
      }
      case FP64 -> {
        double v = p.getDoubleValue();
        if (Double.isInfinite(v)) { // 1e400: JSON has no infinity, Jackson reads it as one
          return "input '" + spec.name() + "' takes numbers in FP64's range, got " + p.getText();
        }
        ((double[]) column)[at] = v;
      }
      case INT64 -> {
        if (t != JsonToken.VALUE_NUMBER_INT) {
          return "input '" + spec.name() + "' takes integers";
        }
        ((long[]) column)[at] = p.getLongValue();
      }
      case INT32 -> {
        if (t != JsonToken.VALUE_NUMBER_INT) {
          return "input '" + spec.name() + "' takes integers";
        }
        ((int[]) column)[at] = p.getIntValue();
      }
      default -> throw new IllegalStateException(spec.datatype().name());
    }
    return null;
  }
}
