package dev.pier.training.datasets;

import dev.pier.features.FeatureRef;
import dev.pier.features.FeatureStore;
import dev.pier.kernel.PierException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Point-in-time training sets from the feature store: a feature service's features joined onto an entity file
 * (entity keys, {@code event_timestamp}, the label) by the store's historical retrieval, written as Parquet next to
 * the entity file under {@code pier-training-sets/}. The file's name derives from the service and the entity file's
 * ETag, and an existing one is reused: the same entity file gives the same training set, hence the same dataset
 * version.
 */
public final class TrainingSets {
  private final FeatureStore features;
  private final S3Client s3;

  public TrainingSets(FeatureStore features, S3Client s3) {
    this.features = features;
    this.s3 = s3;
  }

  /** Where a built training set is and which of its columns are the service's features. */
  public record Built(String uri, List<String> features) {}

  public Built build(String featureService, String entitySource) {
    if (entitySource == null || !entitySource.startsWith("s3://") || entitySource.indexOf('/', 5) < 0) {
      throw PierException.badRequest("dataset.entity_source must be an s3://bucket/key.parquet location");
    }
    String bucket = entitySource.substring(5, entitySource.indexOf('/', 5));
    String key = entitySource.substring(entitySource.indexOf('/', 5) + 1);
    String etag;
    try {
      etag = s3.headObject(b -> b.bucket(bucket).key(key)).eTag();
    } catch (NoSuchKeyException e) {
      throw PierException.badRequest("dataset.entity_source " + entitySource + " does not exist");
    } catch (S3Exception e) {
      throw PierException.badRequest("dataset.entity_source " + entitySource + " cannot be read: S3 answered "
          + e.statusCode());
    }
    List<String> names = features.registry().catalog().resolve(null, featureService).stream()
        .map(FeatureRef::feature).toList(); // a 400 for an unknown service
    String dir = key.contains("/") ? key.substring(0, key.lastIndexOf('/') + 1) : "";
    String outKey = dir + "pier-training-sets/" + sha256(featureService + "\n" + entitySource + "\n" + etag)
        .substring(0, 24) + ".parquet";
    String output = "s3://" + bucket + "/" + outKey;
    try {
      s3.headObject(b -> b.bucket(bucket).key(outKey));
      return new Built(output, names);
    } catch (NoSuchKeyException e) {
      // build it
    } catch (S3Exception e) {
      if (e.statusCode() != 404) {
        throw e;
      }
    }
    var result = features.historical().retrieveToParquet(null, featureService, entitySource, output, false);
    return new Built(result.output(), result.featureNames());
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
