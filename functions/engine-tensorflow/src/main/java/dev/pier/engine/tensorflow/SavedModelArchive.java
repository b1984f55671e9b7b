package dev.pier.engine.tensorflow;

import dev.pier.runtime.EngineMessage;
import dev.pier.kernel.PierException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Unpacks an uploaded SavedModel — a .tar.gz, .tar or .zip of the SavedModel directory, which may sit inside one
 * top-level folder — into a staging directory, refusing anything that could write outside it: entries whose
 * normalized path leaves the directory (absolute paths, {@code ..}), links, and archives that unpack to more than
 * a bound of bytes or entries (a decompression bomb fills the disk of a Lambda or a laptop just as well).
 */
final class SavedModelArchive {
  static final String SAVED_MODEL_PB = "saved_model.pb";
  private static final int MAX_ENTRIES = 100_000;

  private SavedModelArchive() {}

  /** A SavedModel directory and how many bytes were unpacked. */
  record Unpacked(Path dir, long bytes) {}

  /** Unpacks {@code archive} into the empty directory {@code into}. */
  static Unpacked unpack(Path archive, Path into, long maxBytes) throws IOException {
    into = into.toAbsolutePath().normalize();
    byte[] magic = new byte[262];
    int read;
    try (InputStream in = Files.newInputStream(archive)) {
      read = in.readNBytes(magic, 0, magic.length);
    }
    Budget budget = new Budget(maxBytes);
    if (read >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
      try (InputStream in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(archive)), 1 << 16)) {
        untar(in, into, budget);
      }
    } else if (read >= 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4) {
      unzip(archive, into, budget);
    } else if (read >= 262 && new String(magic, 257, 5, java.nio.charset.StandardCharsets.US_ASCII).equals("ustar")) {
      try (InputStream in = new BufferedInputStream(Files.newInputStream(archive))) {
        untar(in, into, budget);
      }
    } else {
      throw PierException.badRequest("a TensorFlow artifact must be a .tar.gz or .zip of the SavedModel directory"
          + " (the one holding saved_model.pb); this file is neither");
    }
    return new Unpacked(root(into), budget.total());
  }

  private static void untar(InputStream raw, Path into, Budget budget) throws IOException {
    try (TarArchiveInputStream tar = new TarArchiveInputStream(raw)) {
      for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        budget.entry();
        Path target = target(into, e.getName());
        if (e.isSymbolicLink() || e.isLink() || e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO()) {
          throw PierException.badRequest("archive entry '" + e.getName() + "' is a link or a special file;"
              + " a SavedModel archive may hold only directories and regular files");
        } else if (e.isDirectory()) {
          Files.createDirectories(target);
        } else {
          copy(tar, target, budget);
        }
      }
    } catch (IOException e) {
      if (e.getMessage() != null && e.getMessage().contains("Corrupted") || e instanceof java.io.EOFException) {
        throw PierException.badRequest("the SavedModel archive is damaged: " + EngineMessage.of(e));
      }
      throw e;
    }
  }

  private static void unzip(Path archive, Path into, Budget budget) throws IOException {
    try (ZipInputStream zip = new ZipInputStream(new BufferedInputStream(Files.newInputStream(archive)))) {
      for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
        budget.entry();
        Path target = target(into, e.getName());
        if (e.isDirectory()) {
          Files.createDirectories(target);
        } else {
          copy(zip, target, budget);
        }
      }
    } catch (java.util.zip.ZipException e) {
      throw PierException.badRequest("the SavedModel archive is damaged: " + EngineMessage.of(e));
    }
  }

  private static Path target(Path into, String name) {
    Path target = into.resolve(name.replace('\\', '/')).normalize();
    if (!target.startsWith(into)) {
      throw PierException.badRequest("archive entry '" + name + "' points outside the archive");
    }
    return target;
  }

  private static void copy(InputStream in, Path target, Budget budget) throws IOException {
    Files.createDirectories(target.getParent());
    byte[] buffer = new byte[1 << 16];
    try (OutputStream out = Files.newOutputStream(target)) {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        budget.bytes(n);
        out.write(buffer, 0, n);
      }
    }
  }

  /** The directory holding saved_model.pb: the archive's top, or its one top-level folder. */
  private static Path root(Path into) throws IOException {
    if (Files.isRegularFile(into.resolve(SAVED_MODEL_PB))) {
      return into;
    }
    List<Path> top;
    try (Stream<Path> s = Files.list(into)) {
      top = s.filter(p -> !p.getFileName().toString().startsWith(".")
          && !p.getFileName().toString().equals("__MACOSX")).toList();
    }
    if (top.size() == 1 && Files.isDirectory(top.get(0)) && Files.isRegularFile(top.get(0).resolve(SAVED_MODEL_PB))) {
      return top.get(0);
    }
    throw PierException.badRequest("the archive holds no SavedModel: saved_model.pb must be at its top or inside"
        + " its one top-level folder");
  }

  /** What an archive may still unpack to. */
  private static final class Budget {
    private final long maxBytes;
    private long bytes;
    private int entries;

    Budget(long maxBytes) {
      this.maxBytes = maxBytes;
    }

    void entry() {
      if (++entries > MAX_ENTRIES) {
        throw PierException.badRequest("the SavedModel archive has more than " + MAX_ENTRIES + " entries");
      }
    }

    void bytes(int n) {
      bytes += n;
      if (bytes > maxBytes) {
        throw PierException.badRequest("the SavedModel archive unpacks to more than " + maxBytes
            + " bytes (pier.tensorflow.max-unpacked-bytes)");
      }
    }

    long total() {
      return bytes;
    }
  }
}
