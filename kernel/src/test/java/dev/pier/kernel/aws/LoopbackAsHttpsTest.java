package dev.pier.kernel.aws;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * What the S3 client sends a loopback stand-in: the request as signed for HTTPS (AWS), over plain HTTP. Recorded at
 * the HTTP level (the stand-in itself is exercised in pier-local's {@code LocalAwsTest}).
 */
class LoopbackAsHttpsTest {
  private final List<SdkHttpRequest> sent = new ArrayList<>();
  private final List<byte[]> bodies = new ArrayList<>();

  @Test
  void aPutToALoopbackEndpointGoesOutAsPlainHttpWithAnUnsignedPayload() throws Exception {
    URI endpoint = URI.create("http://127.0.0.1:4566");
    assertThat(LoopbackAsHttps.applies(endpoint)).isTrue();
    try (S3Client s3 = S3Client.builder().region(Region.US_EAST_1).forcePathStyle(true)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("id", "secret")))
        .endpointOverride(LoopbackAsHttps.asHttps(endpoint)).httpClient(LoopbackAsHttps.around(new Recorder()))
        .build()) {
      s3.putObject(b -> b.bucket("captures").key("a.cap"), RequestBody.fromString("captured rows"));
    }

    SdkHttpRequest put = sent.getFirst();
    assertThat(put.getUri()).isEqualTo(URI.create("http://127.0.0.1:4566/captures/a.cap"));
    assertThat(put.firstMatchingHeader("x-amz-content-sha256")).hasValueSatisfying(v -> assertThat(v)
        .isIn("UNSIGNED-PAYLOAD", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"));
    assertThat(new String(bodies.getFirst())).contains("captured rows");
  }

  @Test
  void onlyPlainHttpEndpointsOnLoopbackAreSentSo() {
    assertThat(LoopbackAsHttps.applies(URI.create("http://localhost:9000"))).isTrue();
    assertThat(LoopbackAsHttps.applies(URI.create("https://127.0.0.1:9000"))).isFalse();
    assertThat(LoopbackAsHttps.applies(URI.create("http://minio.internal:9000"))).isFalse();
    assertThat(LoopbackAsHttps.asHttps(URI.create("http://127.0.0.1:9000/base")))
        .isEqualTo(URI.create("https://127.0.0.1:9000/base"));
  }

  /** Records each request and its body, and answers 200 with an empty body. */
  private final class Recorder implements SdkHttpClient {
    @Override
    public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
      return new ExecutableHttpRequest() {
        @Override
        public HttpExecuteResponse call() throws IOException {
          sent.add(request.httpRequest());
          ByteArrayOutputStream body = new ByteArrayOutputStream();
          Optional.ofNullable(request.contentStreamProvider().orElse(null)).ifPresent(p -> {
            try {
              p.newStream().transferTo(body);
            } catch (IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          });
          bodies.add(body.toByteArray());
          return HttpExecuteResponse.builder().response(SdkHttpResponse.builder().statusCode(200).build())
              .responseBody(AbortableInputStream.create(new ByteArrayInputStream(new byte[0]))).build();
        }

        @Override
        public void abort() {}
      };
    }

    @Override
    public void close() {}
  }
}
