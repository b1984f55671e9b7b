package dev.pier.registry.mlflow;

import dev.pier.kernel.PierException;
import dev.pier.kernel.aws.S3SourcePolicy;
import dev.pier.kernel.engine.Framework;
import dev.pier.kernel.tensor.Signature;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Fetches an MLflow version's {@code source} from S3 so Pier can store and serve it. The source is an object, an MLflow
 * model directory (a prefix with an {@code MLmodel} file: {@link MlflowModelDirectory}), or a prefix holding a model
 * file Pier recognises: {@code *.onnx}, {@code *.ubj} or
 * {@code *.xgb} (XGBoost), {@code *.pt} / {@code *.torchscript} (TorchScript), or {@code *.tar.gz} / {@code *.zip}
 * (a SavedModel archive).
 */
final class SourceImport {
  private static final List<String> MODEL_FILES = List.of(".onnx", ".ubj", ".xgb", ".pt", ".torchscript", ".tar.gz",
      ".zip");

  /**
   * A fetched artifact, the framework its name or flavor says (null when neither says one) and the signature its
   * MLmodel declares (null when none).
   */
  record Fetched(Path file, String key, Framework framework, Signature declared) {
    Fetched(Path file, String key, Framework framework) {
      this(file, key, framework, null);
    }
  }

  private SourceImport() {}

  static boolean isS3(String source) {
    return source != null && source.startsWith("s3://");
  }

  /**
   * Downloads the source into {@code dir}; 403 when {@code locations} does not let callers name it (Pier's own
   * prefixes, anything outside the configured ones), 400 naming what is missing when there is no model file there.
   */
  static Fetched fetch(S3Client s3, S3SourcePolicy locations, String source, Path dir) {
    URI uri;
    try {
      uri = URI.create(source);
    } catch (IllegalArgumentException e) {
      throw PierException.badRequest("source '" + source + "' is not a URI");
    }
    String bucket = uri.getHost();
    String key = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
    if (bucket == null || bucket.isEmpty()) {
      throw PierException.badRequest("source '" + source + "' names no bucket");
    }
    locations.check(bucket, key, "source"); // before any request to S3 in Pier's name
    String chosen = key;
    if (key.isEmpty() || key.endsWith("/") || !exists(s3, bucket, key)) {
      String prefix = key.isEmpty() || key.endsWith("/") ? key : key + "/";
      String mlmodel = exists(s3, bucket, prefix + MlflowModelDirectory.MLMODEL)
          ? MlflowModelDirectory.read(s3, bucket, prefix) : null;
      MlflowModelDirectory.Flavor flavor = mlmodel == null ? null : MlflowModelDirectory.flavor(mlmodel);
      if (flavor != null) {
        return MlflowModelDirectory.fetch(s3, bucket, prefix, flavor, MlflowModelDirectory.signature(mlmodel), dir);
      }
      chosen = s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents().stream()
          .map(S3Object::key).filter(k -> framework(k) != null).findFirst()
          .orElseThrow(() -> PierException.badRequest("source '" + source + "' holds no model file Pier can serve"
              + " (" + String.join(", ", MODEL_FILES) + ")" + (mlmodel == null ? "" : ", and its MLmodel's flavors "
              + MlflowModelDirectory.flavorNames(mlmodel) + " include none Pier serves: onnx, xgboost, pytorch"
              + " (TorchScript) or tensorflow (SavedModel)")));
    }
    String object = chosen;
    try {
      Path file = Files.createTempFile(dir, "source", suffix(object));
      Files.delete(file);
      s3.getObject(b -> b.bucket(bucket).key(object), ResponseTransformer.toFile(file));
      return new Fetched(file, object, framework(object));
    } catch (IOException e) {
      throw new PierException(500, "could not store the fetched source: " + e.getMessage(), e);
    } catch (S3Exception e) {
      throw PierException.badRequest("could not fetch source '" + source + "': "
          + e.awsErrorDetails().errorMessage());
    }
  }

  static boolean exists(S3Client s3, String bucket, String key) {
    try {
      s3.headObject(b -> b.bucket(bucket).key(key));
      return true;
    } catch (NoSuchKeyException e) {
      return false;
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return false;
      }
      throw PierException.badRequest("could not read source bucket '" + bucket + "': "
          + (e.awsErrorDetails() == null ? e.getMessage() : e.awsErrorDetails().errorMessage()));
    }
  }

  private static String suffix(String key) {
    String k = key.toLowerCase(Locale.ROOT);
    return MODEL_FILES.stream().filter(k::endsWith).findFirst().orElse(".bin");
  }

  static Framework framework(String key) {
    String k = key.toLowerCase(Locale.ROOT);
    if (k.endsWith(".onnx")) {
      return Framework.ONNX;
    }
    if (k.endsWith(".ubj") || k.endsWith(".xgb")) {
      return Framework.XGBOOST;
    }
    if (k.endsWith(".pt") || k.endsWith(".torchscript")) {
      return Framework.PYTORCH;
    }
    if (k.endsWith(".tar.gz") || k.endsWith(".zip")) {
      return Framework.TENSORFLOW;
    }
    return null;
  }
}
