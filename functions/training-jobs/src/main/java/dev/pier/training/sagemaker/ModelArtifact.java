package dev.pier.training.sagemaker;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/** The model file inside the {@code model.tar.gz} a SageMaker training job writes from {@code /opt/ml/model}. */
public final class ModelArtifact {
  private ModelArtifact() {}

  /**
   * The bytes of {@code file} in the archive (its path relative to the model directory), or of its only regular file
   * when {@code file} is null; an {@link IllegalArgumentException} naming what the archive holds otherwise.
   */
  public static byte[] file(byte[] tarGz, String file) {
    List<String> names = new ArrayList<>();
    byte[] only = null;
    try (var in = new TarArchiveInputStream(new GzipCompressorInputStream(new ByteArrayInputStream(tarGz)))) {
      for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        if (!e.isFile()) {
          continue;
        }
        String name = e.getName().startsWith("./") ? e.getName().substring(2) : e.getName();
        names.add(name);
        if (file != null && file.equals(name)) {
          return in.readAllBytes();
        }
        if (file == null) {
          only = in.readAllBytes();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("the model artifact is not a readable tar.gz: " + e.getMessage(), e);
    }
    if (file == null && names.size() == 1) {
      return only;
    }
    throw new IllegalArgumentException("the model artifact holds " + names + ", not "
        + (file == null ? "exactly one file" : "'" + file + "'"));
  }
}
