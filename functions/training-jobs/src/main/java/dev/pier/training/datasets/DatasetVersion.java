package dev.pier.training.datasets;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;
import java.util.List;

/**
 * One recorded state of a dataset: the files it was (its manifest), what they hold (schema, rows), and the SHA-256 of
 * the manifest as its {@code version}. Recording the same files again gives back this version.
 *
 * @param source how the files were made: {@code s3} for files a user put there, {@code feature_service:<name>} for a
 *     point-in-time training set the feature store wrote
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record DatasetVersion(String name, String version, String uri, DataFormat format, List<DatasetObject> objects,
    List<Column> schema, long rows, long bytes, String source, Instant createdAt) {
  public DatasetVersion {
    objects = List.copyOf(objects);
    schema = List.copyOf(schema);
  }

  public DatasetManifest manifest() {
    String bucket = uri.substring(5, uri.indexOf('/', 5));
    String prefix = uri.substring(uri.indexOf('/', 5) + 1);
    return new DatasetManifest(bucket, prefix, format, objects);
  }

  public java.util.Optional<Column> column(String name) {
    return schema.stream().filter(c -> c.name().equals(name)).findFirst();
  }

  /** {@code <name>@<first 12 hex digits>}: how jobs, runs and lineage name it. */
  public String ref() {
    return name + "@" + version.substring(0, 12);
  }
}
