package dev.pier.kernel.aws;

import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Builds the AWS SDK clients Pier uses, once per process, the same way in the cloud and locally: only the
 * endpoints and credentials differ. Clients are thread-safe and meant to be shared.
 */
public final class AwsClients implements AutoCloseable {
  private final AwsSettings settings;
  private final SdkHttpClient http;
  /** The DynamoDB client's HTTP client: {@link #http} unless one was given (a stand-in's in-process transport). */
  private final SdkHttpClient dynamoDbHttp;
  private volatile SdkHttpClient standInS3Http;
  private volatile DynamoDbClient dynamoDb;
  private volatile S3Client s3;

  public AwsClients(AwsSettings settings) {
    this(settings, null);
  }

  /**
   * Clients whose DynamoDB client sends its requests through {@code dynamoDbHttp} (not closed here) instead of this
   * process's HTTP client; null: the same HTTP client as every other service. Local mode passes the DynamoDB
   * stand-in's in-process transport when asked to ({@code pier.local.dynamodb-transport=in-process}).
   */
  public AwsClients(AwsSettings settings, SdkHttpClient dynamoDbHttp) {
    this.settings = settings;
    // The URLConnection client is the lightest to load in a Lambda cold start and pools connections per host.
    this.http = UrlConnectionHttpClient.builder()
        .connectionTimeout(Duration.ofSeconds(2))
        .socketTimeout(Duration.ofSeconds(30))
        .build();
    this.dynamoDbHttp = dynamoDbHttp != null ? dynamoDbHttp : http;
  }

  /** How long the S3 client waits in silence for an S3 stand-in's answer (see {@link #s3()}). */
  static final Duration STAND_IN_S3_SOCKET_TIMEOUT = Duration.ofMinutes(15);

  public AwsSettings settings() {
    return settings;
  }

  public DynamoDbClient dynamoDb() {
    DynamoDbClient c = dynamoDb;
    if (c == null) {
      synchronized (this) {
        if (dynamoDb == null) {
          var b = DynamoDbClient.builder()
              .httpClient(dynamoDbHttp)
              .region(Region.of(settings.region()))
              .credentialsProvider(credentials())
              .overrideConfiguration(ClientOverrideConfiguration.builder()
                  .apiCallAttemptTimeout(Duration.ofSeconds(5))
                  .build());
          if (settings.dynamoDbEndpoint() != null) {
            b.endpointOverride(settings.dynamoDbEndpoint());
          }
          dynamoDb = b.build();
        }
        c = dynamoDb;
      }
    }
    return c;
  }

  public S3Client s3() {
    S3Client c = s3;
    if (c == null) {
      synchronized (this) {
        if (s3 == null) {
          var b = S3Client.builder()
              .httpClient(http)
              .region(Region.of(settings.region()))
              .credentialsProvider(credentials());
          if (settings.s3Endpoint() != null) {
            // Local S3 stand-ins serve buckets by path, not by virtual host.
            b.endpointOverride(settings.s3Endpoint()).forcePathStyle(true);
            // S3 answers a CompleteMultipartUpload at once and keeps the connection alive with whitespace while it
            // assembles the object; a stand-in (s3proxy) answers only once it has copied every part, which for
            // gigabytes on a loaded disk takes longer than 30 s of silence.
            standInS3Http = UrlConnectionHttpClient.builder()
                .connectionTimeout(Duration.ofSeconds(2))
                .socketTimeout(STAND_IN_S3_SOCKET_TIMEOUT)
                .build();
            b.httpClient(standInS3Http);
            if (LoopbackAsHttps.applies(settings.s3Endpoint())) {
              // signed as over HTTPS to AWS (no payload hash), sent as plain HTTP on loopback: see LoopbackAsHttps
              b.endpointOverride(LoopbackAsHttps.asHttps(settings.s3Endpoint()))
                  .httpClient(LoopbackAsHttps.around(standInS3Http));
            }
          }
          s3 = b.build();
        }
        c = s3;
      }
    }
    return c;
  }

  public S3Presigner s3Presigner() {
    var b = S3Presigner.builder().region(Region.of(settings.region())).credentialsProvider(credentials());
    if (settings.s3Endpoint() != null) {
      b.endpointOverride(settings.s3Endpoint())
          .serviceConfiguration(software.amazon.awssdk.services.s3.S3Configuration.builder()
              .pathStyleAccessEnabled(true).build());
    }
    return b.build();
  }

  /**
   * Any other service's client built like these: this process's HTTP client, region and credentials, and
   * {@code endpointOverride} when not null (a local stand-in, or a configured endpoint). The caller closes it; the
   * shared HTTP client closes with this object.
   */
  public <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C client(B builder,
      URI endpointOverride) {
    builder.httpClient(http).region(Region.of(settings.region())).credentialsProvider(credentials());
    if (endpointOverride != null) {
      builder.endpointOverride(endpointOverride);
    }
    return builder.build();
  }

  private AwsCredentialsProvider credentials() {
    if (settings.accessKeyId() != null) {
      return StaticCredentialsProvider.create(
          AwsBasicCredentials.create(settings.accessKeyId(), settings.secretAccessKey()));
    }
    if (System.getenv("AWS_LAMBDA_FUNCTION_NAME") != null) {
      return EnvironmentVariableCredentialsProvider.create(); // Lambda puts them there; skips the provider chain's probing
    }
    return DefaultCredentialsProvider.builder().build();
  }

  @Override
  public void close() {
    if (dynamoDb != null) {
      dynamoDb.close();
    }
    if (s3 != null) {
      s3.close();
    }
    if (standInS3Http != null) {
      standInS3Http.close();
    }
    http.close();
  }

  /** Where and as whom to reach AWS. Null endpoints mean the service's public endpoint for the region. */
  public record AwsSettings(
      String region, URI dynamoDbEndpoint, URI s3Endpoint, String accessKeyId, String secretAccessKey) {

    public static AwsSettings cloud(String region) {
      return new AwsSettings(region, null, null, null, null);
    }
  }
}
