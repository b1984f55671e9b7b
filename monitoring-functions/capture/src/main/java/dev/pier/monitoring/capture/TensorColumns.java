package dev.pier.monitoring.capture;

import java.lang.reflect.Array;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * Tensors seen as rows of named columns, without copying: the first dimension is the row; a 1-D tensor {@code t} is
 * the column {@code t}, a tensor of more dimensions gives the columns {@code t[0]}, {@code t[1]}, … over the rest of
 * each row (row-major), or the pipeline's feature names when given. Each row is a read-only {@link Map} view over the
 * shared arrays; values are boxed only when read — on the capture writer's thread, not the request's.
 */
public final class TensorColumns {
  private final List<Tensor> tensors;
  /** Per tensor, its columns per row: reading a cell does not walk the shape. */
  private final int[] widths;
  private final String[] names;
  private final int[] tensorOf;
  private final int[] offsetIn;
  private final int rows;

  /**
   * A tensor's data as the prediction pipeline holds it: one flat row-major array ({@code float[]}, {@code double[]},
   * {@code int[]}, {@code long[]}, {@code short[]}, {@code byte[]}, {@code boolean[]} or {@code String[]}), which must
   * not change after capture.
   *
   * @param featureNames the pipeline's names for the columns of each row, or null for {@code name[i]}
   */
  public record Tensor(String name, long[] shape, Object data, List<String> featureNames) {
    public Tensor {
      if (shape.length == 0) {
        throw new IllegalArgumentException("tensor '" + name + "' has no row dimension");
      }
      if (!data.getClass().isArray()) {
        throw new IllegalArgumentException("tensor '" + name + "' data must be an array");
      }
    }

    public Tensor(String name, long[] shape, Object data) {
      this(name, shape, data, null);
    }

    int columns() {
      long per = 1;
      for (int d = 1; d < shape.length; d++) {
        per *= shape[d];
      }
      return (int) per;
    }
  }

  /**
   * Runs on the request thread (capture's share of the request path): the column layout is computed in plain arrays,
   * and generated names ({@code t[i]}) come from a small cache rather than being concatenated per request.
   */
  public TensorColumns(List<Tensor> tensors) {
    this.tensors = List.copyOf(tensors);
    int total = 0;
    int[] widths = new int[this.tensors.size()];
    for (int t = 0; t < widths.length; t++) {
      widths[t] = this.tensors.get(t).columns();
      total += widths[t];
    }
    this.names = new String[total];
    this.tensorOf = new int[total];
    this.offsetIn = new int[total];
    int rowCount = Integer.MAX_VALUE;
    int k = 0;
    for (int t = 0; t < widths.length; t++) {
      Tensor tensor = this.tensors.get(t);
      int columns = widths[t];
      rowCount = Math.min(rowCount, columns == 0 ? 0 : Array.getLength(tensor.data()) / columns);
      String[] generated = tensor.shape().length == 1 ? null : generatedNames(tensor.name(), columns);
      for (int c = 0; c < columns; c++, k++) {
        names[k] = generated == null ? tensor.name()
            : tensor.featureNames() != null && c < tensor.featureNames().size() ? tensor.featureNames().get(c)
            : generated[c];
        tensorOf[k] = t;
        offsetIn[k] = c;
      }
    }
    this.rows = this.tensors.isEmpty() ? 0 : rowCount;
    this.widths = widths;
  }

  /** Tensor names whose generated column names are kept; beyond it names are made per request (still correct). */
  private static final int NAME_CACHE_LIMIT = 1_024;
  private static final java.util.concurrent.ConcurrentHashMap<String, String[]> GENERATED =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** {@code name[0]} … {@code name[columns - 1]}, at least; shared, never changed. */
  private static String[] generatedNames(String tensor, int columns) {
    String[] cached = GENERATED.get(tensor);
    if (cached != null && cached.length >= columns) {
      return cached;
    }
    String[] made = new String[columns];
    for (int c = 0; c < columns; c++) {
      made[c] = CapturedPrediction.column(tensor, c);
    }
    if (columns <= 4_096 && (GENERATED.size() < NAME_CACHE_LIMIT || cached != null)) {
      GENERATED.merge(tensor, made, (old, mine) -> old.length >= mine.length ? old : mine);
    }
    return made;
  }

  public int rows() {
    return rows;
  }

  /** A tensor's rows: its first dimension as far as its data goes. */
  static int rows(Tensor tensor) {
    int columns = tensor.columns();
    return columns == 0 ? 0 : Array.getLength(tensor.data()) / columns;
  }

  private static final java.util.concurrent.ConcurrentHashMap<String, String[]> EXACT =
      new java.util.concurrent.ConcurrentHashMap<>();
  private static final java.util.concurrent.ConcurrentHashMap<String, String[]> ONE_D =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * A tensor's column names, as {@link #TensorColumns} names them: one array per tensor name and width, shared between
   * calls (the columnar capture batch resolves its columns once per array, not per request); must not be changed.
   */
  static String[] columnNames(Tensor tensor) {
    int columns = tensor.columns();
    if (tensor.shape().length == 1) {
      String[] one = ONE_D.get(tensor.name());
      if (one == null) {
        one = new String[] {tensor.name()};
        if (ONE_D.size() < NAME_CACHE_LIMIT) {
          ONE_D.put(tensor.name(), one);
        }
      }
      return one;
    }
    if (tensor.featureNames() != null) {
      String[] generated = generatedNames(tensor.name(), columns);
      String[] out = new String[columns];
      for (int c = 0; c < columns; c++) {
        out[c] = c < tensor.featureNames().size() ? tensor.featureNames().get(c) : generated[c];
      }
      return out;
    }
    String[] exact = EXACT.get(tensor.name());
    if (exact == null || exact.length != columns) {
      exact = java.util.Arrays.copyOf(generatedNames(tensor.name(), columns), columns);
      if (EXACT.size() < NAME_CACHE_LIMIT || EXACT.containsKey(tensor.name())) {
        EXACT.put(tensor.name(), exact);
      }
    }
    return exact;
  }

  /** Row {@code r} as a read-only map from column name to value. */
  public Map<String, Object> row(int r) {
    if (r < 0 || r >= rows) {
      throw new IndexOutOfBoundsException("row " + r + " of " + rows);
    }
    return new RowView(r);
  }

  private final class RowView extends AbstractMap<String, Object> {
    private final int row;

    RowView(int row) {
      this.row = row;
    }

    @Override
    public Set<Entry<String, Object>> entrySet() {
      return new AbstractSet<>() {
        @Override
        public Iterator<Entry<String, Object>> iterator() {
          return new Iterator<>() {
            private int i;

            @Override
            public boolean hasNext() {
              return i < names.length;
            }

            @Override
            public Entry<String, Object> next() {
              if (i >= names.length) {
                throw new NoSuchElementException();
              }
              int k = i++;
              return new SimpleImmutableEntry<>(names[k], value(k));
            }
          };
        }

        @Override
        public int size() {
          return names.length;
        }
      };
    }

    private Object value(int k) {
      int t = tensorOf[k];
      return cell(tensors.get(t).data(), row * widths[t] + offsetIn[k]);
    }
  }

  /**
   * {@code Array.get(array, i)} — the same boxed value — read by the array's type for the usual ones: the reflective
   * read cost about 38 ns a cell against 2 here, and the capture writer reads each cell twice (encode, profile).
   */
  static Object cell(Object array, int i) {
    if (array instanceof float[] f) {
      return Float.valueOf(f[i]);
    }
    if (array instanceof double[] d) {
      return Double.valueOf(d[i]);
    }
    if (array instanceof long[] l) {
      return Long.valueOf(l[i]);
    }
    if (array instanceof int[] n) {
      return Integer.valueOf(n[i]);
    }
    if (array instanceof Object[] o) {
      return o[i];
    }
    return Array.get(array, i);
  }
}
