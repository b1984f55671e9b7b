package dev.pier.kernel.local;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ServiceLoader;

/**
 * The in-process stand-ins for AWS services that local mode runs (`./pier up`): an S3-compatible store and a
 * DynamoDB-compatible table server, both keeping their data under the data directory. Pier's code reaches them
 * through the real AWS SDK clients with an endpoint override, so local and cloud differ in configuration only.
 *
 * <p>The implementation ships only in the plain-server build (module {@code pier-local}); it is looked up with
 * {@link ServiceLoader} so the Lambda artifact does not carry it.
 */
public interface LocalStandIns extends AutoCloseable {

  URI dynamoDbEndpoint();

  URI s3Endpoint();

  /**
   * An SDK HTTP client that hands DynamoDB requests to the stand-in on the calling thread instead of over loopback
   * HTTP (same signature check, operations and answers), or null when these stand-ins have none. Closed with them.
   */
  default software.amazon.awssdk.http.SdkHttpClient dynamoDbInProcessHttpClient() {
    return null;
  }

  /** The SQS stand-in (ElasticMQ; messages in memory only), or null when this build carries none. */
  default URI sqsEndpoint() {
    return null;
  }

  /**
   * The credentials the S3 and DynamoDB stand-ins accept, and the only ones: every client signs with them. They are
   * the data directory's own, made up at its first start, not a well-known pair.
   */
  String accessKeyId();

  String secretAccessKey();

  String region();

  /** The demo model's ONNX bytes, registered as {@code demo} at the first start of a fresh data directory. */
  java.io.InputStream demoModel();

  @Override
  void close();

  /** Starts stand-ins; found with {@link ServiceLoader}. */
  interface Launcher {
    LocalStandIns start(Path dataDir) throws IOException;
  }

  /** Starts the stand-ins on the class path, or fails clearly when this build carries none. */
  static LocalStandIns start(Path dataDir) throws IOException {
    for (Launcher launcher : ServiceLoader.load(Launcher.class)) {
      return launcher.start(dataDir);
    }
    throw new IllegalStateException(
        "local mode needs the stand-ins of module pier-local, which this build does not carry"
            + " (the Lambda build never does: run it with pier.mode=aws)");
  }
}
