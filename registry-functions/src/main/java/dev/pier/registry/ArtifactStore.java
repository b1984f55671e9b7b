package dev.pier.registry;

import dev.pier.kernel.PierException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Model artifacts in S3 under their content address, {@code artifacts/sha256/<hex>}: identical bytes are stored
 * once, and every reader can verify what it got against the address it asked for.
 */
public final class ArtifactStore {
  private static final String PREFIX = "artifacts/sha256/";
  private final S3Client s3;
  private final String bucket;

  private final long partBytes;
  private final Duration completionWait;

  public ArtifactStore(S3Client s3, String bucket) {
    this(s3, bucket, PART_BYTES, COMPLETION_WAIT);
  }

  /** With smaller parts (S3's minimum is 5 MiB) and a shorter wait for a completion's outcome: tests. */
  ArtifactStore(S3Client s3, String bucket, long partBytes, Duration completionWait) {
    this.s3 = s3;
    this.bucket = bucket;
    this.partBytes = partBytes;
    this.completionWait = completionWait;
  }

  public String bucket() {
    return bucket;
  }

  /** The result of storing a file: its digest, size and key. */
  public record StoredArtifact(String sha256, long sizeBytes, String key) {}

  /** Stores a local file under its content address; a file already stored is not uploaded again. */
  public StoredArtifact put(Path file) {
    try (Held held = putHeld(file, sha256(file))) {
      return held.stored();
    } catch (IOException e) {
      throw new PierException(500, "could not read the uploaded artifact: " + e.getMessage(), e);
    }
  }

  /**
   * Stores a local file whose SHA-256 is {@code sha256} under its content address, and keeps that key from this
   * process's {@link #sweep} until the answer is closed: a registration holds it from before it looks for the key
   * until its version is written. Without the hold, a registration whose bytes are already stored (an unreferenced
   * copy older than the sweep's grace: a deleted version's, or an abandoned registration's) uploads nothing, and a
   * sweep between that look and the version's write would delete the artifact the new version names.
   */
  public Held putHeld(Path file, String sha256) {
    String key = PREFIX + sha256;
    synchronized (holds) {
      holds.merge(key, 1, Integer::sum);
    }
    Held held = new Held(this, key);
    try {
      long size = Files.size(file);
      if (!exists(key)) {
        if (size > partBytes) {
          putMultipart(file, size, key);
        } else {
          s3.putObject(b -> b.bucket(bucket).key(key).contentLength(size), RequestBody.fromFile(file));
        }
      }
      held.stored = new StoredArtifact(sha256, size, key);
      return held;
    } catch (IOException | RuntimeException e) {
      held.close();
      if (e instanceof RuntimeException r) {
        throw r;
      }
      throw new PierException(500, "could not read the uploaded artifact: " + e.getMessage(), e);
    }
  }

  /** A stored artifact that the sweep leaves alone until {@link #close()}. */
  public static final class Held implements AutoCloseable {
    private final ArtifactStore store;
    private final String key;
    private StoredArtifact stored;
    private boolean closed;

    private Held(ArtifactStore store, String key) {
      this.store = store;
      this.key = key;
    }

    public StoredArtifact stored() {
      return stored;
    }

    @Override
    public void close() {
      synchronized (store.holds) {
        if (!closed) {
          closed = true;
          store.holds.computeIfPresent(key, (k, n) -> n > 1 ? n - 1 : null);
        }
      }
    }
  }

  /** Keys held by registrations in flight in this process, with how many hold each (guarded by itself). */
  private final java.util.Map<String, Integer> holds = new java.util.HashMap<>();

  /** S3 takes at most 5 GB in one PUT; above this an artifact is stored as a multipart upload of 64 MiB parts. */
  static final long MULTIPART_THRESHOLD = 64L << 20;
  private static final long PART_BYTES = MULTIPART_THRESHOLD;
  /** How long a completion whose answer never came may take to show its outcome in the bucket. */
  private static final Duration COMPLETION_WAIT = Duration.ofMinutes(15);

  /**
   * Uploads {@code file} in parts read straight from disk (never whole in heap), then completes the upload. The store,
   * not the completion's answer, says whether it worked: assembling a multipart object can outlast the client's
   * socket timeout (S3 keeps the connection alive with whitespace meanwhile; the local stand-in sends nothing until
   * it has copied every part), and the SDK then retries a completion that is still running, which answers
   * {@code NoSuchUpload} or times out once more although the first attempt stores the object. So a completion
   * without a definite refusal is followed by {@link #awaitCompletion}: the object at the content address with the
   * file's size is success (the key is the SHA-256 of its bytes, and every load verifies it again). An upload is
   * aborted only when it is known not to have completed, so its parts do not linger (the sweep and the bucket's
   * lifecycle rule catch those of a killed process).
   */
  private void putMultipart(Path file, long size, String key) {
    String uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key(key)).uploadId();
    List<software.amazon.awssdk.services.s3.model.CompletedPart> parts = new ArrayList<>();
    try {
      int number = 1;
      for (long offset = 0; offset < size; offset += partBytes, number++) {
        long from = offset;
        long length = Math.min(partBytes, size - offset);
        int partNumber = number;
        // a provider, not a stream: the signer reads the part once to hash it and again to send it
        String etag = s3.uploadPart(b -> b.bucket(bucket).key(key).uploadId(uploadId).partNumber(partNumber)
            .contentLength(length), RequestBody.fromContentProvider(() -> slice(file, from, length), length,
                "application/octet-stream")).eTag();
        parts.add(software.amazon.awssdk.services.s3.model.CompletedPart.builder().partNumber(partNumber).eTag(etag)
            .build());
      }
    } catch (RuntimeException e) {
      abortQuietly(key, uploadId, e);
      throw e;
    }
    try {
      s3.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId)
          .multipartUpload(m -> m.parts(parts)));
    } catch (NoSuchUploadException e) {
      // gone: completed by an earlier attempt of this call whose answer was lost, or aborted
      if (!storedWithSize(key, size)) {
        throw e;
      }
    } catch (S3Exception e) {
      if (e.statusCode() < 500) { // a definite refusal (InvalidPart, EntityTooSmall, …): nothing was stored
        abortQuietly(key, uploadId, e);
        throw e;
      }
      awaitCompletion(key, size, uploadId, e);
    } catch (SdkClientException e) { // no answer (read timed out after the SDK's retries): the outcome is unknown
      awaitCompletion(key, size, uploadId, e);
    }
  }

  /**
   * Waits until the bucket shows how a completion whose answer was lost ended: returns once the object is stored at
   * {@code key} with {@code size} bytes; throws {@code failure} once the upload is gone without it (aborted), or
   * when neither happens within the completion wait (the upload is then aborted).
   */
  private void awaitCompletion(String key, long size, String uploadId, RuntimeException failure) {
    long deadline = System.nanoTime() + completionWait.toNanos();
    while (true) {
      boolean pending;
      try {
        if (storedWithSize(key, size)) {
          return;
        }
        s3.listParts(b -> b.bucket(bucket).key(key).uploadId(uploadId).maxParts(1));
        pending = true;
      } catch (NoSuchUploadException gone) {
        pending = false;
      } catch (SdkClientException | S3Exception unreachable) { // the store does not answer either: give up
        failure.addSuppressed(unreachable);
        throw failure;
      }
      if (!pending) {
        // the upload ended between the two looks: completed just now, or aborted
        if (storedWithSize(key, size)) {
          return;
        }
        throw failure;
      }
      if (System.nanoTime() > deadline) {
        abortQuietly(key, uploadId, failure);
        throw failure;
      }
      try {
        Thread.sleep(COMPLETION_POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failure.addSuppressed(e);
        throw failure;
      }
    }
  }

  private static final Duration COMPLETION_POLL = Duration.ofMillis(500);

  private boolean storedWithSize(String key, long size) {
    try {
      return s3.headObject(b -> b.bucket(bucket).key(key)).contentLength() == size;
    } catch (NoSuchKeyException e) {
      return false;
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return false;
      }
      throw e;
    }
  }

  private void abortQuietly(String key, String uploadId, RuntimeException cause) {
    try {
      s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
    } catch (RuntimeException suppressed) {
      cause.addSuppressed(suppressed);
    }
  }

  /** {@code length} bytes of {@code file} from {@code offset}, read from disk as they are sent. */
  private static InputStream slice(Path file, long offset, long length) {
    try {
      FileChannel channel = FileChannel.open(file, StandardOpenOption.READ).position(offset);
      return new java.io.BufferedInputStream(new InputStream() {
        private long left = length;
        private final InputStream in = java.nio.channels.Channels.newInputStream(channel);

        @Override
        public int read() throws IOException {
          byte[] one = new byte[1];
          return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          if (left <= 0) {
            return -1;
          }
          int n = in.read(b, off, (int) Math.min(len, left));
          if (n > 0) {
            left -= n;
          }
          return n;
        }

        @Override
        public void close() throws IOException {
          in.close();
        }
      }, 1 << 16);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private boolean exists(String key) {
    try {
      s3.headObject(b -> b.bucket(bucket).key(key));
      return true;
    } catch (NoSuchKeyException e) {
      return false;
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return false;
      }
      throw e;
    }
  }

  /**
   * Downloads an artifact to {@code target} and verifies its SHA-256, never holding the file in heap. Small
   * artifacts come in one streamed GET; large ones in parallel ranged GETs written at their offsets, then hashed
   * from disk. On a mismatch nothing is left at {@code target} and the caller gets a 500 naming both digests.
   */
  public void download(String key, String expectedSha256, Path target) {
    Path partial = target.resolveSibling(target.getFileName() + ".part-" + ProcessHandle.current().pid()
        + "-" + Thread.currentThread().threadId());
    String actual;
    try {
      long size = s3.headObject(b -> b.bucket(bucket).key(key)).contentLength();
      if (size > RANGED_THRESHOLD) {
        downloadRanged(key, size, partial);
        actual = sha256(partial);
      } else {
        MessageDigest digest = newDigest();
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(bucket).key(key));
            InputStream hashing = new DigestInputStream(in, digest);
            OutputStream out = Files.newOutputStream(partial)) {
          hashing.transferTo(out);
        }
        actual = HexFormat.of().formatHex(digest.digest());
      }
    } catch (NoSuchKeyException e) {
      throw new PierException(500, "artifact " + key + " is missing from bucket " + bucket, e);
    } catch (S3Exception e) {
      deleteQuietly(partial);
      if (e.statusCode() == 404) {
        throw new PierException(500, "artifact " + key + " is missing from bucket " + bucket, e);
      }
      throw new PierException(503, "could not download artifact " + key + ": " + e.getMessage(), e);
    } catch (IOException | RuntimeException e) {
      deleteQuietly(partial);
      if (e instanceof PierException p) {
        throw p;
      }
      throw new PierException(503, "could not download artifact " + key + ": " + e.getMessage(), e);
    }
    if (!actual.equals(expectedSha256)) {
      deleteQuietly(partial);
      throw new PierException(500, "artifact " + key + " failed SHA-256 verification: expected "
          + expectedSha256 + ", got " + actual + "; refusing to load it");
    }
    try {
      Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      deleteQuietly(partial);
      throw new PierException(500, "could not place artifact " + key + " at " + target + ": " + e.getMessage(), e);
    }
  }

  /** Above this size an artifact is fetched in parallel ranges (S3 serves each connection at a bounded rate). */
  static final long RANGED_THRESHOLD = 64L << 20;
  private static final long RANGE_BYTES = 32L << 20;
  private static final int RANGE_PARALLELISM = 4;

  private void downloadRanged(String key, long size, Path partial) throws IOException {
    try (FileChannel file = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING);
        ExecutorService pool = Executors.newFixedThreadPool(RANGE_PARALLELISM,
            Thread.ofPlatform().daemon().name("pier-artifact-range-", 0).factory())) {
      List<Future<?>> parts = new ArrayList<>();
      for (long start = 0; start < size; start += RANGE_BYTES) {
        long from = start;
        long to = Math.min(size, start + RANGE_BYTES) - 1;
        parts.add(pool.submit(() -> {
          try (ResponseInputStream<GetObjectResponse> in =
              s3.getObject(b -> b.bucket(bucket).key(key).range("bytes=" + from + "-" + to))) {
            byte[] buffer = new byte[1 << 16];
            long at = from;
            int n;
            while ((n = in.read(buffer)) > 0) {
              ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
              while (chunk.hasRemaining()) {
                at += file.write(chunk, at);
              }
            }
            if (at != to + 1) {
              throw new IOException("range " + from + "-" + to + " of " + key + " ended early at " + at);
            }
          }
          return null;
        }));
      }
      for (Future<?> part : parts) {
        try {
          part.get();
        } catch (ExecutionException e) {
          throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted", e);
        }
      }
    }
  }

  /** The stored size of an artifact, in bytes. */
  public long size(String key) {
    try {
      return s3.headObject(b -> b.bucket(bucket).key(key)).contentLength();
    } catch (NoSuchKeyException e) {
      throw new PierException(500, "artifact " + key + " is missing from bucket " + bucket, e);
    }
  }

  /** What a sweep removed: stored objects no version references, and incomplete multipart uploads aborted. */
  public record Swept(List<String> objects, List<String> abortedUploads) {
    public boolean isEmpty() {
      return objects.isEmpty() && abortedUploads.isEmpty();
    }
  }

  /**
   * Removes what interrupted registrations leave in the bucket: objects under the artifact and upload prefixes
   * that {@code referenced} does not name (partial writes, artifacts of registrations that never recorded their
   * version, completed uploads whose registration died, artifacts of deleted versions) last written before
   * {@code unreferencedBefore}, and multipart uploads started before {@code abortBefore} and never completed. The
   * grace before {@code unreferencedBefore} keeps an in-flight registration's new upload (stored just before its
   * version is written), and a {@link #putHeld hold} keeps an older copy such a registration found already stored.
   * References are read after the listing, so a version recorded meanwhile still counts.
   */
  public Swept sweep(java.util.function.Supplier<java.util.Set<String>> referenced, java.time.Instant unreferencedBefore,
      java.time.Instant abortBefore) {
    List<String> candidates = new ArrayList<>();
    for (String prefix : List.of(PREFIX, UPLOADS_PREFIX)) {
      s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents().forEach(o -> {
        if (o.lastModified().isBefore(unreferencedBefore)) {
          candidates.add(o.key());
        }
      });
    }
    java.util.Set<String> inUse = candidates.isEmpty() ? java.util.Set.of() : referenced.get();
    List<String> deleted = new ArrayList<>();
    for (String key : candidates) {
      if (!inUse.contains(key)) {
        synchronized (holds) { // a registration holds its key before it looks for it: it sees the delete or is skipped
          if (holds.containsKey(key)) {
            continue;
          }
          s3.deleteObject(b -> b.bucket(bucket).key(key));
        }
        deleted.add(key);
      }
    }
    List<String> aborted = new ArrayList<>();
    for (String prefix : List.of(PREFIX, UPLOADS_PREFIX)) {
      for (var upload : s3.listMultipartUploadsPaginator(b -> b.bucket(bucket).prefix(prefix)).uploads()) {
        if (upload.initiated().isBefore(abortBefore)) {
          s3.abortMultipartUpload(b -> b.bucket(bucket).key(upload.key()).uploadId(upload.uploadId()));
          aborted.add(upload.key());
        }
      }
    }
    return new Swept(deleted, aborted);
  }

  /** Where presigned multipart uploads land before their registration stores them under their content address. */
  public static final String UPLOADS_PREFIX = "uploads/";

  public void createBucketIfMissing() {
    try {
      s3.headBucket(b -> b.bucket(bucket));
    } catch (S3Exception e) {
      if (e.statusCode() != 404) {
        throw e;
      }
      s3.createBucket(b -> b.bucket(bucket));
    }
  }

  public static String sha256(Path file) throws IOException {
    MessageDigest digest = newDigest();
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // best effort: a leftover .part file is never read
    }
  }
}
