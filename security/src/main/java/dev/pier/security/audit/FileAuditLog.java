package dev.pier.security.audit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;

/**
 * The audit trail of local mode, as JSON lines under one directory: {@code events.jsonl} holds state changes and is
 * only ever appended to (each entry forced to disk before the change is answered); {@code samples/<date>.jsonl}
 * holds prediction samples, one file per UTC day so expiry drops whole files and erasure rewrites only what it must.
 */
public final class FileAuditLog implements AuditLog {
  private final Path events;
  private final Path samples;
  private final FileChannel eventsChannel;

  public FileAuditLog(Path dir) {
    try {
      Files.createDirectories(dir.resolve("samples"));
      this.events = dir.resolve("events.jsonl");
      this.samples = dir.resolve("samples");
      this.eventsChannel = FileChannel.open(events, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("could not open the audit log in " + dir, e);
    }
  }

  @Override
  public synchronized void append(AuditEvent event) {
    byte[] line = (AuditJson.write(event) + "\n").getBytes(StandardCharsets.UTF_8);
    try {
      if (event.sample()) {
        Files.write(sampleFile(event.at()), line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      } else {
        ByteBuffer buffer = ByteBuffer.wrap(line);
        while (buffer.hasRemaining()) {
          eventsChannel.write(buffer);
        }
        eventsChannel.force(false);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not write the audit log", e);
    }
  }

  @Override
  public synchronized List<AuditEvent> query(AuditQuery query) {
    List<AuditEvent> out = new ArrayList<>();
    try {
      read(events, query, out);
      if (query.samples()) {
        for (Path file : sampleFiles()) {
          read(file, query, out);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not read the audit log", e);
    }
    out.sort((a, b) -> b.at().compareTo(a.at()));
    return out.size() > query.limit() ? out.subList(0, query.limit()) : out;
  }

  @Override
  public synchronized int eraseSubject(String subjectHash) {
    int removed = 0;
    try {
      for (Path file : sampleFiles()) {
        removed += rewrite(file, e -> !subjectHash.equals(e.subject()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not erase from the audit samples", e);
    }
    return removed;
  }

  /** Rewrites a samples file (atomically) with only the entries {@code keep} accepts; returns how many went. */
  private static int rewrite(Path file, java.util.function.Predicate<AuditEvent> keep) throws IOException {
    List<String> kept = new ArrayList<>();
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    for (String line : lines) {
      if (!line.isBlank() && keep.test(AuditJson.read(line))) {
        kept.add(line);
      }
    }
    int gone = lines.size() - kept.size();
    if (gone > 0) {
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.write(tmp, kept, StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
    return gone;
  }

  /**
   * Days wholly before the cutoff's day are dropped as files; the cutoff's own day is rewritten without the samples
   * recorded before the cutoff (atomically, as erasure does), so short retention periods work too.
   */
  @Override
  public synchronized int expireSamples(Instant cutoff) {
    LocalDate firstKept = LocalDate.ofInstant(cutoff, ZoneOffset.UTC);
    int removed = 0;
    try {
      for (Path file : sampleFiles()) {
        String name = file.getFileName().toString();
        LocalDate day = LocalDate.parse(name.substring(0, name.length() - ".jsonl".length()));
        if (day.isBefore(firstKept)) {
          removed += (int) Files.readAllLines(file).stream().filter(l -> !l.isBlank()).count();
          Files.delete(file);
        } else if (day.equals(firstKept)) {
          removed += rewrite(file, e -> !e.at().isBefore(cutoff));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not expire audit samples", e);
    }
    return removed;
  }

  @Override
  public synchronized void close() {
    try {
      eventsChannel.close();
    } catch (IOException e) {
      // closing at shutdown: nothing left to save
    }
  }

  private Path sampleFile(Instant at) {
    return samples.resolve(LocalDate.ofInstant(at, ZoneOffset.UTC) + ".jsonl");
  }

  private List<Path> sampleFiles() throws IOException {
    try (Stream<Path> files = Files.list(samples)) {
      List<Path> list = new ArrayList<>(files.filter(p -> p.getFileName().toString().endsWith(".jsonl")).toList());
      Collections.sort(list);
      return list;
    }
  }

  private static void read(Path file, AuditQuery query, List<AuditEvent> out) throws IOException {
    if (!Files.exists(file)) {
      return;
    }
    try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
      lines.filter(l -> !l.isBlank()).map(AuditJson::read).filter(query::matches).forEach(out::add);
    }
  }
}
