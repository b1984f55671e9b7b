package dev.pier.standin.dynamodb;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * All tables, one read-write lock over them, and their persistence: an append-only log of committed mutations (one
 * JSON line each, handed to the OS on every commit) replayed over a snapshot at start, compacted at start and close.
 * The snapshot uses the log's own line format, so loading is "replay snapshot, then replay log". Replay is idempotent
 * (puts carry whole item images), which makes the crash window between snapshot rename and log truncation harmless.
 */
final class Store implements Closeable {

    private static final Logger LOG = Logger.getLogger(Store.class.getName());
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final String SNAPSHOT = "snapshot.jsonl";
    static final String WAL = "wal.jsonl";
    static final String LOCK = "LOCK";
    static final long DEFAULT_COMPACT_THRESHOLD = 64L * 1024 * 1024;

    /** One committed item mutation: a put of a whole item image, or a delete by key. */
    record Mut(String table, Map<String, Av> put, Map<String, Av> deleteKey) {
        static Mut put(String table, Map<String, Av> item) { return new Mut(table, item, null); }
        static Mut delete(String table, Map<String, Av> key) { return new Mut(table, null, key); }
    }

    final TreeMap<String, Table> tables = new TreeMap<>();
    final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

    private final Path dir;
    private FileChannel lockChannel;
    private FileLock fileLock;
    private FileChannel wal;
    private long walBytes;
    /** The last snapshot's size: the log may grow as large before the next rewrite (see {@link #maybeCompact}). */
    private long snapshotBytes;
    private boolean closed;
    private final long compactThreshold;

    Store(Path dir) throws IOException {
        this(dir, DEFAULT_COMPACT_THRESHOLD);
    }

    /** compactThreshold: log size in bytes beyond which a commit also rewrites the snapshot. */
    Store(Path dir, long compactThreshold) throws IOException {
        this.dir = dir;
        this.compactThreshold = compactThreshold;
        if (dir == null) return;
        Files.createDirectories(dir);
        lockChannel = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            fileLock = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            fileLock = null;
        }
        if (fileLock == null) {
            lockChannel.close();
            throw new IllegalStateException("DynamoDB stand-in data directory " + dir
                    + " is already in use by another LocalDynamoDb (could not lock " + dir.resolve(LOCK) + ")");
        }
        try {
            replay(dir.resolve(SNAPSHOT), false);
            replay(dir.resolve(WAL), true);
            compact();
        } catch (IOException | RuntimeException e) {
            releaseLock();
            throw e;
        }
    }

    // ------------------------------------------------------------------ mutations (callers hold the write lock)

    void createTable(TableDef def) {
        ObjectNode rec = JsonNodeFactory.instance.objectNode().put("op", "c");
        rec.set("def", def.toJson());
        log(rec);
        tables.put(def.name, new Table(def));
        maybeCompact();
    }

    void deleteTable(String name) {
        log(JsonNodeFactory.instance.objectNode().put("op", "d").put("t", name));
        tables.remove(name);
        maybeCompact();
    }

    /** Replaces a table's definition (indexes, TTL, tags, billing) keeping its items. */
    void redefine(TableDef def) {
        ObjectNode rec = JsonNodeFactory.instance.objectNode().put("op", "r");
        rec.set("def", def.toJson());
        log(rec);
        applyRedefine(def);
        maybeCompact();
    }

    /** Logs then applies a group of mutations atomically (one log line). */
    void commit(List<Mut> muts) {
        if (muts.isEmpty()) return;
        log(writeRecord(muts));
        for (Mut m : muts) apply(m);
        maybeCompact();
    }

    /**
     * Rewrites the snapshot once the log is large — larger than the threshold and than the last snapshot, so that the
     * rewrites of a growing store cost amortised O(1) per logged byte (a fixed threshold made every 64 MiB of log
     * rewrite the whole store: 10,000 training trials doubled the stand-in's CPU per call). Only after the logged
     * mutation was applied in memory.
     */
    private void maybeCompact() {
        if (wal == null || walBytes <= Math.max(compactThreshold, snapshotBytes)) return;
        try {
            compact();
        } catch (IOException e) {
            throw new UncheckedIOException("could not compact the DynamoDB stand-in log in " + dir, e);
        }
    }

    private void applyRedefine(TableDef def) {
        Table t = tables.get(def.name);
        if (t == null) tables.put(def.name, new Table(def));
        else t.redefine(def);
    }

    private void apply(Mut m) {
        Table t = tables.get(m.table());
        if (t == null) return;
        if (m.put() != null) t.put(m.put());
        else t.delete(m.deleteKey());
    }

    private static ObjectNode writeRecord(List<Mut> muts) {
        ObjectNode rec = JsonNodeFactory.instance.objectNode().put("op", "w");
        ArrayNode a = rec.putArray("m");
        for (Mut m : muts) {
            ObjectNode o = a.addObject().put("t", m.table());
            if (m.put() != null) o.set("p", Av.itemToJson(m.put()));
            else o.set("d", Av.itemToJson(m.deleteKey()));
        }
        return rec;
    }

    private void log(ObjectNode rec) {
        if (closed) {
            throw new DynamoException("com.amazonaws.dynamodb.v20120810#InternalServerError", 500, "LocalDynamoDb is closed");
        }
        if (wal == null) return;
        try {
            byte[] line = MAPPER.writeValueAsBytes(rec);
            ByteBuffer buf = ByteBuffer.allocate(line.length + 1).put(line).put((byte) '\n').flip();
            while (buf.hasRemaining()) wal.write(buf);
            walBytes += line.length + 1;
        } catch (IOException e) {
            throw new UncheckedIOException("could not append to the DynamoDB stand-in log in " + dir, e);
        }
    }

    // ------------------------------------------------------------------ replay and compaction

    private void replay(Path file, boolean tolerateTornTail) throws IOException {
        if (!Files.exists(file)) return;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8))) {
            String line = r.readLine();
            int lineNo = 0;
            while (line != null) {
                lineNo++;
                String next = r.readLine();
                if (!line.isBlank()) {
                    JsonNode rec;
                    try {
                        rec = MAPPER.readTree(line);
                    } catch (IOException e) {
                        if (tolerateTornTail && next == null) {
                            LOG.log(Level.WARNING, "Ignoring torn last line " + lineNo + " of " + file);
                            break;
                        }
                        throw new IOException("Corrupt record at line " + lineNo + " of " + file, e);
                    }
                    replayRecord(rec);
                }
                line = next;
            }
        }
    }

    private void replayRecord(JsonNode rec) {
        switch (rec.path("op").asText()) {
            case "c" -> {
                TableDef def = TableDef.fromCreateRequest(rec.get("def"));
                tables.put(def.name, new Table(def));
            }
            case "d" -> tables.remove(rec.path("t").asText());
            case "r" -> applyRedefine(TableDef.fromCreateRequest(rec.get("def")));
            case "w" -> {
                for (JsonNode m : rec.get("m")) {
                    String t = m.path("t").asText();
                    if (m.has("p")) apply(Mut.put(t, Av.itemFromJson(m.get("p"))));
                    else apply(Mut.delete(t, Av.itemFromJson(m.get("d"))));
                }
            }
            default -> throw new IllegalStateException("unknown log record " + rec);
        }
    }

    /** Writes all state into a new snapshot (temp file, fsync, atomic rename) and empties the log. */
    void compact() throws IOException {
        if (dir == null) return;
        Path tmp = dir.resolve(SNAPSHOT + ".tmp");
        try (FileOutputStream fos = new FileOutputStream(tmp.toFile());
             OutputStream out = new BufferedOutputStream(fos, 1 << 16)) {
            for (Table t : tables.values()) {
                ObjectNode c = JsonNodeFactory.instance.objectNode().put("op", "c");
                c.set("def", t.def.toJson());
                writeLine(out, c);
                for (NavigableMap<Table.Tuple, Map<String, Av>> inner : t.rows.values()) {
                    for (Map<String, Av> item : inner.values()) {
                        writeLine(out, writeRecord(List.of(Mut.put(t.def.name, item))));
                    }
                }
            }
            out.flush();
            fos.getFD().sync();
        }
        snapshotBytes = Files.size(tmp);
        Files.move(tmp, dir.resolve(SNAPSHOT), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDir();
        if (wal != null) wal.close();
        wal = FileChannel.open(dir.resolve(WAL), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        wal.force(true);
        walBytes = 0;
    }

    private void syncDir() {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // not all platforms can sync a directory; the rename itself is still atomic
        }
    }

    private static void writeLine(OutputStream out, JsonNode rec) throws IOException {
        out.write(MAPPER.writeValueAsBytes(rec));
        out.write('\n');
    }

    // ------------------------------------------------------------------ TTL

    /** Deletes items whose TTL attribute (epoch seconds) lies in the past, at most five years back as DynamoDB does. */
    int sweepExpired(long nowSeconds) {
        record Expired(String table, Map<String, Av> key) {}
        List<Expired> expired = new ArrayList<>();
        BigDecimal from = BigDecimal.valueOf(nowSeconds - 5L * 365 * 24 * 3600), to = BigDecimal.valueOf(nowSeconds);
        lock.readLock().lock();
        try {
            for (Table t : tables.values()) {
                if (!t.def.ttlEnabled || t.def.ttlAttr == null) continue;
                for (Map<String, Av> key : t.dueKeys(from, to)) expired.add(new Expired(t.def.name, key));
            }
        } finally {
            lock.readLock().unlock();
        }
        if (expired.isEmpty()) return 0;
        int n = 0;
        lock.writeLock().lock();
        try {
            if (closed) return 0;
            List<Mut> muts = new ArrayList<>();
            for (Expired e : expired) {
                Table t = tables.get(e.table());
                if (t == null || !t.def.ttlEnabled) continue;
                Map<String, Av> item = t.get(e.key());
                if (item != null && isExpired(item.get(t.def.ttlAttr), nowSeconds)) {
                    muts.add(Mut.delete(e.table(), e.key()));
                    n++;
                }
            }
            commit(muts);
        } finally {
            lock.writeLock().unlock();
        }
        return n;
    }

    private static boolean isExpired(Av v, long nowSeconds) {
        if (!(v instanceof Av.N n)) return false;
        BigDecimal t = n.v();
        return t.compareTo(BigDecimal.valueOf(nowSeconds)) < 0
                && t.compareTo(BigDecimal.valueOf(nowSeconds - 5L * 365 * 24 * 3600)) >= 0;
    }

    // ------------------------------------------------------------------ close

    @Override
    public void close() throws IOException {
        lock.writeLock().lock();
        try {
            if (closed) return;
            closed = true;
            if (dir != null) {
                try {
                    compact();
                } finally {
                    if (wal != null) wal.close();
                    wal = null;
                    releaseLock();
                }
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Simulates a crash in tests: releases files without compacting. */
    void abandon() throws IOException {
        lock.writeLock().lock();
        try {
            closed = true;
            if (wal != null) wal.close();
            wal = null;
            releaseLock();
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void releaseLock() throws IOException {
        if (fileLock != null) {
            fileLock.release();
            fileLock = null;
        }
        if (lockChannel != null) {
            lockChannel.close();
            lockChannel = null;
        }
    }

    boolean isClosed() {
        return closed;
    }
}
