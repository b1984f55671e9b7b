package dev.pier.registry.mlflow;

import dev.pier.kernel.PierException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The artifacts MLflow clients log through Pier's artifact proxy, as MLflow's {@code mlflow server --serve-artifacts}
 * keeps them: a path relative to the artifact root ({@code <experiment>/<run>/artifacts/model/MLmodel}) is an object
 * under the root's S3 prefix ({@code s3://<artifacts bucket>/mlflow/}), and the same object is
 * {@code mlflow-artifacts:/<path>} to clients. The tracking store records runs' locations as S3 URIs under that
 * root; {@link #toClient} and {@link #toStored} translate at the MLflow REST boundary, so MLflow clients log and
 * fetch through the proxy while Pier's own jobs read and write S3 directly.
 *
 * <p>Paths are checked as MLflow's server checks them: relative, no {@code ..} or {@code .} segment, no empty
 * segment, no backslash or control character (400 naming the path).
 */
final class MlflowArtifactStore {
  /** MLflow's URI scheme for artifacts behind a tracking server's proxy. */
  static final String SCHEME = "mlflow-artifacts:";
  private static final Pattern UNSAFE = Pattern.compile("[\\\\\\p{Cntrl}]");
  private static final int MAX_PATH = 1024;

  /** One entry of a listing, as MLflow's {@code FileInfo}: the name, whether it is a directory, its size if a file. */
  record FileInfo(String path, boolean isDir, Long fileSize) {}

  private final S3Client s3;
  private final String bucket;
  private final String prefix;
  private final String root;

  /** @param root the tracking store's artifact root, {@code s3://<bucket>/<prefix>} */
  MlflowArtifactStore(S3Client s3, String root) {
    URI uri = URI.create(root);
    if (!"s3".equals(uri.getScheme()) || uri.getHost() == null) {
      throw new IllegalArgumentException("the artifact root must be an s3:// URI, got " + root);
    }
    this.s3 = s3;
    this.bucket = uri.getHost();
    String p = uri.getPath() == null ? "" : uri.getPath().replaceAll("^/+|/+$", "");
    this.prefix = p.isEmpty() ? "" : p + "/";
    this.root = "s3://" + bucket + "/" + prefix;
  }

  /** {@code path} when it is a safe relative artifact path; 400 naming it otherwise. Empty means the root. */
  static String checked(String path) {
    String p = path == null ? "" : path;
    if (p.length() > MAX_PATH || UNSAFE.matcher(p).find() || p.startsWith("/")) {
      throw PierException.badRequest("invalid artifact path '" + p + "': it must be relative, without '\\' or"
          + " control characters, and at most " + MAX_PATH + " characters");
    }
    if (p.isEmpty()) {
      return p;
    }
    for (String segment : p.split("/", -1)) {
      if (segment.isEmpty() || segment.equals("..") || segment.equals(".")) {
        throw PierException.badRequest("invalid artifact path '" + p + "': empty, '.' and '..' segments are not"
            + " allowed");
      }
    }
    return p;
  }

  /** Stores {@code file} at {@code path}, replacing what was there (MLflow's upload overwrites). */
  void put(String path, Path file) {
    String key = key(checked(path));
    if (checked(path).isEmpty()) {
      throw PierException.badRequest("an artifact upload needs a file path");
    }
    s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromFile(file));
  }

  /** The artifact's bytes; 404 when no file is at {@code path}. */
  ResponseInputStream<GetObjectResponse> open(String path) {
    String p = checked(path);
    try {
      return s3.getObject(b -> b.bucket(bucket).key(key(p)));
    } catch (NoSuchKeyException e) {
      throw PierException.notFound("no artifact at '" + p + "'");
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        throw PierException.notFound("no artifact at '" + p + "'");
      }
      throw e;
    }
  }

  /** The files and directories directly under {@code path}, by name, in key order (directories carry no size). */
  List<FileInfo> list(String path) {
    String p = checked(path);
    String under = p.isEmpty() ? prefix : key(p) + "/";
    List<FileInfo> out = new ArrayList<>();
    String token = null;
    do {
      String from = token;
      ListObjectsV2Response page = s3.listObjectsV2(b -> b.bucket(bucket).prefix(under).delimiter("/")
          .continuationToken(from));
      page.commonPrefixes().forEach(d -> out.add(new FileInfo(name(d.prefix(), under), true, null)));
      for (S3Object o : page.contents()) {
        if (!o.key().equals(under)) {
          out.add(new FileInfo(name(o.key(), under), false, o.size()));
        }
      }
      token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
    } while (token != null);
    out.sort(java.util.Comparator.comparing(FileInfo::path));
    return out;
  }

  /** Deletes the file at {@code path}, or every file under it when it is a directory. Deleting nothing is fine. */
  void delete(String path) {
    String p = checked(path);
    if (p.isEmpty()) {
      throw PierException.badRequest("deleting the whole artifact root is not allowed: name a path");
    }
    s3.deleteObject(b -> b.bucket(bucket).key(key(p)));
    s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(key(p) + "/")).contents()
        .forEach(o -> s3.deleteObject(b -> b.bucket(bucket).key(o.key())));
  }

  /**
   * A location as MLflow clients should see it: under the root, {@code mlflow-artifacts:/<path>} (so they use the
   * proxy); anything else (an experiment created with its own location) unchanged.
   */
  String toClient(String stored) {
    return stored != null && stored.startsWith(root) ? SCHEME + "/" + stored.substring(root.length())
        : stored != null && (stored + "/").equals(root) ? SCHEME + "/" : stored;
  }

  /** A location as a client gave it, as the tracking store keeps it: {@code mlflow-artifacts:} becomes S3. */
  String toStored(String location) {
    return location != null && location.startsWith(SCHEME) ? root + relative(location) : location;
  }

  /**
   * The artifact path of an {@code mlflow-artifacts:} URI: {@code mlflow-artifacts:/0/r/artifacts/model} and
   * {@code mlflow-artifacts://host:port/0/r/artifacts/model} alike (a client names the host when its tracking URI
   * is not the server's own), checked.
   */
  static String relative(String uri) {
    String rest = uri.substring(SCHEME.length());
    if (rest.startsWith("//")) {
      int slash = rest.indexOf('/', 2);
      rest = slash < 0 ? "" : rest.substring(slash);
    }
    return checked(rest.replaceAll("^/+", "").replaceAll("/+$", ""));
  }

  /** The S3 URI of an artifact path, for fetching a registration source. */
  String s3Uri(String path) {
    return root + checked(path);
  }

  private String key(String path) {
    return prefix + path;
  }

  private static String name(String key, String under) {
    return key.substring(under.length()).replaceAll("/$", "");
  }
}
