package dev.pier.batch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.AwsClients.AwsSettings;
import dev.pier.local.LocalAws;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/** Job outputs older than the retention period go whole; newer ones and other prefixes stay. */
class OutputRetentionTest {
  @TempDir Path dir;

  @Test
  void aSweepDeletesWholeJobOutputsOlderThanThePeriodAndNothingElse() throws Exception {
    try (LocalAws aws = LocalAws.start(dir);
        AwsClients clients = new AwsClients(new AwsSettings(aws.region(), aws.dynamoDbEndpoint(), aws.s3Endpoint(),
            aws.accessKeyId(), aws.secretAccessKey()))) {
      S3Client s3 = clients.s3();
      assertThat(new OutputRetention(s3, "batch").sweep(Instant.now())).as("no bucket yet").isEmpty();
      s3.createBucket(b -> b.bucket("batch"));
      put(s3, "outputs/bj-old/part-00000.jsonl");
      put(s3, "outputs/bj-old/_SUCCESS");
      put(s3, "incoming/m/old.jsonl");
      Thread.sleep(1500); // S3 times are whole seconds
      Instant cutoff = Instant.now();
      Thread.sleep(1500);
      put(s3, "outputs/bj-new/part-00000.jsonl");

      OutputRetention retention = new OutputRetention(s3, "batch");
      assertThat(retention.sweep(cutoff)).containsExactly("bj-old");
      assertThat(keys(s3)).containsExactlyInAnyOrder("outputs/bj-new/part-00000.jsonl", "incoming/m/old.jsonl");
      assertThat(retention.sweep(cutoff)).as("a second sweep finds nothing").isEmpty();
    }
  }

  private static void put(S3Client s3, String key) {
    s3.putObject(b -> b.bucket("batch").key(key), RequestBody.fromString("{}"));
  }

  private static java.util.List<String> keys(S3Client s3) {
    return s3.listObjectsV2(b -> b.bucket("batch")).contents().stream().map(o -> o.key()).toList();
  }
}
