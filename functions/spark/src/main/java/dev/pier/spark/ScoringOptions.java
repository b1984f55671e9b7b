package dev.pier.spark;

import dev.pier.kernel.aws.AwsClients.AwsSettings;
import java.io.Serializable;
import java.net.URI;
import java.util.Map;

/**
 * Where the registry is and how a job scores: shipped to every executor (hence plain strings). The endpoints are null
 * in AWS (the SDK's defaults and credentials chain); locally they point at the stand-ins of {@code ./pier up}.
 *
 * @param batchRows rows per model call (the batch path's {@code batchRows})
 * @param chunkRows rows an executor reads from its partition before scoring them (a multiple of batchRows)
 * @param failOnError fail the job on the first row that cannot be scored, instead of an error column value
 * @param errorColumn the column that holds a row's error (null when scored)
 * @param outputPrefix prefixed to each model output's name to name its column
 */
public record ScoringOptions(String region, String dynamoDbEndpoint, String s3Endpoint, String accessKeyId,
    String secretAccessKey, String registryTable, String artifactsBucket, int batchRows, int chunkRows,
    boolean failOnError, String errorColumn, String outputPrefix) implements Serializable {

  public static final String DEFAULT_TABLE = "pier-registry";
  public static final String DEFAULT_BUCKET = "pier-artifacts";

  public ScoringOptions {
    if (batchRows < 1 || chunkRows < batchRows) {
      throw new IllegalArgumentException("batchRows must be at least 1 and chunkRows at least batchRows, got "
          + batchRows + " and " + chunkRows);
    }
    if (errorColumn == null || errorColumn.isBlank()) {
      throw new IllegalArgumentException("errorColumn must be named");
    }
    outputPrefix = outputPrefix == null ? "" : outputPrefix;
  }

  /**
   * From the environment a Pier process reads: {@code AWS_REGION}, {@code AWS_ENDPOINT_URL_DYNAMODB},
   * {@code AWS_ENDPOINT_URL_S3}, {@code AWS_ACCESS_KEY_ID}/{@code AWS_SECRET_ACCESS_KEY} (local mode's
   * {@code local.env} sets them all), {@code PIER_REGISTRY_TABLE}, {@code PIER_ARTIFACTS_BUCKET}.
   */
  public static ScoringOptions fromEnvironment() {
    return fromEnvironment(System.getenv());
  }

  static ScoringOptions fromEnvironment(Map<String, String> env) {
    return new ScoringOptions(env.getOrDefault("AWS_REGION", "us-east-1"), env.get("AWS_ENDPOINT_URL_DYNAMODB"),
        env.get("AWS_ENDPOINT_URL_S3"), env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_SECRET_ACCESS_KEY"),
        env.getOrDefault("PIER_REGISTRY_TABLE", DEFAULT_TABLE),
        env.getOrDefault("PIER_ARTIFACTS_BUCKET", DEFAULT_BUCKET), 1024, 65_536, false, "pier_error", "");
  }

  /** The registry of a local mode's stand-ins (endpoints and keys as {@code local.env} gives them). */
  public static ScoringOptions local(AwsSettings aws, String registryTable, String artifactsBucket) {
    return new ScoringOptions(aws.region(), str(aws.dynamoDbEndpoint()), str(aws.s3Endpoint()), aws.accessKeyId(),
        aws.secretAccessKey(), registryTable, artifactsBucket, 1024, 65_536, false, "pier_error", "");
  }

  public ScoringOptions withBatchRows(int rows) {
    return new ScoringOptions(region, dynamoDbEndpoint, s3Endpoint, accessKeyId, secretAccessKey, registryTable,
        artifactsBucket, rows, Math.max(rows, chunkRows), failOnError, errorColumn, outputPrefix);
  }

  public ScoringOptions withFailOnError(boolean fail) {
    return new ScoringOptions(region, dynamoDbEndpoint, s3Endpoint, accessKeyId, secretAccessKey, registryTable,
        artifactsBucket, batchRows, chunkRows, fail, errorColumn, outputPrefix);
  }

  public ScoringOptions withOutputPrefix(String prefix) {
    return new ScoringOptions(region, dynamoDbEndpoint, s3Endpoint, accessKeyId, secretAccessKey, registryTable,
        artifactsBucket, batchRows, chunkRows, failOnError, errorColumn, prefix);
  }

  AwsSettings aws() {
    return new AwsSettings(region, uri(dynamoDbEndpoint), uri(s3Endpoint), accessKeyId, secretAccessKey);
  }

  private static URI uri(String s) {
    return s == null || s.isBlank() ? null : URI.create(s);
  }

  private static String str(URI u) {
    return u == null ? null : u.toString();
  }
}
