package dev.pier.training.datasets;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.pier.kernel.PierException;
import dev.pier.kernel.aws.S3SourcePolicy;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Dataset versions: recording the files a URI names now (a version per distinct set of files), finding a version by
 * name or {@code name@version}, and reading a version's rows for training.
 */
public final class Datasets {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  private final DatasetsTable table;
  private final software.amazon.awssdk.services.s3.S3Client s3;
  private final DatasetFiles files;
  private final DatasetReader reader = new DatasetReader();
  private final S3SourcePolicy locations;
  private final Clock clock;

  public Datasets(DatasetsTable table, software.amazon.awssdk.services.s3.S3Client s3, DatasetFiles files,
      S3SourcePolicy locations, Clock clock) {
    this.table = table;
    this.s3 = s3;
    this.files = files;
    this.locations = locations;
    this.clock = clock;
  }

  /** One dataset in a listing: its name, how many versions it has, and the newest. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record Summary(String name, int versions, DatasetVersion latest) {}

  /**
   * Records the files {@code uri} names now as a version of dataset {@code name} (default: the URI's last path
   * segment without its extension). The same files give back the version recorded first.
   */
  public DatasetVersion record(String name, String uri, String format) {
    return record(name, uri, format, "s3");
  }

  public DatasetVersion record(String name, String uri, String format, String source) {
    DatasetManifest manifest = DatasetManifest.list(s3, uri, format);
    locations.check(manifest.bucket(), manifest.prefix(), "dataset uri");
    String n = name == null || name.isBlank() ? defaultName(manifest) : checkName(name);
    String digest = manifest.digest();
    var existing = table.get(n, digest);
    if (existing.isPresent()) {
      return existing.get();
    }
    var profile = reader.profile(files.fetch(manifest), manifest.format());
    if (profile.rows() == 0) {
      throw PierException.badRequest("dataset " + uri + " has no rows");
    }
    return table.putIfAbsent(new DatasetVersion(n, digest, uri, manifest.format(), manifest.objects(),
        profile.schema(), profile.rows(), manifest.bytes(), source, clock.instant().truncatedTo(ChronoUnit.MILLIS)));
  }

  /** {@code name} (its newest version) or {@code name@<version or a prefix of it>}; a 400 naming an unknown one. */
  public DatasetVersion resolve(String ref) {
    if (ref == null || ref.isBlank()) {
      throw PierException.badRequest("dataset is required");
    }
    int at = ref.indexOf('@');
    String name = at < 0 ? ref : ref.substring(0, at);
    List<DatasetVersion> versions = table.versions(name);
    if (versions.isEmpty()) {
      throw PierException.badRequest("unknown dataset '" + name + "'");
    }
    if (at < 0) {
      return versions.get(0);
    }
    String prefix = ref.substring(at + 1);
    List<DatasetVersion> matches = versions.stream().filter(v -> v.version().startsWith(prefix)).toList();
    if (matches.size() != 1 || prefix.length() < 6) {
      throw PierException.badRequest(matches.isEmpty() ? "dataset '" + name + "' has no version " + prefix
          : "dataset version '" + prefix + "' is ambiguous: give more of its digest");
    }
    return matches.get(0);
  }

  public List<DatasetVersion> versions(String name) {
    List<DatasetVersion> versions = table.versions(name);
    if (versions.isEmpty()) {
      throw PierException.notFound("no dataset '" + name + "'");
    }
    return versions;
  }

  public List<Summary> datasets() {
    Map<String, List<DatasetVersion>> byName = new LinkedHashMap<>();
    for (DatasetVersion v : table.all()) {
      byName.computeIfAbsent(v.name(), k -> new java.util.ArrayList<>()).add(v);
    }
    return byName.entrySet().stream().map(e -> new Summary(e.getKey(), e.getValue().size(),
        e.getValue().stream().max(java.util.Comparator.comparing(DatasetVersion::createdAt)).orElseThrow())).toList();
  }

  /** The label and feature columns of every row of {@code v}. */
  public DatasetReader.Rows rows(DatasetVersion v, String label, List<String> features) {
    return reader.read(files.fetch(v.manifest()), v.format(), label, features);
  }

  /** With each row's {@code group} value (or null), ordered by {@code time} (or file order). */
  public DatasetReader.Rows rows(DatasetVersion v, String label, List<String> features, String group, String time) {
    return reader.read(files.fetch(v.manifest()), v.format(), label, features, group, time);
  }

  /** With {@code categorical} features coded by their sorted distinct values ({@link DatasetReader.Rows#categories}). */
  public DatasetReader.Rows rows(DatasetVersion v, String label, List<String> features, String group, String time,
      List<String> categorical) {
    return reader.read(files.fetch(v.manifest()), v.format(), label, features, group, time, categorical);
  }

  private static String defaultName(DatasetManifest m) {
    String path = m.prefix().endsWith("/") ? m.prefix().substring(0, m.prefix().length() - 1) : m.prefix();
    String last = path.substring(path.lastIndexOf('/') + 1);
    int dot = last.indexOf('.');
    String n = dot > 0 ? last.substring(0, dot) : last;
    return n.isEmpty() ? m.bucket() : checkName(n);
  }

  static String checkName(String name) {
    if (!NAME.matcher(name).matches()) {
      throw PierException.badRequest("dataset name must be letters, digits, '.', '_' or '-' (at most 128), not '"
          + name + "'");
    }
    return name;
  }

  Instant now() {
    return clock.instant();
  }
}
