package dev.pier.batch.bigquery;

import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.BigQueryException;
import com.google.cloud.bigquery.Clustering;
import com.google.cloud.bigquery.StandardTableDefinition;
import com.google.cloud.bigquery.Table;
import com.google.cloud.bigquery.TableId;
import com.google.cloud.bigquery.TableInfo;
import com.google.cloud.bigquery.TimePartitioning;
import dev.pier.batch.TableMode;
import java.util.List;
import java.util.Map;

/**
 * A job's BigQuery table, decided before anything is scored: created with the job's columns (partitioned by day on
 * {@code date}, clustered by {@code job_id}, labelled with the job that created it), or an existing table taken or
 * refused as the job's {@link TableMode} says. Through Google's BigQuery client (REST: {@code tables.get},
 * {@code tables.insert}, {@code tables.delete}).
 */
public final class BigQueryTables {
  /** The label naming the job that created (or overwrote) the table. */
  public static final String CREATED_BY = "pier_job_id";

  private final BigQuery bigquery;

  public BigQueryTables(BigQuery bigquery) {
    this.bigquery = bigquery;
  }

  /**
   * Creates {@code target} for rows of {@code schema}, or decides whether the existing table takes them: a table this
   * job created (a resumed job) always; otherwise as {@code mode} says — {@code error_if_exists} refuses it,
   * {@code append} takes it when its columns are the same (name, type and mode; partitioning aside), {@code overwrite}
   * deletes and recreates it with this job's columns (at once: its old rows are gone when the job starts). Throws
   * {@link IllegalArgumentException} naming the table, the mode and the difference when refused, or a dataset that
   * does not exist.
   */
  public void ensure(BigQueryTarget target, BigQuerySchema schema, TableMode mode, String jobId) {
    TableId id = TableId.of(target.project(), target.dataset(), target.table());
    Table existing = bigquery.getTable(id);
    if (existing != null) {
      List<String> have = BigQuerySchema.describe(existing.getDefinition().getSchema());
      List<String> want = BigQuerySchema.describe(schema.table());
      Map<String, String> labels = existing.getLabels() == null ? Map.of() : existing.getLabels();
      boolean ours = jobId.equals(labels.get(CREATED_BY));
      if (ours && have.equals(want)) {
        return; // this job's own table: a resumed job
      }
      switch (mode) {
        case ERROR_IF_EXISTS -> throw new IllegalArgumentException("table bigquery://" + target + " exists, and mode"
            + " error_if_exists (the default) refuses it: \"mode\": \"append\" adds this job's rows to it,"
            + " \"overwrite\" replaces it");
        case APPEND -> {
          if (!have.equals(want)) {
            throw new IllegalArgumentException("table bigquery://" + target + " exists with columns " + have
                + "; this job writes " + want + ", which mode append cannot add to it");
          }
          return;
        }
        case OVERWRITE -> bigquery.delete(id);
        default -> throw new IllegalStateException(mode.toString());
      }
    }
    TableInfo table = TableInfo.newBuilder(id, StandardTableDefinition.newBuilder().setSchema(schema.table())
            .setTimePartitioning(TimePartitioning.newBuilder(TimePartitioning.Type.DAY)
                .setField(BigQuerySchema.DATE).build())
            .setClustering(Clustering.newBuilder().setFields(List.of(BigQuerySchema.JOB_ID)).build()).build())
        .setLabels(Map.of(CREATED_BY, jobId)).build();
    try {
      bigquery.create(table);
    } catch (BigQueryException e) {
      if (e.getCode() == 409) {
        ensure(target, schema, mode == TableMode.OVERWRITE ? TableMode.APPEND : mode, jobId); // made meanwhile
      } else if (e.getCode() == 404) {
        throw new IllegalArgumentException("dataset " + target.project() + "." + target.dataset()
            + " does not exist in BigQuery (" + e.getMessage() + "): create it first", e);
      } else {
        throw e;
      }
    }
  }
}
