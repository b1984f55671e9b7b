package dev.pier.training.datasets;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Local copies of a dataset version's objects, under {@code <cache>/<digest>/}: DuckDB reads local files (its S3
 * extension is not available offline), and a version's files never change, so each is fetched once per process
 * directory and reused by every trial. A file is written under a temporary name and moved into place, so a copy
 * interrupted by a crash is never read.
 */
public final class DatasetFiles {
  private final S3Client s3;
  private final Path cache;

  public DatasetFiles(S3Client s3, Path cache) {
    this.s3 = s3;
    this.cache = cache;
  }

  public List<Path> fetch(DatasetManifest manifest) {
    Path dir = cache.resolve(manifest.digest());
    List<Path> files = new ArrayList<>();
    try {
      Files.createDirectories(dir);
      int i = 0;
      for (DatasetObject o : manifest.objects()) {
        Path file = dir.resolve(String.format("%05d%s", i++, manifest.format() == DataFormat.CSV ? ".csv" : ".parquet"));
        if (!Files.exists(file) || Files.size(file) != o.size()) {
          Path tmp = Files.createTempFile(dir, "part", ".tmp");
          // pinned to the manifest's ETag: a file replaced since the version was recorded fails instead of mixing in
          s3.getObject(b -> b.bucket(manifest.bucket()).key(o.key()).ifMatch(o.etag()),
              software.amazon.awssdk.core.sync.ResponseTransformer.toFile(tmpReplaced(tmp)));
          Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        files.add(file);
      }
      return files;
    } catch (IOException e) {
      throw new UncheckedIOException("could not copy dataset " + manifest.digest() + " locally", e);
    }
  }

  /** The SDK's toFile refuses an existing file: hand it a path it may create. */
  private static Path tmpReplaced(Path tmp) throws IOException {
    Files.delete(tmp);
    return tmp;
  }
}
