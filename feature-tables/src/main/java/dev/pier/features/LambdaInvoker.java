package dev.pier.features;

import dev.pier.kernel.PierException;
import java.nio.charset.StandardCharsets;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvocationType;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;

/** {@link WorkerHandOff.Invoker} by Lambda's synchronous {@code Invoke} (RequestResponse) of the feature worker. */
public final class LambdaInvoker implements WorkerHandOff.Invoker {
  private final LambdaClient lambda;
  private final String function;

  /** @param function the feature worker's name or ARN */
  public LambdaInvoker(LambdaClient lambda, String function) {
    this.lambda = lambda;
    this.function = function;
  }

  @Override
  public byte[] invoke(byte[] event) {
    InvokeResponse response;
    try {
      response = lambda.invoke(b -> b.functionName(function).invocationType(InvocationType.REQUEST_RESPONSE)
          .payload(SdkBytes.fromByteArray(event)));
    } catch (SdkException e) {
      throw new PierException(503, "the feature worker (" + function + ") could not be invoked: " + e.getMessage(), e);
    }
    byte[] payload = response.payload() == null ? new byte[0] : response.payload().asByteArray();
    if (response.functionError() != null) {
      String detail = new String(payload, StandardCharsets.UTF_8);
      throw new PierException(502, "the feature worker failed (" + response.functionError() + "): "
          + (detail.length() > 2000 ? detail.substring(0, 2000) + "…" : detail));
    }
    return payload;
  }
}
