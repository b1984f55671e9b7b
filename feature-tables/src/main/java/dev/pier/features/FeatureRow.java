package dev.pier.features;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * One online row's values by feature name, read-only, held as an array beside a column index that every row of a read
 * shares: 50 rows × 200 features are 50 arrays instead of 50 hash maps of 200 entries. A feature whose value is null
 * maps to null (as a {@link HashMap} holding null would).
 */
final class FeatureRow extends AbstractMap<String, Object> {
  /** The features of a read and their positions, shared by its rows. */
  static final class Columns {
    private final List<String> names;
    private final Map<String, Integer> index;

    Columns(List<String> names) {
      this.names = names;
      this.index = HashMap.newHashMap(names.size());
      for (int i = 0; i < names.size(); i++) {
        index.putIfAbsent(names.get(i), i);
      }
    }
  }

  private final Columns columns;
  private final Object[] values;

  FeatureRow(Columns columns, Object[] values) {
    this.columns = columns;
    this.values = values;
  }

  @Override
  public Object get(Object key) {
    Integer i = columns.index.get(key);
    return i == null ? null : values[i];
  }

  @Override
  public boolean containsKey(Object key) {
    return columns.index.containsKey(key);
  }

  @Override
  public int size() {
    return columns.index.size();
  }

  @Override
  public Set<Entry<String, Object>> entrySet() {
    return new AbstractSet<>() {
      @Override
      public int size() {
        return columns.index.size();
      }

      @Override
      public Iterator<Entry<String, Object>> iterator() {
        return new Iterator<>() {
          private int next = advance(0);

          private int advance(int from) {
            int i = from;
            while (i < columns.names.size() && columns.index.get(columns.names.get(i)) != i) {
              i++; // a name asked for twice: its first position holds it
            }
            return i;
          }

          @Override
          public boolean hasNext() {
            return next < columns.names.size();
          }

          @Override
          public Entry<String, Object> next() {
            if (!hasNext()) {
              throw new NoSuchElementException();
            }
            int i = next;
            next = advance(i + 1);
            return new SimpleImmutableEntry<>(columns.names.get(i), values[i]);
          }
        };
      }
    };
  }
}
