package dev.pier.batch.tables;

import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import org.apache.iceberg.aws.glue.GlueCatalog;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/**
 * How the Lambda path reaches Iceberg tables: the properties of Iceberg's {@code GlueCatalog} (its files through
 * {@code S3FileIO}, the SDK's URL-connection HTTP client the zip already carries), pointed at the worker's region, and
 * at local stand-ins' endpoints and keys where the worker has them (in AWS: Glue's and S3's own endpoints and the
 * function's role).
 */
public record IcebergConnection(Map<String, String> properties) {
  public IcebergConnection {
    properties = Map.copyOf(properties);
  }

  /**
   * A connection in {@code region}; {@code glue} and {@code s3} endpoints (null: AWS's own) and the keys of a stand-in
   * (null: the SDK's default credentials).
   */
  public static IcebergConnection of(String region, URI glue, URI s3, String accessKeyId, String secretAccessKey) {
    Map<String, String> p = new HashMap<>();
    p.put("io-impl", "org.apache.iceberg.aws.s3.S3FileIO");
    p.put("http-client.type", "urlconnection");
    if (region != null && !region.isBlank()) {
      p.put("client.region", region);
    }
    if (glue != null) {
      p.put("glue.endpoint", glue.toString());
    }
    if (s3 != null) {
      p.put("s3.endpoint", s3.toString());
      p.put("s3.path-style-access", "true");
    }
    if (accessKeyId != null && secretAccessKey != null) {
      p.put("s3.access-key-id", accessKeyId);
      p.put("s3.secret-access-key", secretAccessKey);
      p.put("client.credentials-provider", Keys.class.getName());
      p.put("client.credentials-provider.access-key-id", accessKeyId);
      p.put("client.credentials-provider.secret-access-key", secretAccessKey);
    }
    return new IcebergConnection(p);
  }

  /** Iceberg's Glue catalog, its default warehouse {@code warehouse}; the caller closes it. */
  public GlueCatalog catalog(String warehouse) {
    Map<String, String> p = new HashMap<>(properties);
    p.put("warehouse", warehouse);
    GlueCatalog catalog = new GlueCatalog();
    catalog.initialize("pier", p);
    return catalog;
  }

  /** The stand-in's keys for Iceberg's Glue client (Iceberg makes it by name, with {@code create(Map)}). */
  public static final class Keys implements AwsCredentialsProvider {
    private final AwsCredentials credentials;

    private Keys(AwsCredentials credentials) {
      this.credentials = credentials;
    }

    public static Keys create(Map<String, String> properties) {
      return new Keys(AwsBasicCredentials.create(properties.get("access-key-id"),
          properties.get("secret-access-key")));
    }

    @Override
    public AwsCredentials resolveCredentials() {
      return credentials;
    }
  }
}
