package dev.pier.kernel.aws;

import java.net.URI;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpRequest;

/**
 * Lets the S3 client sign requests to a local stand-in as it signs them to AWS: the client is given the stand-in's
 * endpoint as {@code https://}, and this HTTP client sends each request over plain HTTP to the same loopback host and
 * port (the stand-in serves no TLS, and nothing leaves the machine).
 *
 * <p>Why: over {@code http://} the SDK always signs the payload (SHA-256 of the body, and with chunked uploads a
 * signature per chunk), and the stand-in then hashes the body again to check it; over HTTPS — how Pier reaches S3 in
 * AWS — it sends {@code UNSIGNED-PAYLOAD} (streaming uploads: {@code STREAMING-UNSIGNED-PAYLOAD-TRAILER} with a CRC32
 * trailer), leaving the body's integrity to TLS and the checksum. Hashing every byte twice cost local mode's capture
 * PUTs CPU that no PUT costs Pier in AWS (about 90 ns of a 56-byte capture row, both sides together; monitoring
 * BENCH.md, <i>Capture's CPU per row, all-in</i>). The signature covers the host header, path, query and signed
 * headers, never the scheme, so the stand-in checks it exactly as before.
 */
final class LoopbackAsHttps implements SdkHttpClient {
  private final SdkHttpClient plain;

  private LoopbackAsHttps(SdkHttpClient plain) {
    this.plain = plain;
  }

  /**
   * True for an {@code http://} endpoint on a loopback address (a local stand-in): such an endpoint is given to the
   * client as {@link #asHttps}, with this class around its HTTP client.
   */
  static boolean applies(URI endpoint) {
    String host = endpoint.getHost();
    return "http".equalsIgnoreCase(endpoint.getScheme()) && endpoint.getPort() > 0 && host != null
        && (host.equals("127.0.0.1") || host.equals("localhost") || host.equals("[::1]") || host.equals("::1"));
  }

  /** The endpoint as {@code https://}, same host, port and path. */
  static URI asHttps(URI endpoint) {
    return URI.create("https" + endpoint.toString().substring(endpoint.getScheme().length()));
  }

  /** Sends what the SDK addresses to {@code https://host:port} over plain HTTP to {@code host:port}. */
  static SdkHttpClient around(SdkHttpClient plain) {
    return new LoopbackAsHttps(plain);
  }

  @Override
  public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
    SdkHttpRequest https = request.httpRequest();
    SdkHttpRequest http = https.toBuilder().protocol("http").port(https.port()).build();
    return plain.prepareRequest(HttpExecuteRequest.builder().request(http)
        .contentStreamProvider(request.contentStreamProvider().orElse(null))
        .metricCollector(request.metricCollector().orElse(null)).build());
  }

  @Override
  public String clientName() {
    return plain.clientName();
  }

  @Override
  public void close() {
    plain.close();
  }
}
