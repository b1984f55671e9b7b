package dev.pier.runtime;

import dev.pier.kernel.PierException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Enumeration;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;

/**
 * Model artifacts that are archives — a .tar.gz, .tar or .zip of a model directory (a TensorFlow SavedModel, an ONNX
 * graph with its external-data files) — unpacked for an engine, confined to the directory they unpack into: an entry
 * whose normalized path leaves it (absolute paths, {@code ..}), a link or special file, or an archive that unpacks to
 * more than a bound of bytes or entries (a decompression bomb fills a disk just as well) is a 400 naming the entry.
 *
 * <p>Unpacking happens next to the archive (the same file system, so nothing is copied twice across disks) into a
 * directory named {@code <archive>.unpacked-<pid>-<n>}; {@link Staged#close()} deletes it, and {@link #sweep} removes
 * the ones a killed process left behind.
 */
public final class ModelArchive {
  private static final int MAX_ENTRIES = 100_000;
  private static final String UNPACKED = ".unpacked-";

  private ModelArchive() {}

  /**
   * An artifact ready for an engine: {@code path} is the artifact file itself or the directory its archive unpacked
   * to; {@code bytes} is what the engine will read (the unpacked size for an archive, not the compressed one).
   */
  public record Staged(Path path, long bytes, boolean unpacked) implements AutoCloseable {
    /** The one file under {@link #path()} that {@code match} accepts, or a 400 saying what was expected. */
    public Path find(Predicate<Path> match, String expected) {
      if (!unpacked && Files.isRegularFile(path)) {
        return path;
      }
      List<Path> found;
      try (Stream<Path> s = Files.walk(path)) {
        found = s.filter(p -> Files.isRegularFile(p) && match.test(p)
            && !path.relativize(p).toString().startsWith("__MACOSX")).sorted().toList();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      if (found.size() != 1) {
        throw PierException.badRequest("the archive must hold exactly one " + expected + "; it holds "
            + (found.isEmpty() ? "none" : found.stream().map(p -> path.relativize(p).toString()).toList()));
      }
      return found.get(0);
    }

    /** Deletes what was unpacked; the artifact file itself is never touched. */
    @Override
    public void close() {
      if (unpacked) {
        deleteRecursively(path);
      }
    }
  }

  /** Whether {@code file} starts like a gzip, zip or tar archive. */
  public static boolean isArchive(Path file) {
    return kind(file) != Kind.NONE;
  }

  /**
   * Stages {@code artifact} for an engine that takes archives: a directory (already unpacked) or a plain file is
   * used as it is; an archive is unpacked next to it, up to {@code maxBytes}.
   */
  public static Staged stage(Path artifact, long maxBytes) {
    try {
      if (Files.isDirectory(artifact)) {
        return new Staged(artifact, sizeOf(artifact), false);
      }
      if (!isArchive(artifact)) {
        return new Staged(artifact, Files.size(artifact), false);
      }
      Path into = artifact.toAbsolutePath().resolveSibling(artifact.getFileName() + UNPACKED
          + ProcessHandle.current().pid() + "-" + Thread.currentThread().threadId() + "-" + System.nanoTime());
      Files.createDirectories(into);
      try {
        return new Staged(into, unpack(artifact, into, maxBytes), true);
      } catch (RuntimeException | IOException e) {
        deleteRecursively(into);
        throw e;
      }
    } catch (IOException e) {
      throw PierException.badRequest("the model archive could not be unpacked: " + e.getMessage());
    }
  }

  /**
   * Removes what earlier processes left in {@code dir}: unpacked directories and {@code .part-<pid>-…} downloads
   * whose process is gone. Those of live processes (this one included) are kept.
   */
  public static int sweep(Path dir) {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    int removed = 0;
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.toList()) {
        String name = p.getFileName().toString();
        long pid = ownerPid(name);
        if (pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) == Boolean.FALSE) {
          deleteRecursively(p);
          removed++;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return removed;
  }

  /** The pid in {@code <name>.unpacked-<pid>-…} or {@code <name>.part-<pid>-…}, or -1. */
  private static long ownerPid(String name) {
    for (String marker : List.of(UNPACKED, ".part-")) {
      int at = name.lastIndexOf(marker);
      if (at >= 0) {
        String rest = name.substring(at + marker.length());
        int dash = rest.indexOf('-');
        try {
          return Long.parseLong(dash < 0 ? rest : rest.substring(0, dash));
        } catch (NumberFormatException e) {
          return -1;
        }
      }
    }
    return -1;
  }

  private enum Kind { GZIP, ZIP, TAR, NONE }

  private static Kind kind(Path file) {
    if (!Files.isRegularFile(file)) {
      return Kind.NONE;
    }
    byte[] magic = new byte[262];
    int read;
    try (InputStream in = Files.newInputStream(file)) {
      read = in.readNBytes(magic, 0, magic.length);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (read >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
      return Kind.GZIP;
    } else if (read >= 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4) {
      return Kind.ZIP;
    } else if (read >= 262 && new String(magic, 257, 5, StandardCharsets.US_ASCII).equals("ustar")) {
      return Kind.TAR;
    }
    return Kind.NONE;
  }

  /** Unpacks {@code archive} into the empty directory {@code into}; returns the bytes unpacked. */
  static long unpack(Path archive, Path into, long maxBytes) throws IOException {
    into = into.toAbsolutePath().normalize();
    Budget budget = new Budget(maxBytes);
    switch (kind(archive)) {
      case GZIP -> {
        try (InputStream in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(archive)), 1 << 16)) {
          untar(in, into, budget);
        }
      }
      case TAR -> {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(archive), 1 << 16)) {
          untar(in, into, budget);
        }
      }
      case ZIP -> unzip(archive, into, budget);
      case NONE -> throw PierException.badRequest("the artifact is not a .tar.gz, .tar or .zip archive");
    }
    return budget.bytes;
  }

  private static void untar(InputStream raw, Path into, Budget budget) throws IOException {
    try (TarArchiveInputStream tar = new TarArchiveInputStream(raw)) {
      for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        budget.entry();
        Path target = target(into, e.getName());
        if (e.isSymbolicLink() || e.isLink() || e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO()) {
          throw PierException.badRequest("archive entry '" + e.getName() + "' is a link or a special file;"
              + " a model archive may hold only directories and regular files");
        } else if (e.isDirectory()) {
          Files.createDirectories(target);
        } else {
          copy(tar, target, budget);
        }
      }
    } catch (IOException e) {
      if (e.getMessage() != null && e.getMessage().contains("Corrupted") || e instanceof java.io.EOFException) {
        throw PierException.badRequest("the model archive is damaged: " + e.getMessage());
      }
      throw e;
    }
  }

  private static void unzip(Path archive, Path into, Budget budget) throws IOException {
    // ZipFile reads the central directory, which (unlike a streamed read) knows which entries are Unix links
    try (ZipFile zip = ZipFile.builder().setPath(archive).get()) {
      for (Enumeration<ZipArchiveEntry> en = zip.getEntries(); en.hasMoreElements(); ) {
        ZipArchiveEntry e = en.nextElement();
        budget.entry();
        Path target = target(into, e.getName());
        if (e.isUnixSymlink()) {
          throw PierException.badRequest("archive entry '" + e.getName() + "' is a link;"
              + " a model archive may hold only directories and regular files");
        } else if (e.isDirectory()) {
          Files.createDirectories(target);
        } else {
          try (InputStream in = zip.getInputStream(e)) {
            copy(in, target, budget);
          }
        }
      }
    } catch (java.util.zip.ZipException e) {
      throw PierException.badRequest("the model archive is damaged: " + e.getMessage());
    }
  }

  private static Path target(Path into, String name) {
    Path target = into.resolve(name.replace('\\', '/')).normalize();
    if (!target.startsWith(into) || name.startsWith("/") || name.startsWith("\\")) {
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

  private static long sizeOf(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }

  static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try {
      Files.walkFileTree(dir, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.deleteIfExists(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
          Files.deleteIfExists(d);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException ignored) {
      // best effort: leftovers are swept at the next start
    }
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
        throw PierException.badRequest("the model archive has more than " + MAX_ENTRIES + " entries");
      }
    }

    void bytes(int n) {
      bytes += n;
      if (bytes > maxBytes) {
        throw PierException.badRequest("the model archive unpacks to more than " + maxBytes + " bytes");
      }
    }
  }
}
