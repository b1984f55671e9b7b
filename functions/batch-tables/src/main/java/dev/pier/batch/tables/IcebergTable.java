package dev.pier.batch.tables;

import dev.pier.batch.TableSchema;
import dev.pier.batch.BatchError;
import dev.pier.batch.TableColumn;
import dev.pier.batch.TableMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.NoSuchIcebergTableException;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.util.SnapshotUtil;

/**
 * A job's Iceberg table in the Glue catalog ({@code "table_format": "iceberg"}), whichever engine writes it: the scored
 * rows' columns, then {@code job_id} (string) and {@code date} (the job's UTC day), partitioned by
 * {@code identity(job_id)} and {@code day(date)}; what a job does with a table that exists ({@link #ensure}, before any
 * row is scored), and the snapshots that name a job ({@link #JOB}). The Spark path converts its schema and calls the
 * same checks, so both engines accept and refuse the same tables with the same words.
 */
public final class IcebergTable {
  /** Snapshot summary property: the job whose rows the snapshot added. */
  public static final String JOB = "pier.job-id";
  /** Table property: the job that created (or last replaced) the table. */
  public static final String CREATED_BY = "pier.created-by-job";

  private IcebergTable() {}

  /**
   * The Iceberg schema of a table of {@code columns} (Hive types as {@link TableColumn} names them: tinyint and
   * smallint become int, as Iceberg has no narrower integer), then job_id and date; every field optional.
   */
  public static Schema schema(List<TableColumn> columns) {
    List<Types.NestedField> fields = new ArrayList<>();
    int id = 0; // fresh ids in order (the catalog assigns its own when it creates the table)
    for (TableColumn c : columns) {
      if (TableSchema.PARTITIONS.contains(c.catalogName())) {
        throw new BatchError("the scored rows have a column '" + c.name() + "', which an Iceberg table output adds"
            + " itself (its partition columns are job_id and date): rename it in the input");
      }
      Type type = c.array() ? Types.ListType.ofOptional(++id, primitive(c.elementType())) : primitive(c.type());
      fields.add(Types.NestedField.optional(++id, c.name(), type));
    }
    fields.add(Types.NestedField.optional(++id, "job_id", Types.StringType.get()));
    fields.add(Types.NestedField.optional(++id, "date", Types.DateType.get()));
    return new Schema(fields);
  }

  private static Type primitive(String hive) {
    return switch (hive) {
      case "bigint" -> Types.LongType.get();
      case "int", "smallint", "tinyint" -> Types.IntegerType.get();
      case "double" -> Types.DoubleType.get();
      case "float" -> Types.FloatType.get();
      case "boolean" -> Types.BooleanType.get();
      case "string" -> Types.StringType.get();
      default -> throw new BatchError("a column of type " + hive + " cannot be held in an Iceberg table here");
    };
  }

  /** The partitioning of every Pier Iceberg table: {@code identity(job_id)}, {@code day(date)}. */
  public static PartitionSpec spec(Schema schema) {
    return PartitionSpec.builderFor(schema).identity("job_id").day("date").build();
  }

  /**
   * Before scoring: creates {@code qualified} ({@code db.table}) at {@code location} with {@code schema} (and the
   * Glue database if missing), or decides whether the existing table may take this job's rows: a table this job
   * created (a resumed job) always; otherwise as {@code mode} says ({@link TableMode}; overwrite replaces the table's
   * schema and empties it now, in one commit that keeps its history). An {@link IllegalArgumentException} naming the
   * table and the difference when refused; a Glue table that is not Iceberg's is refused too.
   */
  public static Table ensure(Catalog catalog, String qualified, Schema schema, String location, TableMode mode,
      String jobId) {
    TableIdentifier id = identifier(qualified);
    PartitionSpec spec = spec(schema);
    Table existing;
    try {
      existing = catalog.loadTable(id);
    } catch (NoSuchIcebergTableException e) {
      throw new IllegalArgumentException("table " + qualified + " exists in the Glue catalog but is not an Iceberg"
          + " table: \"table_format\": \"iceberg\" cannot write to it (another table name, or table_format parquet)");
    } catch (NoSuchTableException e) {
      existing = null;
    }
    if (existing != null) {
      List<String> have = describe(existing.schema());
      String haveSpec = describe(existing.spec());
      boolean same = have.equals(describe(schema)) && haveSpec.equals(describe(spec));
      boolean ours = jobId.equals(existing.properties().get(CREATED_BY));
      if (ours && same) {
        return existing; // this job's own table: a resumed job
      }
      if (mode == TableMode.OVERWRITE) {
        catalog.newReplaceTableTransaction(id, schema, spec, location, Map.of(CREATED_BY, jobId), false)
            .commitTransaction();
        return catalog.loadTable(id);
      }
      if (mode == TableMode.ERROR_IF_EXISTS) {
        throw new IllegalArgumentException("table " + qualified + " exists, and mode error_if_exists (the default)"
            + " refuses it: \"mode\": \"append\" adds this job's rows to it, \"overwrite\" replaces it");
      }
      if (!same) {
        throw new IllegalArgumentException("Iceberg table " + qualified + " exists with columns " + have
            + " partitioned by " + haveSpec + "; this job writes " + describe(schema) + " partitioned by "
            + describe(spec) + ", which mode append cannot add to it");
      }
      return existing;
    }
    if (!(catalog instanceof SupportsNamespaces namespaces)) {
      throw new IllegalStateException("Iceberg catalog " + catalog.name() + " is a " + catalog.getClass().getName()
          + ", not Iceberg's GlueCatalog");
    }
    if (!namespaces.namespaceExists(id.namespace())) {
      try {
        namespaces.createNamespace(id.namespace());
      } catch (AlreadyExistsException e) {
        // created meanwhile
      }
    }
    try {
      return catalog.buildTable(id, schema).withPartitionSpec(spec).withLocation(location)
          .withProperty(CREATED_BY, jobId).create();
    } catch (AlreadyExistsException e) {
      return ensure(catalog, qualified, schema, location, mode, jobId); // created meanwhile by another job: again
    }
  }

  /** {@code db.table} as Iceberg's identifier. */
  public static TableIdentifier identifier(String qualified) {
    String[] parts = qualified.split("\\.", 2);
    return TableIdentifier.of(parts[0], parts[1]);
  }

  /** The snapshots of the table's current history whose summary names {@code jobId}, oldest last. */
  public static List<Snapshot> snapshotsOf(Table table, String jobId) {
    List<Snapshot> out = new ArrayList<>();
    if (table.currentSnapshot() == null) {
      return out;
    }
    for (Snapshot s : SnapshotUtil.ancestorsOf(table.currentSnapshot().snapshotId(), table::snapshot)) {
      if (s.summary() != null && jobId.equals(s.summary().get(JOB))) {
        out.add(s);
      }
    }
    return out;
  }

  /** A schema's columns as {@code name type}, names lower-cased and types as the catalog (Hive, Athena) names them. */
  public static List<String> describe(Schema schema) {
    List<String> out = new ArrayList<>();
    for (Types.NestedField f : schema.columns()) {
      out.add(f.name().toLowerCase(Locale.ROOT) + " " + catalogType(f.type()));
    }
    return out;
  }

  private static String catalogType(Type type) {
    return switch (type.typeId()) {
      case LONG -> "bigint";
      case INTEGER -> "int";
      case LIST -> "array<" + catalogType(type.asListType().elementType()) + ">";
      case MAP -> "map<" + catalogType(type.asMapType().keyType()) + "," + catalogType(type.asMapType().valueType())
          + ">";
      case STRUCT -> "struct<" + String.join(",", type.asStructType().fields().stream()
          .map(f -> f.name() + ":" + catalogType(f.type())).toList()) + ">";
      case TIMESTAMP -> ((Types.TimestampType) type).shouldAdjustToUTC() ? "timestamp" : "timestamp_ntz";
      case DECIMAL -> "decimal(" + ((Types.DecimalType) type).precision() + "," + ((Types.DecimalType) type).scale()
          + ")";
      default -> type.toString();
    };
  }

  /** A partition spec as {@code [transform(column), …]}. */
  public static String describe(PartitionSpec spec) {
    return spec.fields().stream().map(f -> f.transform() + "(" + spec.schema().findColumnName(f.sourceId()) + ")")
        .toList().toString();
  }
}
