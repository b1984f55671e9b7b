package dev.pier.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.blobstore.ForwardingBlobStore;
import org.gaul.s3proxy.blobstore.domain.MultipartUpload;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadResponse;

/**
 * A multipart completion that outlasts the client's wait for its answer, as the S3 stand-in's does when it copies the
 * parts of a 3 GB artifact on a loaded disk (it answers nothing until it is done, where S3 sends whitespace): the SDK
 * gives up on the first attempt and retries a completion that is still running. The artifact must still be stored
 * and the upload not aborted under it. The stand-in here is s3proxy's filesystem store, as in local mode, whose
 * completion waits {@link #ASSEMBLY} before assembling: longer than three client attempts of {@link #ANSWER_TIMEOUT}.
 */
class ArtifactCompletionTest {
  private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(1);
  private static final Duration ASSEMBLY = Duration.ofSeconds(5);
  @TempDir Path dir;
  private S3Proxy proxy;
  private S3Client s3;
  private final AtomicInteger completions = new AtomicInteger();

  @BeforeEach
  void start() throws Exception {
    Properties props = new Properties();
    props.setProperty("jclouds.filesystem.basedir", Files.createDirectories(dir.resolve("s3")).toString());
    props.setProperty("jclouds.identity", "id");
    props.setProperty("jclouds.credential", "secret");
    BlobStore slow = new ForwardingBlobStore(BlobStores.create("filesystem", props)) {
      @Override
      public CompleteMultipartUploadResponse completeMultipartUpload(MultipartUpload upload,
          CompleteMultipartUploadRequest request) {
        completions.incrementAndGet();
        try {
          Thread.sleep(ASSEMBLY.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return super.completeMultipartUpload(upload, request);
      }
    };
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    URI endpoint = URI.create("http://127.0.0.1:" + port);
    proxy = S3Proxy.builder().blobStore(slow).endpoint(endpoint)
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, "id", "secret").ignoreUnknownHeaders(true).build();
    proxy.start();
    while (!"STARTED".equals(proxy.getState())) {
      Thread.sleep(5);
    }
    s3 = S3Client.builder()
        .httpClient(UrlConnectionHttpClient.builder().build())
        .overrideConfiguration(o -> o.addExecutionInterceptor(new ExecutionInterceptor() {
          @Override // the client waits this long for a completion's answer (parts: the default 30 s)
          public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
            return context.request() instanceof CompleteMultipartUploadRequest complete
                ? complete.toBuilder().overrideConfiguration(c -> c.apiCallAttemptTimeout(ANSWER_TIMEOUT)).build()
                : context.request();
          }
        }))
        .region(Region.US_EAST_1).endpointOverride(endpoint).forcePathStyle(true)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("id", "secret")))
        .build();
  }

  @AfterEach
  void stop() throws Exception {
    s3.close();
    proxy.stop();
  }

  @Test
  void aCompletionAnsweredAfterTheClientGaveUpStillStoresTheArtifactAndAbortsNothing() throws Exception {
    ArtifactStore store = new ArtifactStore(s3, "artifacts", 5L << 20, Duration.ofMinutes(2));
    store.createBucketIfMissing();
    Path file = dir.resolve("model.bin");
    byte[] bytes = new byte[(11 << 20) + 3]; // three parts of 5 MiB, the last short
    new Random(22).nextBytes(bytes);
    Files.write(file, bytes);

    ArtifactStore.StoredArtifact stored = store.put(file);

    assertThat(completions.get()).as("the SDK gave up on the first attempt and retried").isGreaterThan(1);
    assertThat(store.size(stored.key())).isEqualTo(bytes.length);
    Path back = dir.resolve("back.bin");
    store.download(stored.key(), stored.sha256(), back); // verifies the SHA-256
    assertThat(Files.readAllBytes(back)).isEqualTo(bytes);
    assertThat(s3.listMultipartUploads(b -> b.bucket("artifacts")).uploads()).as("nothing left pending").isEmpty();
  }
}
