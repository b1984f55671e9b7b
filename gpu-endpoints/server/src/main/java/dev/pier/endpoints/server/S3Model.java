package dev.pier.endpoints.server;

import dev.pier.kernel.PierException;
import dev.pier.registry.ArtifactStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A model the endpoint takes from S3 rather than {@code /opt/ml/model} (ECS tasks, or a server started with
 * {@code --artifact s3://bucket/key --sha256 HEX}): streamed to the instance's disk — ranged parallel GETs for large
 * objects, never the whole model in heap, so models of many GB load — and verified against its SHA-256 before any
 * engine sees it. A file already there with the right digest (a restarted task on the same instance) is not fetched
 * again.
 *
 * @param bucket the bucket
 * @param key the object
 * @param sha256 the digest the registry recorded (64 lower-case hex digits)
 */
record S3Model(String bucket, String key, String sha256) {

  S3Model {
    if (sha256 == null || !sha256.matches("[0-9a-f]{64}")) {
      throw new IllegalArgumentException("an s3:// artifact needs --sha256 (or PIER_ARTIFACT_SHA256): its 64 lower-case"
          + " hex SHA-256 digest, got " + (sha256 == null ? "none" : "'" + sha256 + "'"));
    }
  }

  /** {@code s3://bucket/key}; null when {@code uri} is not an S3 URI. */
  static S3Model parse(String uri, String sha256) {
    if (uri == null || !uri.startsWith("s3://")) {
      return null;
    }
    String rest = uri.substring("s3://".length());
    int slash = rest.indexOf('/');
    if (slash < 1 || slash == rest.length() - 1) {
      throw new IllegalArgumentException("--artifact must be s3://BUCKET/KEY, got '" + uri + "'");
    }
    return new S3Model(rest.substring(0, slash), rest.substring(slash + 1), sha256);
  }

  /**
   * {@link #fetch(S3Client, Path)} with a client of the default chain (the task's or instance's role and region). The
   * SDK is touched only here, so a server started without an S3 artifact (the GPU bench bundle, which leaves the SDK
   * out) never loads it.
   */
  Path fetch(Path dir) throws IOException {
    try (S3Client s3 = S3Client.builder()
        .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create()).build()) {
      return fetch(s3, dir);
    }
  }

  /** The model file in {@code dir}, fetched and verified unless already there; returns its path. */
  Path fetch(S3Client s3, Path dir) throws IOException {
    Files.createDirectories(dir);
    String name = key.substring(key.lastIndexOf('/') + 1);
    Path target = dir.resolve(name.isEmpty() ? "model" : name);
    if (Files.isRegularFile(target) && ArtifactStore.sha256(target).equals(sha256)) {
      return target;
    }
    try {
      new ArtifactStore(s3, bucket).download(key, sha256, target);
    } catch (PierException e) {
      throw PierException.unprocessable("model s3://" + bucket + "/" + key + ": " + e.getMessage());
    }
    return target;
  }
}
