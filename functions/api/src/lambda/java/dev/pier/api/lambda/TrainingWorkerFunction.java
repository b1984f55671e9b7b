package dev.pier.api.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pier.kernel.PierException;
import dev.pier.kernel.aws.AwsClients;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;

/**
 * The training worker Lambda as the API Lambda calls it: a synchronous {@code Invoke} of
 * {@code pier.training.worker-function} (in AWS {@code PIER_TRAINING_WORKER_FUNCTION}, set by the CDK app) with a
 * forwarded route as the payload. {@code pier.training.worker-endpoint} overrides Lambda's endpoint (a stand-in).
 * Without a function the training routes answer 501 naming the setting.
 */
@ApplicationScoped
public class TrainingWorkerFunction {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String function;
  private final LambdaClient lambda;

  @Inject
  public TrainingWorkerFunction(AwsClients aws,
      @ConfigProperty(name = "pier.training.worker-function") Optional<String> function,
      @ConfigProperty(name = "pier.training.worker-endpoint") Optional<URI> endpoint) {
    this.function = function.filter(f -> !f.isBlank()).orElse(null);
    // no retries: a submit the worker ran but whose answer was lost would be a second job; the caller retries
    this.lambda = this.function == null ? null : aws.client(LambdaClient.builder().overrideConfiguration(c -> c
        .retryStrategy(AwsRetryStrategy.doNotRetry())), endpoint.orElse(null));
  }

  /** The worker's answer to {@code event}; 501 when no worker is configured, 502 when the worker failed. */
  public JsonNode invoke(JsonNode event) {
    if (lambda == null) {
      throw PierException.notImplemented("this server runs no training: set pier.training.worker-function"
          + " (PIER_TRAINING_WORKER_FUNCTION) to the training worker Lambda, which serves datasets, training jobs and"
          + " their costs");
    }
    InvokeResponse response;
    try {
      response = lambda.invoke(b -> b.functionName(function).payload(SdkBytes.fromUtf8String(event.toString())));
    } catch (SdkException e) {
      throw new PierException(502, "the training worker could not be invoked (" + function + "): " + e.getMessage());
    }
    String payload = response.payload() == null ? "" : response.payload().asUtf8String();
    if (response.functionError() != null) {
      throw new PierException(502, "the training worker failed (" + response.functionError() + "): " + payload);
    }
    try {
      return JSON.readTree(payload);
    } catch (IOException e) {
      throw new PierException(502, "the training worker answered no JSON: " + payload);
    }
  }

  @PreDestroy
  void close() {
    if (lambda != null) {
      lambda.close();
    }
  }
}
