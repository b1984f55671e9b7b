package dev.pier.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.AwsClients.AwsSettings;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * Local mode's stand-ins accept only the data directory's own credentials: a local user who cannot read the data
 * directory cannot reach the tables (the API keys among them) or the buckets.
 */
class LocalAwsTest {
  /** The pair every local data directory accepted before #23.9; anyone could read it in the source. */
  private static final String OLD_KEY_ID = "pier-local";
  private static final String OLD_SECRET = "pier-local-secret";

  @TempDir
  Path dataDir;

  @Test
  void aSecondStartOnADirectoryInUseIsRefusedNamingTheHolderAndTouchesNothing() throws Exception {
    try (LocalAws first = LocalAws.start(dataDir)) {
      byte[] ports = Files.readAllBytes(dataDir.resolve("ports.properties"));
      long modified = Files.getLastModifiedTime(dataDir.resolve("ports.properties")).toMillis();

      assertThatThrownBy(() -> LocalAws.start(dataDir))
          .hasMessage("the data directory " + dataDir + " is in use by another Pier (pid "
              + ProcessHandle.current().pid() + "); stop it or pass another --data-dir");

      assertThat(Files.readAllBytes(dataDir.resolve("ports.properties"))).isEqualTo(ports);
      assertThat(Files.getLastModifiedTime(dataDir.resolve("ports.properties")).toMillis()).isEqualTo(modified);
      first.s3Endpoint(); // the first one still serves
    }
    try (LocalAws again = LocalAws.start(dataDir)) { // closing released the directory
      assertThat(Files.readString(dataDir.resolve("pier.lock")).trim())
          .isEqualTo(Long.toString(ProcessHandle.current().pid()));
    }
  }

  @Test
  void theStandInsServeClientsSigningWithTheDataDirectorysCredentials() throws Exception {
    try (LocalAws aws = LocalAws.start(dataDir);
        AwsClients clients = clients(aws, aws.accessKeyId(), aws.secretAccessKey())) {
      clients.dynamoDb().listTables();
      clients.s3().createBucket(b -> b.bucket("signed"));

      assertThat(clients.s3().listBuckets().buckets()).anyMatch(b -> b.name().equals("signed"));
    }
  }

  @Test
  void theDynamoDbStandInRefusesAnUnsignedRequest() throws Exception {
    try (LocalAws aws = LocalAws.start(dataDir)) {
      HttpResponse<String> response = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(aws.dynamoDbEndpoint())
              .header("X-Amz-Target", "DynamoDB_20120810.ListTables")
              .header("Content-Type", "application/x-amz-json-1.0")
              .POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
          HttpResponse.BodyHandlers.ofString());

      assertThat(response.statusCode()).isEqualTo(400);
      assertThat(response.body()).contains("MissingAuthenticationTokenException");
    }
  }

  @Test
  void theOldWellKnownCredentialsAreRefusedByDynamoDbAndS3() throws Exception {
    try (LocalAws aws = LocalAws.start(dataDir);
        AwsClients old = clients(aws, OLD_KEY_ID, OLD_SECRET)) {
      assertThatThrownBy(() -> old.dynamoDb().listTables())
          .isInstanceOfSatisfying(AwsServiceException.class, e ->
              assertThat(e.awsErrorDetails().errorCode()).isEqualTo("UnrecognizedClientException"));
      assertThatThrownBy(() -> old.s3().listBuckets()).isInstanceOf(AwsServiceException.class);
    }
  }

  @Test
  void aClientSigningWithTheRightKeyIdButAWrongSecretIsRefused() throws Exception {
    try (LocalAws aws = LocalAws.start(dataDir);
        AwsClients forged = clients(aws, aws.accessKeyId(), "not-" + aws.secretAccessKey())) {
      assertThatThrownBy(() -> forged.dynamoDb().listTables())
          .isInstanceOfSatisfying(AwsServiceException.class, e ->
              assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidSignatureException"));
      assertThatThrownBy(() -> forged.s3().listBuckets()).isInstanceOf(AwsServiceException.class);
    }
  }

  /**
   * The S3 client signs requests to the stand-in as over HTTPS to AWS (no payload hash; uploads as unsigned chunks
   * with a CRC32 trailer) and sends them as plain HTTP on loopback: the stand-in checks each signature and checksum
   * and keeps every byte, in one PUT and in a multipart upload alike.
   */
  @Test
  void objectsPutAsOverHttpsAreStoredWholeAndAWrongSecretIsStillRefused() throws Exception {
    byte[] body = new byte[1_500_000]; // several of the SDK's upload chunks
    new java.util.Random(7).nextBytes(body);
    byte[] part = java.util.Arrays.copyOf(body, 5 * 1024 * 1024); // S3's smallest part but the last
    try (LocalAws aws = LocalAws.start(dataDir);
        AwsClients clients = clients(aws, aws.accessKeyId(), aws.secretAccessKey());
        AwsClients forged = clients(aws, aws.accessKeyId(), "not-" + aws.secretAccessKey())) {
      var s3 = clients.s3();
      s3.createBucket(b -> b.bucket("objects"));

      s3.putObject(b -> b.bucket("objects").key("one"), RequestBody.fromBytes(body));
      String upload = s3.createMultipartUpload(b -> b.bucket("objects").key("two")).uploadId();
      String first = s3.uploadPart(b -> b.bucket("objects").key("two").uploadId(upload).partNumber(1),
          RequestBody.fromBytes(part)).eTag();
      String second = s3.uploadPart(b -> b.bucket("objects").key("two").uploadId(upload).partNumber(2),
          RequestBody.fromBytes(body)).eTag();
      s3.completeMultipartUpload(b -> b.bucket("objects").key("two").uploadId(upload).multipartUpload(m -> m.parts(
          CompletedPart.builder().partNumber(1).eTag(first).build(),
          CompletedPart.builder().partNumber(2).eTag(second).build())));

      assertThat(s3.getObjectAsBytes(b -> b.bucket("objects").key("one")).asByteArray()).isEqualTo(body);
      byte[] both = java.util.Arrays.copyOf(part, part.length + body.length);
      System.arraycopy(body, 0, both, part.length, body.length);
      assertThat(s3.getObjectAsBytes(b -> b.bucket("objects").key("two")).asByteArray()).isEqualTo(both);
      assertThatThrownBy(() -> forged.s3().putObject(b -> b.bucket("objects").key("forged"),
          RequestBody.fromBytes(body))).isInstanceOf(AwsServiceException.class);
      assertThat(s3.listObjectsV2(b -> b.bucket("objects")).contents()).extracting(o -> o.key())
          .containsExactly("one", "two");
    }
  }

  @Test
  void theCredentialsAreMadeOncePerDataDirectoryAndReadableByItsOwnerOnly() throws Exception {
    String keyId;
    String secret;
    try (LocalAws aws = LocalAws.start(dataDir)) {
      keyId = aws.accessKeyId();
      secret = aws.secretAccessKey();
    }
    try (LocalAws again = LocalAws.start(dataDir)) {
      assertThat(again.accessKeyId()).isEqualTo(keyId);
      assertThat(again.secretAccessKey()).isEqualTo(secret);
    }
    assertThat(Files.getPosixFilePermissions(dataDir.resolve(StandInCredentials.FILE)))
        .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    assertThat(secret).hasSizeGreaterThanOrEqualTo(40);
  }

  @Test
  void anotherDataDirectoryGetsOtherCredentials(@TempDir Path other) throws Exception {
    assertThat(StandInCredentials.of(other)).isNotEqualTo(StandInCredentials.of(dataDir));
  }

  private static AwsClients clients(LocalAws aws, String keyId, String secret) {
    return new AwsClients(new AwsSettings(aws.region(), aws.dynamoDbEndpoint(), aws.s3Endpoint(), keyId, secret));
  }
}
