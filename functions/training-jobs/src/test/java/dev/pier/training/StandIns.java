package dev.pier.training;

import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.AwsClients.AwsSettings;
import dev.pier.local.LocalAws;
import java.nio.file.Path;

/** Pier's local stand-ins (DynamoDB, s3proxy) and real SDK clients on them, for one test. */
public final class StandIns implements AutoCloseable {
  /** Local mode's policy: any bucket of the S3 stand-in. */
  public static final dev.pier.kernel.aws.S3SourcePolicy ANY_S3 =
      dev.pier.kernel.aws.S3SourcePolicy.of(java.util.List.of("*"), java.util.List.of());

  public final LocalAws aws;
  public final AwsClients clients;

  public StandIns(Path dataDir) throws Exception {
    this(dataDir, false);
  }

  /**
   * With {@code dynamoDbInProcess}, the DynamoDB client hands its requests to the stand-in on the caller's thread
   * (local mode's {@code pier.local.dynamodb-transport=in-process}) instead of over loopback HTTP (the default).
   */
  public StandIns(Path dataDir, boolean dynamoDbInProcess) throws Exception {
    aws = LocalAws.start(dataDir);
    clients = new AwsClients(new AwsSettings(aws.region(), aws.dynamoDbEndpoint(), aws.s3Endpoint(),
        aws.accessKeyId(), aws.secretAccessKey()), dynamoDbInProcess ? aws.dynamoDbInProcessHttpClient() : null);
  }

  @Override
  public void close() {
    clients.close();
    aws.close();
  }
}
