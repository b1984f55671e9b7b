package dev.pier.monitoring.capture;

import java.lang.reflect.Array;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
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

  public TensorColumns(List<Tensor> tensors) {
    this.tensors = List.copyOf(tensors);
    List<String> columnNames = new ArrayList<>();
    List<int[]> where = new ArrayList<>();
    int rowCount = Integer.MAX_VALUE;
    for (int t = 0; t < this.tensors.size(); t++) {
      Tensor tensor = this.tensors.get(t);
      int columns = tensor.columns();
      rowCount = Math.min(rowCount, columns == 0 ? 0 : Array.getLength(tensor.data()) / columns);
      for (int c = 0; c < columns; c++) {
        String column = tensor.shape().length == 1 ? tensor.name()
            : tensor.featureNames() != null && c < tensor.featureNames().size() ? tensor.featureNames().get(c)
            : CapturedPrediction.column(tensor.name(), c);
        columnNames.add(column);
        where.add(new int[] {t, c});
      }
    }
    this.names = columnNames.toArray(String[]::new);
    this.tensorOf = where.stream().mapToInt(w -> w[0]).toArray();
    this.offsetIn = where.stream().mapToInt(w -> w[1]).toArray();
    this.rows = this.tensors.isEmpty() ? 0 : rowCount;
  }

  public int rows() {
    return rows;
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
      Tensor t = tensors.get(tensorOf[k]);
      return Array.get(t.data(), row * t.columns() + offsetIn[k]);
    }
  }
}
