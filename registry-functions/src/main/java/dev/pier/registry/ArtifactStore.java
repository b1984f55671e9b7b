package dev.pier.registry;

import dev.pier.kernel.PierException;
import java.io.IOException;
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
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Model artifacts in S3 under their content address, {@code artifacts/sha256/<hex>}: identical bytes are stored
 * once, and every reader can verify what it got against the address it asked for.
 */
public final class ArtifactStore {
  private static final String PREFIX = "artifacts/sha256/";
  private final S3Client s3;
  private final String bucket;

  public ArtifactStore(S3Client s3, String bucket) {
    this.s3 = s3;
    this.bucket = bucket;
  }

  public String bucket() {
    return bucket;
  }

  /** The result of storing a file: its digest, size and key. */
  public record StoredArtifact(String sha256, long sizeBytes, String key) {}

  /** Stores a local file under its content address; a file already stored is not uploaded again. */
  public StoredArtifact put(Path file) {
    try {
      String sha = sha256(file);
      long size = Files.size(file);
      String key = PREFIX + sha;
      if (!exists(key)) {
        s3.putObject(b -> b.bucket(bucket).key(key).contentLength(size), RequestBody.fromFile(file));
      }
      return new StoredArtifact(sha, size, key);
    } catch (IOException e) {
      throw new PierException(500, "could not read the uploaded artifact: " + e.getMessage(), e);
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
   * Downloads an artifact to {@code target}, streaming (never the whole file in heap) and verifying its SHA-256.
   * On a mismatch nothing is left at {@code target} and the caller gets a 500 naming both digests.
   */
  public void download(String key, String expectedSha256, Path target) {
    Path partial = target.resolveSibling(target.getFileName() + ".part-" + ProcessHandle.current().pid()
        + "-" + Thread.currentThread().threadId());
    MessageDigest digest = newDigest();
    try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(bucket).key(key));
        InputStream hashing = new DigestInputStream(in, digest);
        OutputStream out = Files.newOutputStream(partial)) {
      hashing.transferTo(out);
    } catch (NoSuchKeyException e) {
      throw new PierException(500, "artifact " + key + " is missing from bucket " + bucket, e);
    } catch (IOException e) {
      deleteQuietly(partial);
      throw new PierException(503, "could not download artifact " + key + ": " + e.getMessage(), e);
    }
    String actual = HexFormat.of().formatHex(digest.digest());
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
