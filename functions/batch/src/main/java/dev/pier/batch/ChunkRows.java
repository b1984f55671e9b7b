package dev.pier.batch;

import dev.pier.kernel.PierException;
import dev.pier.runtime.pipeline.FeaturePipeline;
import java.util.List;
import java.util.Map;

/**
 * A chunk's rows once read: the good ones as ids and one flat column per model input (rows are parsed straight into
 * the columns, so reading allocates per chunk, not per row), the bad ones already written as error lines.
 */
final class ChunkRows {
  final InputColumns layout;
  final String[] ids;
  final Object[] columns;
  int count;
  long failed;
  final StringBuilder errors = new StringBuilder();
  /** Rows kept as named raw features, for a pipeline that runs in the prediction pipeline; null otherwise. */
  final Map<String, Object>[] instances;
  /** Each error row's reason by id, when the caller reads errors row by row ({@link #keepReasons}); else null. */
  Map<String, String> reasons;
  /** The rows' field holding each row's unit, for a job scored under an experiment; null otherwise. */
  final String unitColumn;
  /** Each good row's unit (read from {@link #unitColumn}); null when there is no unit column. */
  final String[] units;
  /**
   * Each good row's experiment arm and the version that scored it (results carry both), filled by the scorer under an
   * experiment; null otherwise. An arm is null for a row no experiment assigned (stopped meanwhile).
   */
  String[] arms;
  int[] versions;
  /**
   * For a chunk read once per input layout (arms whose versions take different inputs): which units' rows this read
   * keeps; rows of other units are skipped, neither scored nor errors. Null: every row is this read's.
   */
  private java.util.function.Predicate<String> owns;
  /** Whether this read reports the rows that have no (readable) unit, which no layout owns. */
  private boolean ownsUnitless;
  /** For a job with targeting attributes: each attribute's column (attribute → column); null otherwise. */
  Map<String, String> attributeColumns;
  /** Each unit's targeting attributes, from its first row in the chunk (shared by every read of the chunk). */
  private Map<String, Map<String, Object>> unitAttributes;

  /** Reads each unit's targeting attributes from {@code columns} into {@code sink} (see {@link #attributes}). */
  void readAttributes(Map<String, String> columns, Map<String, Map<String, Object>> sink) {
    this.attributeColumns = columns;
    this.unitAttributes = sink;
  }

  /**
   * The targeting attributes of the row at {@link #next()}, after its unit ({@link #unit}): {@code valueOf} gives a
   * column's value (a string, number or boolean; null when the row has none, and the attribute is then absent). A
   * unit's first row in the chunk gives its attributes, so they are read before its arm is asked for.
   */
  void attributes(java.util.function.Function<String, Object> valueOf) {
    if (unitAttributes == null) {
      return;
    }
    String unit = units[count];
    if (unit == null || unit.isEmpty() || unitAttributes.containsKey(unit)) {
      return;
    }
    Map<String, Object> values = new java.util.HashMap<>();
    attributeColumns.forEach((attribute, column) -> {
      Object v = valueOf.apply(column);
      if (v != null) {
        values.put(attribute, v);
      }
    });
    unitAttributes.put(unit, values);
  }

  /** A text cell as an attribute value: {@code true}/{@code false}, a number, else the text; null when empty. */
  static Object textValue(String cell) {
    if (cell == null || cell.isEmpty()) {
      return null;
    }
    if (cell.equals("true") || cell.equals("false")) {
      return Boolean.valueOf(cell);
    }
    try {
      return Double.parseDouble(cell);
    } catch (NumberFormatException e) {
      return cell;
    }
  }

  ChunkRows(InputColumns layout, int capacity) {
    this(layout, capacity, false);
  }

  /** @param keepInstances keep named-feature rows as they are ({@link #instances}) instead of running the pipeline */
  @SuppressWarnings("unchecked")
  ChunkRows(InputColumns layout, int capacity, boolean keepInstances) {
    this(layout, capacity, keepInstances, null);
  }

  /** @param unitColumn the rows' unit field, read into {@link #units}; null for none */
  @SuppressWarnings("unchecked")
  ChunkRows(InputColumns layout, int capacity, boolean keepInstances, String unitColumn) {
    this.unitColumn = unitColumn;
    this.units = unitColumn == null ? null : new String[capacity];
    this.layout = layout;
    this.ids = new String[capacity];
    this.columns = keepInstances ? new Object[0] : layout.allocate(capacity);
    this.instances = keepInstances ? new Map[capacity] : null;
  }

  /**
   * Keeps only the rows of units {@code owns} accepts (and, when {@code ownsUnitless}, the rows without a readable
   * unit, as errors): a row is decided when it is accepted or refused, by the unit its reader gave {@link #unit}.
   */
  void onlyUnits(java.util.function.Predicate<String> owns, boolean ownsUnitless) {
    this.owns = owns;
    this.ownsUnitless = ownsUnitless;
  }

  /** Whether the row at {@link #next()} is this read's (see {@link #onlyUnits}); it clears the row's unit if not. */
  private boolean mine() {
    if (owns == null) {
      return true;
    }
    String unit = units[count];
    boolean mine = unit == null || unit.isEmpty() ? ownsUnitless : owns.test(unit);
    if (!mine) {
      units[count] = null;
    }
    return mine;
  }

  /** The row being read: its values go to this index of each column until {@link #accept} or {@link #error}. */
  int next() {
    return count;
  }

  /** Keeps error rows' reasons by id instead of as JSONL lines. */
  void keepReasons() {
    reasons = new java.util.HashMap<>();
  }

  /**
   * The unit of the row at {@link #next()} (a string or an integer's text); returns the problem with it, or null.
   * Readers call it with null when the row has no such field.
   */
  String unit(String value) {
    units[count] = value;
    if (value == null) {
      return "missing unit column '" + unitColumn + "'";
    }
    if (value.isEmpty()) {
      return "empty unit column '" + unitColumn + "'";
    }
    return null;
  }

  /** The row at {@link #next()} is complete and good. */
  void accept(String id) {
    if (mine()) {
      ids[count++] = id;
    }
  }

  /**
   * A row that cannot be read, with the reason (the row's values, if any were stored, are overwritten); under
   * {@link #onlyUnits} only if the row is this read's.
   */
  void error(String id, String message) {
    if (owns != null) {
      boolean mine = mine();
      if (units != null) {
        units[count] = null; // the slot holds the next row
      }
      if (!mine) {
        return;
      }
    }
    refuse(id, message);
  }

  /** A row already read that could not be scored (the model refused it), with the reason. */
  void refuse(String id, String message) {
    failed++;
    if (reasons != null) {
      reasons.put(id, message);
      return;
    }
    errors.append("{\"id\":").append(id).append(",\"error\":");
    RowIds.quote(errors, message);
    errors.append("}\n");
  }

  /**
   * Runs the feature pipeline on one row's raw features into the input column (the very code the predict API runs),
   * or records why it could not.
   */
  void addInstance(FeaturePipeline pipeline, Map<String, Object> instance, String id) {
    if (instances != null) {
      instances[count] = instance;
      accept(id);
      return;
    }
    float[] features;
    try {
      features = (float[]) pipeline.apply(List.of(instance)).data();
    } catch (PierException e) {
      String message = e.getMessage();
      error(id, message.startsWith("instances[0]: ") ? message.substring("instances[0]: ".length()) : message);
      return;
    }
    int width = layout.width(0);
    System.arraycopy(features, 0, (float[]) columns[0], count * width, width);
    accept(id);
  }
}
