package dev.pier.features;

import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.AwsClients.AwsSettings;
import dev.pier.local.LocalAws;
import java.nio.file.Path;

/** Pier's local stand-ins (DynamoDB, s3proxy) and real SDK clients on them, for one test. */
final class StandIns implements AutoCloseable {
  final LocalAws aws;
  final AwsClients clients;

  StandIns(Path dataDir) throws Exception {
    aws = LocalAws.start(dataDir);
    clients = new AwsClients(new AwsSettings(aws.region(), aws.dynamoDbEndpoint(), aws.s3Endpoint(),
        aws.accessKeyId(), aws.secretAccessKey()));
  }

  @Override
  public void close() {
    clients.close();
    aws.close();
  }
}
