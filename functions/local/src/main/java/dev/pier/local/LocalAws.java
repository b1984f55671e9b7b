package dev.pier.local;

import dev.pier.kernel.local.LocalStandIns;
import dev.pier.standin.dynamodb.LocalDynamoDb;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;

/**
 * Local mode's AWS: s3proxy on a filesystem store under {@code <dataDir>/s3}, the DynamoDB stand-in under
 * {@code <dataDir>/dynamodb} and ElasticMQ for SQS, each on loopback. S3 and DynamoDB keep their data across
 * restarts (and survive a SIGKILL); ElasticMQ keeps messages in memory only, so whatever uses it keeps its state in
 * DynamoDB and re-queues at start. An empty data directory is a fresh platform.
 *
 * <p>S3 and DynamoDB accept only requests signed with the data directory's own credentials
 * ({@link StandInCredentials}, made up at its first start and kept readable by its owner only); ElasticMQ checks no
 * signatures, and holds nothing that outlives the process.
 */
public final class LocalAws implements LocalStandIns {
  public static final String REGION = "us-east-1";

  private final StandInCredentials credentials;
  private final LocalDynamoDb dynamo;
  private final S3Proxy s3;
  private final URI s3Endpoint;
  private final LocalSqs sqs;
  private final DataDirLock lock;

  private LocalAws(DataDirLock lock, StandInCredentials credentials, LocalDynamoDb dynamo, S3Proxy s3, URI s3Endpoint, LocalSqs sqs) {
    this.credentials = credentials;
    this.dynamo = dynamo;
    this.s3 = s3;
    this.s3Endpoint = s3Endpoint;
    this.sqs = sqs;
    this.lock = lock;
  }

  /**
   * Starts the stand-ins on {@code dataDir}, which one process uses at a time.
   *
   * @throws IOException naming the other server's pid when the directory is in use; nothing in it is touched then
   */
  public static LocalAws start(Path dataDir) throws IOException {
    return start(dataDir, Duration.ofMillis(500));
  }

  /**
   * As {@link #start(Path)}, with the DynamoDB stand-in deleting expired TTL items every {@code ttlSweepInterval}
   * (500 ms by {@link #start(Path)}). A test that opens data written at a fixed time in the past passes a long one, so
   * that items whose TTL has since passed are still there while it looks (DynamoDB itself deletes them within days).
   */
  public static LocalAws start(Path dataDir, Duration ttlSweepInterval) throws IOException {
    DataDirLock lock = DataDirLock.take(dataDir); // first: a refused start must not rewrite ports or credentials
    try {
      return start(lock, dataDir, ttlSweepInterval);
    } catch (IOException | RuntimeException e) {
      lock.close();
      throw e;
    }
  }

  private static LocalAws start(DataDirLock lock, Path dataDir, Duration ttlSweepInterval) throws IOException {
    StandInPorts ports = new StandInPorts(dataDir);
    StandInCredentials credentials = StandInCredentials.of(dataDir);
    Path s3Dir = Files.createDirectories(dataDir.resolve("s3"));
    Path dynamoDir = Files.createDirectories(dataDir.resolve("dynamodb"));

    LocalDynamoDb dynamo = LocalDynamoDb.builder().port(ports.port("dynamodb")).dataDir(dynamoDir)
        .credentials(credentials.accessKeyId(), credentials.secretAccessKey()).ttlSweepInterval(ttlSweepInterval)
        .build().start();
    try {
      Properties props = new Properties();
      props.setProperty("jclouds.filesystem.basedir", s3Dir.toString());
      props.setProperty("jclouds.identity", credentials.accessKeyId());
      props.setProperty("jclouds.credential", credentials.secretAccessKey());
      BlobStore store = BlobStores.create("filesystem", props);
      URI endpoint = URI.create("http://127.0.0.1:" + ports.port("s3"));
      S3Proxy proxy = S3Proxy.builder()
          .blobStore(store)
          .endpoint(endpoint)
          .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, credentials.accessKeyId(),
              credentials.secretAccessKey())
          .ignoreUnknownHeaders(true)
          .build();
      proxy.start();
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (!"STARTED".equals(proxy.getState())) {
        if (System.nanoTime() > deadline) {
          throw new IOException("s3proxy did not start within 10 s (state " + proxy.getState() + ")");
        }
        Thread.sleep(5);
      }
      try {
        return new LocalAws(lock, credentials, dynamo, proxy, endpoint, LocalSqs.start(ports.port("sqs")));
      } catch (IOException e) {
        proxy.stop();
        throw e;
      }
    } catch (Exception e) {
      dynamo.close();
      if (e instanceof IOException io) {
        throw io;
      }
      throw new IOException("could not start the local S3 stand-in: " + e.getMessage(), e);
    }
  }

  @Override
  public URI dynamoDbEndpoint() {
    return dynamo.endpoint();
  }

  @Override
  public software.amazon.awssdk.http.SdkHttpClient dynamoDbInProcessHttpClient() {
    return dynamo.inProcessHttpClient();
  }

  @Override
  public URI s3Endpoint() {
    return s3Endpoint;
  }

  @Override
  public URI sqsEndpoint() {
    return sqs.endpoint();
  }

  @Override
  public String accessKeyId() {
    return credentials.accessKeyId();
  }

  @Override
  public String secretAccessKey() {
    return credentials.secretAccessKey();
  }

  @Override
  public String region() {
    return REGION;
  }

  @Override
  public java.io.InputStream demoModel() {
    return DemoModel.open();
  }

  @Override
  public void close() {
    try {
      s3.stop();
    } catch (Exception e) {
      // stopping is best effort; the filesystem store is consistent after every request
    }
    sqs.close();
    dynamo.close();
    lock.close();
  }

  /** The {@link java.util.ServiceLoader} entry point. */
  public static final class Launcher implements LocalStandIns.Launcher {
    @Override
    public LocalStandIns start(Path dataDir) throws IOException {
      return LocalAws.start(dataDir);
    }
  }
}
