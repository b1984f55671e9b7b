package dev.pier.batch.bigquery;

import java.io.Serializable;

/**
 * A BigQuery table a job writes to, as {@code bigquery://project.dataset.table} names it (a domain-scoped project such
 * as {@code example.com:analytics} keeps its dots: dataset and table are the last two parts).
 */
public record BigQueryTarget(String project, String dataset, String table) implements Serializable {
  public static final String SCHEME = "bigquery://";

  public static BigQueryTarget parse(String uri) {
    String name = uri.startsWith(SCHEME) ? uri.substring(SCHEME.length()) : uri;
    int t = name.lastIndexOf('.');
    int d = t < 0 ? -1 : name.lastIndexOf('.', t - 1);
    if (d <= 0 || t == name.length() - 1 || t - d < 2) {
      throw new IllegalArgumentException("bigquery://" + name + " must name a table as bigquery://project.dataset.table");
    }
    return new BigQueryTarget(name.substring(0, d), name.substring(d + 1, t), name.substring(t + 1));
  }

  /** The table's resource name in the Storage Write API: {@code projects/P/datasets/D/tables/T}. */
  public String path() {
    return "projects/" + project + "/datasets/" + dataset + "/tables/" + table;
  }

  @Override
  public String toString() {
    return project + "." + dataset + "." + table;
  }
}
