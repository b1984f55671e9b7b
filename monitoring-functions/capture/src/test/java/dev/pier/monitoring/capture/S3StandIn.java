package dev.pier.monitoring.capture;

import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.AwsClients.AwsSettings;
import java.net.ServerSocket;
import java.net.URI;
import java.util.Properties;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.BlobStores;

/**
 * s3proxy on an in-memory store on a free loopback port, checking signatures as local mode's does — without the
 * DynamoDB and SQS stand-ins that {@code LocalAws} also starts, which these tests do not need.
 */
final class S3StandIn implements AutoCloseable {
  private static final String KEY = "capture-test";
  private static final String SECRET = "capture-test-secret";

  private final S3Proxy proxy;
  private final AwsClients clients;

  S3StandIn() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Properties props = new Properties();
    props.setProperty("jclouds.identity", KEY);
    props.setProperty("jclouds.credential", SECRET);
    URI endpoint = URI.create("http://127.0.0.1:" + port);
    proxy = S3Proxy.builder().blobStore(BlobStores.create("transient", props)).endpoint(endpoint)
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, KEY, SECRET).ignoreUnknownHeaders(true).build();
    proxy.start();
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!"STARTED".equals(proxy.getState())) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("s3proxy did not start within 10 s");
      }
      Thread.sleep(5);
    }
    clients = new AwsClients(new AwsSettings("us-east-1", endpoint, endpoint, KEY, SECRET));
  }

  AwsClients clients() {
    return clients;
  }

  @Override
  public void close() throws Exception {
    clients.close();
    proxy.stop();
  }
}
