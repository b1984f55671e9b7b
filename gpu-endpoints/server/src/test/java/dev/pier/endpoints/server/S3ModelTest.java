package dev.pier.endpoints.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.AwsClients.AwsSettings;
import dev.pier.local.LocalAws;
import dev.pier.registry.ArtifactStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A model streamed from S3 (the local S3 stand-in, the real SDK client) to disk and verified before loading. */
class S3ModelTest {

  @Test
  void streamsTheObjectToDiskVerifiesItAndRefusesAWrongDigestLeavingNothing() throws Exception {
    Path data = Files.createTempDirectory("pier-s3-model");
    try (LocalAws aws = LocalAws.start(data.resolve("aws"));
        AwsClients clients = new AwsClients(new AwsSettings(aws.region(), aws.dynamoDbEndpoint(), aws.s3Endpoint(),
            aws.accessKeyId(), aws.secretAccessKey()))) {
      ArtifactStore store = new ArtifactStore(clients.s3(), "models");
      store.createBucketIfMissing();
      byte[] weights = new byte[3 << 20];
      new Random(7).nextBytes(weights);
      Path file = Files.write(data.resolve("model.onnx"), weights);
      ArtifactStore.StoredArtifact stored = store.put(file);

      S3Model model = S3Model.parse("s3://models/" + stored.key(), stored.sha256());
      Path dir = data.resolve("opt-ml-model");
      Path fetched = model.fetch(clients.s3(), dir);
      assertThat(Files.readAllBytes(fetched)).isEqualTo(weights);
      assertThat(fetched.getParent()).isEqualTo(dir);
      // again (a restarted task): the verified file stays, nothing is fetched
      long modified = Files.getLastModifiedTime(fetched).toMillis();
      assertThat(model.fetch(clients.s3(), dir)).isEqualTo(fetched);
      assertThat(Files.getLastModifiedTime(fetched).toMillis()).isEqualTo(modified);

      S3Model wrong = S3Model.parse("s3://models/" + stored.key(), "0".repeat(64));
      Path other = data.resolve("other");
      assertThatThrownBy(() -> wrong.fetch(clients.s3(), other)).hasMessageContaining("failed SHA-256 verification")
          .hasMessageContaining(stored.sha256());
      try (var left = Files.list(other)) {
        assertThat(left).isEmpty();
      }
    }
  }

  @Test
  void anS3ArtifactNeedsItsDigestAndMetadataOnTheCommandLineOrEnvironment() throws Exception {
    assertThatThrownBy(() -> EndpointMain.parse(new String[] {"--artifact", "s3://b/k.onnx", "--metadata", "{}"},
        Map.of())).hasMessageContaining("needs --sha256");
    assertThatThrownBy(() -> EndpointMain.parse(new String[] {"--artifact", "s3://b/k.onnx", "--sha256",
        "a".repeat(64)}, Map.of())).hasMessageContaining("needs --metadata");
    assertThatThrownBy(() -> S3Model.parse("s3://bucket-only", "a".repeat(64)))
        .hasMessageContaining("s3://BUCKET/KEY");
    EndpointMain.Options o = EndpointMain.parse(new String[] {"serve"}, Map.of("PIER_ARTIFACT", "s3://b/dir/k.onnx",
        "PIER_ARTIFACT_SHA256", "b".repeat(64), "PIER_METADATA", "{\"framework\": \"onnx\"}"));
    assertThat(o.s3()).isEqualTo(new S3Model("b", "dir/k.onnx", "b".repeat(64)));
    assertThat(EndpointMain.parse(new String[] {"--artifact", "/tmp/m.onnx", "--metadata", "{}"}, Map.of()).s3())
        .isNull();
  }
}
