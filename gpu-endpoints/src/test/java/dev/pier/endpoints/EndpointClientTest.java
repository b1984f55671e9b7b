package dev.pier.endpoints;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.endpoints.local.LocalSageMakerRuntime;
import dev.pier.kernel.PierException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sagemakerruntime.SageMakerRuntimeClient;

/** The real SageMakerRuntimeClient against the local stand-in: answers and each failure mapping. */
class EndpointClientTest {
  private LocalSageMakerRuntime runtime;
  private SageMakerRuntimeClient sdk;
  private EndpointClient client;

  @BeforeEach
  void start() throws Exception {
    runtime = LocalSageMakerRuntime.start(0);
    sdk = SageMakerRuntimeClient.builder().endpointOverride(runtime.endpoint()).region(Region.US_EAST_1)
        .httpClient(UrlConnectionHttpClient.create())
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("k", "s"))).build();
    client = new EndpointClient(sdk);
  }

  @AfterEach
  void stop() {
    sdk.close();
    runtime.close();
  }

  @Test
  void anInvocationReturnsWhatTheHostedModelAnswers() {
    runtime.host("echo", body -> ("{\"got\":" + new String(body, StandardCharsets.UTF_8) + "}").getBytes());
    assertThat(new String(client.invoke("echo", "{\"x\":1}".getBytes()), StandardCharsets.UTF_8))
        .isEqualTo("{\"got\":{\"x\":1}}");
  }

  @Test
  void anAsyncInvocationOfAnEndpointThatIsNotAsynchronousIsA503NamingIt() {
    runtime.host("realtime", body -> body);
    assertThatThrownBy(() -> client.invokeAsync("realtime", "s3://b/async-requests/1.json", "1",
        java.time.Duration.ofMinutes(15), java.time.Duration.ofHours(6)))
        .isInstanceOf(PierException.class)
        .hasMessageContaining("endpoint realtime is not available for asynchronous inference")
        .extracting(e -> ((PierException) e).status()).isEqualTo(503);
  }

  @Test
  void aClientErrorFromTheContainerKeepsItsStatusAndMessage() {
    runtime.host("strict", body -> {
      throw PierException.badRequest("input 'x': shape [3] does not match");
    });
    assertThatThrownBy(() -> client.invoke("strict", "{}".getBytes())).isInstanceOf(PierException.class)
        .hasMessage("input 'x': shape [3] does not match")
        .extracting(e -> ((PierException) e).status()).isEqualTo(400);
  }

  @Test
  void aServerErrorFromTheContainerIsA502NamingTheEndpoint() {
    runtime.host("broken", body -> {
      throw new IllegalStateException("CUDA out of memory");
    });
    assertThatThrownBy(() -> client.invoke("broken", "{}".getBytes())).isInstanceOf(PierException.class)
        .hasMessageContaining("endpoint broken failed")
        .extracting(e -> ((PierException) e).status()).isEqualTo(502);
  }

  @Test
  void anUnknownEndpointIs503NamingIt() {
    assertThatThrownBy(() -> client.invoke("nowhere", "{}".getBytes())).isInstanceOf(PierException.class)
        .hasMessageContaining("endpoint nowhere is not available")
        .extracting(e -> ((PierException) e).status()).isEqualTo(503);
  }

  @Test
  void anInferenceComponentScaledToZeroIsA503WithRetryAfterAndAnswersOnceItHasACopy() {
    runtime.host("pier-iris-v1", body -> "{\"outputs\":[]}".getBytes());
    EndpointClient scaling = new EndpointClient(sdk, java.time.Duration.ofSeconds(90));
    runtime.copies("pier-iris-v1-v1-0123abcd", 0);

    assertThatThrownBy(() -> scaling.invoke("pier-iris-v1", "pier-iris-v1-v1-0123abcd", "{}".getBytes()))
        .isInstanceOfSatisfying(PierException.class, e -> {
          assertThat(e.status()).isEqualTo(503);
          assertThat(e.retryAfterSeconds()).isEqualTo(90);
        })
        .hasMessageContaining("scaled to zero on endpoint pier-iris-v1")
        .hasMessageContaining("retry after 90 s");

    runtime.copies("pier-iris-v1-v1-0123abcd", 1); // Application Auto Scaling added a copy
    assertThat(new String(scaling.invoke("pier-iris-v1", "pier-iris-v1-v1-0123abcd", "{}".getBytes()),
        StandardCharsets.UTF_8)).isEqualTo("{\"outputs\":[]}");
    // an endpoint that is not a component's is still a plain 503 without the scale-out wait
    assertThatThrownBy(() -> scaling.invoke("nowhere", null, "{}".getBytes()))
        .isInstanceOfSatisfying(PierException.class, e -> assertThat(e.retryAfterSeconds()).isZero());
  }
}
