package dev.pier.batch;

import dev.pier.kernel.tensor.TensorSpec;
import dev.pier.runtime.pipeline.FeaturePipeline;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Rows of a {@link RowSource}: the tensor path stores each input's column (a scalar for a one-value input, a list
 * of the row's values otherwise) with the conversions the other readers apply; with a feature pipeline each row is an
 * instance of named raw features, converted as the predict API converts JSON instances (numbers as doubles). Row ids
 * are the rows' indexes.
 */
final class ValueChunkReader implements ChunkReader {
  private final RowSource source;
  private final FeaturePipeline pipeline;

  ValueChunkReader(RowSource source, FeaturePipeline pipeline) {
    this.source = source;
    this.pipeline = pipeline;
  }

  @Override
  public void read(ChunkRows rows) {
    InputColumns layout = rows.layout;
    List<String> names = source.columns();
    for (int r = 0; r < source.size(); r++) {
      String id = Integer.toString(r);
      if (pipeline != null) {
        Map<String, Object> instance = new HashMap<>();
        for (String name : names) {
          instance.put(name, instanceValue(source.value(r, name)));
        }
        rows.addInstance(pipeline, instance, id);
        continue;
      }
      String problem = null;
      for (int i = 0; i < layout.count() && problem == null; i++) {
        problem = store(layout.spec(i), layout.width(i), source.value(r, layout.spec(i).name()), rows.columns[i],
            rows.next());
      }
      if (problem != null) {
        rows.error(id, problem);
      } else {
        rows.accept(id);
      }
    }
  }

  /** A raw feature value as {@link FeaturePipeline#instances} makes it from JSON. */
  private static Object instanceValue(Object v) {
    return v == null || v instanceof String || v instanceof Boolean ? v
        : v instanceof Number n ? (Object) n.doubleValue() : v.toString();
  }

  /** Stores a row's value of an input at row {@code at} of its column; returns the problem, or null. */
  static String store(TensorSpec spec, int width, Object value, Object column, int at) {
    String name = spec.name();
    if (value == null) {
      return "column '" + name + "' is null";
    }
    if (value instanceof List<?> list) {
      if (list.size() != width) {
        return "column '" + name + "' has " + list.size() + " values, input '" + name + "' takes " + width;
      }
      for (int k = 0; k < width; k++) {
        String problem = storeOne(spec, list.get(k), column, at * width + k);
        if (problem != null) {
          return problem;
        }
      }
      return null;
    }
    if (width != 1) {
      return "column '" + name + "' has one value, input '" + name + "' takes " + width;
    }
    return storeOne(spec, value, column, at);
  }

  private static String storeOne(TensorSpec spec, Object value, Object column, int at) {
    String name = spec.name();
    switch (value) {
      case null -> {
        return "column '" + name + "' holds a null";
      }
      case String s -> {
        return InputColumns.storeText(spec, s, column, at, name);
      }
      case Boolean b -> {
        if (!(column instanceof boolean[] z)) {
          return "column '" + name + "' takes " + kind(spec) + ", got " + b;
        }
        z[at] = b;
        return null;
      }
      case Number n -> {
        switch (column) {
          case float[] f -> f[at] = n.floatValue();
          case double[] d -> d[at] = n.doubleValue();
          case long[] l -> {
            Long v = integral(n);
            if (v == null) {
              return "column '" + name + "' takes integers, got " + n;
            }
            l[at] = v;
          }
          case int[] i -> {
            Long v = integral(n);
            if (v == null || v != v.intValue()) {
              return "column '" + name + "' takes 32-bit integers, got " + n;
            }
            i[at] = v.intValue();
          }
          default -> {
            return "column '" + name + "' takes true or false, got " + n;
          }
        }
        return null;
      }
      default -> {
        return "column '" + name + "' takes " + kind(spec) + ", got a " + value.getClass().getSimpleName();
      }
    }
  }

  private static Long integral(Number n) {
    if (n instanceof Double || n instanceof Float || n instanceof java.math.BigDecimal) {
      double d = n.doubleValue();
      return d == Math.rint(d) && Math.abs(d) < 0x1p63 ? (long) d : null;
    }
    return n.longValue();
  }

  private static String kind(TensorSpec spec) {
    return switch (spec.datatype()) {
      case BOOL -> "true or false";
      case INT32, INT64 -> "integers";
      default -> "numbers";
    };
  }
}
