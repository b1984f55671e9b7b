package dev.pier.local;

import java.io.IOException;
import java.net.URI;
import org.elasticmq.NodeAddress;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;

/**
 * The SQS stand-in: ElasticMQ's REST server on loopback (it speaks the JSON protocol the SDK v2 client uses).
 * Queues and messages live in memory, so they are gone after a restart: Pier's users of SQS keep the truth in
 * DynamoDB and re-queue what is unfinished at start.
 */
final class LocalSqs implements AutoCloseable {
  private final SQSRestServer server;
  private final URI endpoint;

  private LocalSqs(SQSRestServer server, URI endpoint) {
    this.server = server;
    this.endpoint = endpoint;
  }

  static LocalSqs start(int port) throws IOException {
    try {
      SQSRestServer server = SQSRestServerBuilder.withInterface("127.0.0.1").withPort(port)
          .withServerAddress(new NodeAddress("http", "127.0.0.1", port, ""))
          .start();
      server.waitUntilStarted();
      return new LocalSqs(server, URI.create("http://127.0.0.1:" + port));
    } catch (RuntimeException e) {
      throw new IOException("could not start the local SQS stand-in (ElasticMQ) on port " + port + ": "
          + e.getMessage(), e);
    }
  }

  URI endpoint() {
    return endpoint;
  }

  @Override
  public void close() {
    try {
      server.stopAndWait();
    } catch (RuntimeException e) {
      // best effort: messages are in memory anyway
    }
  }
}
