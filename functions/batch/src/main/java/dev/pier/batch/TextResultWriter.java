package dev.pier.batch;

import dev.pier.runtime.Tensor;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Results as text: one JSONL line or CSV record per scored row. */
abstract sealed class TextResultWriter implements ResultWriter {
  final StringBuilder out = new StringBuilder(1 << 16);
  /** Each row's arm and version under an experiment (see {@link ResultWriter#armColumns}); null otherwise. */
  String[] arms;
  int[] versions;

  @Override
  public final void armColumns(String[] arms, int[] versions) {
    this.arms = arms;
    this.versions = versions;
  }

  @Override
  public final byte[] finish() {
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** The values each row has per output ({@code [n, 3]} → 3). */
  static int[] widths(List<Tensor> outputs, int n) {
    int[] widths = new int[outputs.size()];
    for (int o = 0; o < outputs.size(); o++) {
      widths[o] = outputs.get(o).length() / n;
    }
    return widths;
  }

  /**
   * {@code {"id": 7, "label": 1, "probabilities": [0.1, 0.9]}}: outputs by name, a scalar per row ({@code [n]}) as a
   * value, anything wider as an array; a non-finite number is {@code null}, as JSON has none.
   */
  static final class Jsonl extends TextResultWriter {
    @Override
    public void write(String[] ids, int from, List<Tensor> outputs, int n) {
      int[] widths = widths(outputs, n);
      for (int r = 0; r < n; r++) {
        out.append("{\"id\":").append(ids[from + r]);
        if (arms != null) {
          out.append(",\"model_version\":").append(versions[from + r]).append(",\"experiment_arm\":");
          if (arms[from + r] == null) {
            out.append("null");
          } else {
            RowIds.quote(out, arms[from + r]);
          }
        }
        for (int o = 0; o < outputs.size(); o++) {
          Tensor t = outputs.get(o);
          out.append(",\"").append(t.name()).append("\":");
          boolean scalar = t.shape().length == 1;
          if (!scalar) {
            out.append('[');
          }
          for (int k = 0; k < widths[o]; k++) {
            if (k > 0) {
              out.append(',');
            }
            value(out, t, r * widths[o] + k, true);
          }
          if (!scalar) {
            out.append(']');
          }
        }
        out.append("}\n");
      }
    }
  }

  /**
   * A header {@code id,label,probabilities_0,probabilities_1} fixed by the first batch, then one record per row;
   * non-finite numbers as {@code NaN}, {@code Infinity}, {@code -Infinity}.
   */
  static final class Csv extends TextResultWriter {
    private boolean headerWritten;

    @Override
    public void write(String[] ids, int from, List<Tensor> outputs, int n) {
      if (!headerWritten) {
        header(outputs);
        headerWritten = true;
      }
      int[] widths = widths(outputs, n);
      for (int r = 0; r < n; r++) {
        String id = ids[from + r];
        out.append(id.startsWith("\"") ? field(id.substring(1, id.length() - 1).replace("\\\"", "\"")) : id);
        if (arms != null) {
          out.append(',').append(versions[from + r]).append(',');
          if (arms[from + r] != null) {
            out.append(field(arms[from + r]));
          }
        }
        for (int o = 0; o < outputs.size(); o++) {
          for (int k = 0; k < widths[o]; k++) {
            out.append(',');
            value(out, outputs.get(o), r * widths[o] + k, false);
          }
        }
        out.append('\n');
      }
    }

    private void header(List<Tensor> outputs) {
      out.append(arms != null ? "id,model_version,experiment_arm" : "id");
      for (Tensor t : outputs) {
        long[] shape = t.shape();
        if (shape.length <= 1) {
          out.append(',').append(t.name());
        } else {
          int width = (int) (Tensor.elementCount(shape) / shape[0]);
          for (int k = 0; k < width; k++) {
            out.append(',').append(t.name()).append('_').append(k);
          }
        }
      }
      out.append('\n');
    }
  }

  static void value(StringBuilder s, Tensor t, int i, boolean json) {
    switch (t.data()) {
      case float[] f -> finite(s, f[i], Float.isFinite(f[i]) ? Float.toString(f[i]) : null, json);
      case double[] d -> finite(s, d[i], Double.isFinite(d[i]) ? Double.toString(d[i]) : null, json);
      case long[] l -> s.append(l[i]);
      case int[] n -> s.append(n[i]);
      case short[] h -> s.append(h[i]);
      case byte[] b -> s.append(b[i]);
      case boolean[] z -> s.append(z[i]);
      case String[] str -> {
        if (json) {
          RowIds.quote(s, str[i]);
        } else {
          s.append(field(str[i]));
        }
      }
      default -> throw new IllegalStateException();
    }
  }

  private static void finite(StringBuilder s, double v, String text, boolean json) {
    s.append(text != null ? text : json ? "null" : Double.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity");
  }

  /** A CSV field, quoted (RFC 4180) when it holds a comma, a quote or a line break. */
  static String field(String v) {
    if (v.indexOf(',') < 0 && v.indexOf('"') < 0 && v.indexOf('\n') < 0) {
      return v;
    }
    return "\"" + v.replace("\"", "\"\"") + "\"";
  }
}
