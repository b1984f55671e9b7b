package dev.pier.batch.bigquery;

import com.google.api.gax.core.FixedCredentialsProvider;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.InstantiatingGrpcChannelProvider;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.cloud.NoCredentials;
import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.BigQueryOptions;
import com.google.cloud.bigquery.storage.v1.BigQueryWriteClient;
import com.google.cloud.bigquery.storage.v1.BigQueryWriteSettings;
import dev.pier.batch.S3Uri;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * How a job reaches BigQuery, shipped to every executor (plain strings): Google's endpoints, or a stand-in's, and the
 * credentials. From the environment ({@link #fromEnvironment}):
 * <ul>
 *   <li>{@code PIER_BIGQUERY_CREDENTIALS}: a service account's JSON key as a file path or an {@code s3://} object (read
 *       with the job's AWS role: how an EMR Serverless job gets it), or {@code none} (a stand-in); unset: Google's
 *       application default credentials ({@code GOOGLE_APPLICATION_CREDENTIALS}, the metadata server).</li>
 *   <li>{@code PIER_BIGQUERY_ENDPOINT}: the REST API's root (tables), e.g. {@code http://127.0.0.1:9050}; unset:
 *       Google's.</li>
 *   <li>{@code PIER_BIGQUERY_WRITE_ENDPOINT}: the Storage Write API's {@code host:port} (gRPC; plaintext when the REST
 *       endpoint is {@code http://}); unset: Google's.</li>
 * </ul>
 */
public record BigQueryConnection(String restEndpoint, String writeEndpoint, String credentials) implements Serializable {
  static final List<String> SCOPES = List.of("https://www.googleapis.com/auth/bigquery");

  public static BigQueryConnection fromEnvironment(Map<String, String> env) {
    return new BigQueryConnection(blankToNull(env.get("PIER_BIGQUERY_ENDPOINT")),
        blankToNull(env.get("PIER_BIGQUERY_WRITE_ENDPOINT")), blankToNull(env.get("PIER_BIGQUERY_CREDENTIALS")));
  }

  /** The REST client (tables) in {@code project}; {@code s3} reads an {@code s3://} key. */
  public BigQuery tables(String project, Function<S3Uri, byte[]> s3) {
    BigQueryOptions.Builder b = BigQueryOptions.newBuilder().setProjectId(project);
    if (restEndpoint != null) {
      b.setHost(restEndpoint);
    }
    GoogleCredentials c = googleCredentials(s3);
    b.setCredentials(c == null ? NoCredentials.getInstance() : c);
    return b.build().getService();
  }

  /** The Storage Write API's client (rows); closed by the caller. */
  public BigQueryWriteClient writer(Function<S3Uri, byte[]> s3) {
    try {
      BigQueryWriteSettings.Builder b = BigQueryWriteSettings.newBuilder();
      GoogleCredentials c = googleCredentials(s3);
      b.setCredentialsProvider(c == null ? NoCredentialsProvider.create() : FixedCredentialsProvider.create(c));
      if (writeEndpoint != null) {
        InstantiatingGrpcChannelProvider.Builder channel = InstantiatingGrpcChannelProvider.newBuilder()
            .setEndpoint(writeEndpoint);
        if (c == null || restEndpoint != null && restEndpoint.startsWith("http://")) {
          channel.setChannelConfigurator(m -> m.usePlaintext());
        }
        b.setEndpoint(writeEndpoint).setTransportChannelProvider(channel.build());
      }
      return BigQueryWriteClient.create(b.build());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot reach the BigQuery Storage Write API: " + e.getMessage(), e);
    }
  }

  /** Null for {@code none}; else the key named, or the application default credentials. */
  private GoogleCredentials googleCredentials(Function<S3Uri, byte[]> s3) {
    if ("none".equals(credentials)) {
      return null;
    }
    try {
      if (credentials == null) {
        return GoogleCredentials.getApplicationDefault().createScoped(SCOPES);
      }
      try (InputStream in = credentials.startsWith("s3://") ? new ByteArrayInputStream(read(s3))
          : Files.newInputStream(Path.of(credentials))) {
        return GoogleCredentials.fromStream(in).createScoped(SCOPES);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read BigQuery credentials"
          + (credentials == null ? " (application default)" : " from " + credentials) + ": " + e.getMessage(), e);
    }
  }

  private byte[] read(Function<S3Uri, byte[]> s3) {
    try {
      return s3.apply(S3Uri.parse(credentials, "PIER_BIGQUERY_CREDENTIALS"));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("cannot read BigQuery credentials from " + credentials + ": "
          + e.getMessage(), e);
    }
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.strip();
  }
}
